import type { Session } from '../auth/session';

/** A FHIR resource as JSON; pages narrow it to the fields they use. */
export interface Resource {
  resourceType: string;
  id?: string;
  meta?: { versionId?: string; lastUpdated?: string; security?: Coding[] };
  [key: string]: unknown;
}

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

export interface Bundle<T extends Resource = Resource> extends Resource {
  resourceType: 'Bundle';
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: { resource?: T; search?: { mode?: string } }[];
}

export interface OutcomeIssue {
  severity: string;
  code: string;
  diagnostics?: string;
  details?: { text?: string };
  expression?: string[];
  location?: string[];
}

/** A refused or failed request, with the server's OperationOutcome when it sent one. */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly issues: OutcomeIssue[],
  ) {
    super(describe(status, issues));
  }

  /** The issues about one element (`Patient.birthDate`, `birthDate`...), for field-level messages. */
  forField(path: string): string | undefined {
    const matching = this.issues.filter((issue) =>
      [...(issue.expression ?? []), ...(issue.location ?? [])].some(
        (expression) => expression === path || expression.endsWith(`.${path}`) || expression.startsWith(`${path}[`) || expression.includes(`.${path}[`) || expression.includes(`.${path}.`),
      ),
    );
    return matching.length ? matching.map(issueText).join(' ') : undefined;
  }
}

export function issueText(issue: OutcomeIssue): string {
  return issue.details?.text ?? issue.diagnostics ?? issue.code;
}

function describe(status: number, issues: OutcomeIssue[]): string {
  const text = issues.map(issueText).filter(Boolean).join(' ');
  switch (status) {
    case 401:
      return 'Your session has ended. Please sign in again.';
    case 403:
      return `Not allowed for your role or this app${text ? `: ${text}` : '.'}`;
    case 404:
      return text || 'Not found, or not available to you.';
    default:
      return text || `The server answered ${status}.`;
  }
}

/**
 * The FHIR API of the server that serves the app (same origin, `/fhir`), with the session's bearer
 * token. One retry after a 401 with refreshed tokens; errors as {@link FhirError}.
 */
export class FhirClient {
  constructor(private readonly session: Session) {}

  async request<T = Resource>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; accept?: string } = {},
  ): Promise<T> {
    const response = await this.send(method, path, options);
    if (response.status === 204) {
      return undefined as T;
    }
    const type = response.headers.get('Content-Type') ?? '';
    return (type.includes('json') ? await response.json() : await response.text()) as T;
  }

  /** The raw response (a CSV download, say), after the same checks. */
  async send(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; accept?: string } = {},
    retried = false,
  ): Promise<Response> {
    const token = await this.session.accessToken();
    if (!token) {
      throw new FhirError(401, []);
    }
    const headers: Record<string, string> = {
      Accept: options.accept ?? 'application/fhir+json',
      Authorization: `Bearer ${token}`,
      ...options.headers,
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/fhir+json';
      body = JSON.stringify(options.body);
    }
    const response = await fetch(`/fhir/${path.replace(/^\//, '')}`, { method, headers, body, credentials: 'omit' });
    if (response.status === 401 && !retried) {
      await this.session.refresh();
      return this.send(method, path, options, true);
    }
    if (!response.ok) {
      throw new FhirError(response.status, await outcome(response));
    }
    return response;
  }

  read<T extends Resource>(type: string, id: string): Promise<T> {
    return this.request<T>('GET', `${type}/${encodeURIComponent(id)}`);
  }

  search<T extends Resource>(type: string, params: Record<string, string | string[] | undefined>): Promise<Bundle<T>> {
    return this.request<Bundle<T>>('GET', `${type}?${query(params)}`);
  }

  /** Follows a Bundle's `next` link (a URL of this server); undefined on the last page. */
  next<T extends Resource>(bundle: Bundle<T>): Promise<Bundle<T>> | undefined {
    const path = nextPath(bundle);
    return path === undefined ? undefined : this.request<Bundle<T>>('GET', path);
  }

  create<T extends Resource>(resource: T): Promise<T> {
    return this.request<T>('POST', resource.resourceType, { body: resource, headers: { Prefer: 'return=representation' } });
  }

  update<T extends Resource>(resource: T): Promise<T> {
    const headers: Record<string, string> = { Prefer: 'return=representation' };
    if (resource.meta?.versionId) {
      headers['If-Match'] = `W/"${resource.meta.versionId}"`;
    }
    return this.request<T>('PUT', `${resource.resourceType}/${resource.id}`, { body: resource, headers });
  }
}

/**
 * The path (relative to the FHIR base) of a Bundle's `next` link. HAPI's paging links are
 * `https://host/fhir?_getpages=…` (no slash after `fhir`), both `…/fhir/Type?…` and `…/fhir?_getpages=…`.
 */
export function nextPath(bundle: Bundle | undefined): string | undefined {
  const link = bundle?.link?.find((l) => l.relation === 'next')?.url;
  if (!link) {
    return undefined;
  }
  const match = /\/fhir(?=[/?]|$)/.exec(link);
  if (!match) {
    return undefined;
  }
  const rest = link.slice(match.index + match[0].length).replace(/^\//, '');
  return rest;
}

/**
 * All matches of a search, following `next` links until `limit` resources of the searched type
 * (search mode `match`) were read. `truncated` tells that more were left.
 */
export async function fetchAll<T extends Resource>(
  fhir: FhirClient,
  first: Bundle<T>,
  limit: number,
): Promise<{ matches: T[]; included: Resource[]; truncated: boolean; pages: number }> {
  const matches: T[] = [];
  const included: Resource[] = [];
  let page: Bundle<T> | undefined = first;
  let pages = 0;
  while (page) {
    pages += 1;
    for (const entry of page.entry ?? []) {
      if (!entry.resource || entry.search?.mode === 'outcome') {
        continue;
      }
      if (entry.search?.mode === 'include') {
        included.push(entry.resource);
      } else if (matches.length < limit) {
        matches.push(entry.resource);
      } else {
        return { matches, included, truncated: true, pages };
      }
    }
    if (nextPath(page) === undefined) {
      return { matches, included, truncated: false, pages };
    }
    if (matches.length >= limit) {
      return { matches, included, truncated: true, pages };
    }
    page = await fhir.next(page);
  }
  return { matches, included, truncated: false, pages };
}

export function query(params: Record<string, string | string[] | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== '') {
        search.append(key, item);
      }
    }
  }
  return search.toString();
}

export function resources<T extends Resource>(bundle: Bundle<T> | undefined): T[] {
  return (bundle?.entry ?? [])
    .filter((entry) => entry.search?.mode !== 'outcome')
    .map((entry) => entry.resource)
    .filter((r): r is T => r !== undefined);
}

async function outcome(response: Response): Promise<OutcomeIssue[]> {
  try {
    const body = (await response.json()) as { resourceType?: string; issue?: OutcomeIssue[] };
    return body.resourceType === 'OperationOutcome' ? (body.issue ?? []) : [];
  } catch {
    return [];
  }
}
