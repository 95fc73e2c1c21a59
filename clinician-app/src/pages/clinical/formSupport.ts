import { FhirError, type OutcomeIssue } from '../../api/fhir';

/**
 * Field-level display of a server refusal (OperationOutcome): which issues belong under which
 * input, and what is left for the alert above the form.
 */

/** `Patient.name[0].given[1]` → `name.given` (the resource type and indexes dropped). */
function normalize(expression: string): string {
  return expression
    .replace(/\[\d+\]/g, '')
    .replace(/^[A-Z][A-Za-z]+\./, '')
    .replace(/\.where\([^)]*\)/g, '');
}

/** HAPI's parser errors name the element only in their text: `[element="birthDate"] Invalid …`. */
function parserElement(issue: OutcomeIssue): string | undefined {
  return /\[element="([^"]+)"\]/.exec(issue.diagnostics ?? '')?.[1];
}

/** How well `path` names the element of an issue: 0 not at all, more for a more specific match. */
function matchScore(issue: OutcomeIssue, path: string): number {
  const expressions = [...(issue.expression ?? []), ...(issue.location ?? [])].map(normalize);
  let score = 0;
  for (const expression of expressions) {
    if (expression === path) {
      score = Math.max(score, 1000 + path.length);
    } else if (expression.startsWith(`${path}.`)) {
      score = Math.max(score, path.length);
    }
  }
  const element = parserElement(issue);
  if (element !== undefined && (element === path || path.endsWith(`.${element}`))) {
    score = Math.max(score, 500 + path.length);
  }
  if (score === 0 && (issue.expression?.length || issue.location?.length)) {
    // the client's own rule for a field (Patient.birthDate, birthDate, name[0].family...)
    const single = new FhirError(400, [issue]);
    if (single.forField(path)) {
      score = 1;
    }
  }
  return score;
}

function issueMessage(issue: OutcomeIssue): string {
  const text = issue.details?.text ?? issue.diagnostics ?? issue.code;
  // HAPI's parser prefixes its codes; the user needs the reason only
  return text.replace(/^HAPI-\d+: (Failed to parse request body as JSON resource\. Error was: )?(HAPI-\d+: )?/, '').replace(/^\[element="[^"]+"\]\s*/, '');
}

/**
 * A server refusal laid out on a form: each OperationOutcome issue goes under the field whose
 * element it names (`fields`: field → element paths without the resource type, e.g.
 * `{ birthDate: ['birthDate'], family: ['name.family', 'name'] }`; the most specific path wins, so
 * an issue is shown once), HAPI parser errors under the element they quote, and the rest (`rest`,
 * undefined when nothing is left) for the alert above the form.
 */
export function fieldErrors<K extends string>(
  error: unknown,
  fields: Record<K, string[]>,
): { errors: Partial<Record<K, string>>; rest: unknown; matched: boolean } {
  if (!(error instanceof FhirError) || !error.issues.length) {
    return { errors: {}, rest: error ?? undefined, matched: false };
  }
  const byField = new Map<K, string[]>();
  const left: OutcomeIssue[] = [];
  for (const issue of error.issues) {
    let best: K | undefined;
    let bestScore = 0;
    for (const [field, paths] of Object.entries(fields) as [K, string[]][]) {
      for (const path of paths) {
        const score = matchScore(issue, path);
        if (score > bestScore) {
          best = field;
          bestScore = score;
        }
      }
    }
    if (best === undefined) {
      left.push(issue);
    } else {
      byField.set(best, [...(byField.get(best) ?? []), issueMessage(issue)]);
    }
  }
  const errors: Partial<Record<K, string>> = {};
  for (const [field, messages] of byField) {
    errors[field] = [...new Set(messages)].join(' ');
  }
  const matched = byField.size > 0;
  const rest = !matched
    ? error
    : left.some((issue) => issue.severity === 'error' || issue.severity === 'fatal')
      ? new FhirError(error.status, left)
      : undefined;
  return { errors, rest, matched };
}

/** True when a save failed because the stored version changed meanwhile (If-Match). */
export function isVersionConflict(error: unknown): boolean {
  return error instanceof FhirError && (error.status === 409 || error.status === 412);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A FHIR dateTime → the value of an `<input type="datetime-local">` in the browser's time zone. */
export function toLocalInput(value: string | undefined): string {
  if (!value) {
    return '';
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return `${value}T00:00`;
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** An `<input type="datetime-local">` value → a FHIR dateTime with the browser's UTC offset. */
export function fromLocalInput(value: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!match) {
    return undefined;
  }
  const [, y, mo, d, h, mi, s] = match;
  const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  if (Number.isNaN(date.getTime())) {
    return undefined;
  }
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The value to store for a datetime-local field: the original when the user did not change it. */
export function keepOrConvert(input: string, original: string | undefined): string | undefined {
  if (!input) {
    return undefined;
  }
  if (original && toLocalInput(original) === input) {
    return original;
  }
  return fromLocalInput(input);
}

/** Today as YYYY-MM-DD in the browser's time zone. */
export function today(): string {
  const now = new Date();
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Now as a datetime-local value. */
export function nowLocalInput(): string {
  return toLocalInput(new Date().toISOString());
}

/** Drops undefined, empty strings, empty arrays and empty objects, recursively (FHIR forbids empty elements). */
export function prune<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.map(prune).filter((item) => !isEmpty(item)) as T;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const pruned = prune(item);
      if (!isEmpty(pruned)) {
        out[key] = pruned;
      }
    }
    return out as T;
  }
  return value;
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'object' && !Array.isArray(value) && Object.keys(value as object).length === 0)
  );
}

/** Security labels the server treats as sensitive (docs/consent.md, `consent.sensitive-labels`). */
export const SENSITIVE_LABELS: Record<string, string> = {
  R: 'Restricted',
  PSY: 'Psychiatry',
  HIV: 'HIV',
  ETH: 'Substance use',
};

/** Removes the handling marker the server adds to what it redacted for the role (it is not data). */
export function withoutRedactedMarker<T extends { meta?: { security?: { code?: string }[] } }>(resource: T): T {
  if (!resource.meta?.security?.some((label) => label.code === 'REDACTED')) {
    return resource;
  }
  const security = resource.meta.security.filter((label) => label.code !== 'REDACTED');
  return { ...resource, meta: { ...resource.meta, security: security.length ? security : undefined } };
}
