import type { Coding, Resource } from '../../api/fhir';

/**
 * The AuditEvent as this server renders it (fhir-server AuditEventRendering, IHE BALP shape): type
 * `rest` with the FHIR interaction as subtype, or DICOM 110114 (User Authentication) / 110113
 * (Security Alert) with the security event or alert rule as subtype; the user (requestor, `altId` =
 * user id, `who.reference` = fhirUser, roles as text, token id as policy, source address) and the
 * app (type 110150, identifier system urn:securefhir:client) as agents; every patient as an entity
 * of role 1, the resource acted on as role 4, the query (base64) and the operation as role 24, and
 * one entity of type Consent per consent decision.
 */
export interface AuditEvent extends Resource {
  resourceType: 'AuditEvent';
  type?: Coding;
  subtype?: Coding[];
  action?: string;
  recorded?: string;
  outcome?: string;
  outcomeDesc?: string;
  purposeOfEvent?: { coding?: Coding[]; text?: string }[];
  agent?: AuditAgent[];
  source?: { site?: string; observer?: { display?: string } };
  entity?: AuditEntity[];
}

export interface AuditAgent {
  type?: { coding?: Coding[] };
  role?: { text?: string }[];
  who?: { reference?: string; identifier?: { system?: string; value?: string } };
  altId?: string;
  requestor?: boolean;
  policy?: string[];
  network?: { address?: string; type?: string };
}

export interface AuditEntity {
  what?: { reference?: string };
  role?: Coding;
  type?: Coding;
  description?: string;
  query?: string;
  name?: string;
  detail?: { type?: string; valueString?: string }[];
}

export const CLIENT_ID_SYSTEM = 'urn:securefhir:client';
export const USER_ID_SYSTEM = 'urn:securefhir:user';

export const ACTIONS: Record<string, string> = {
  C: 'Create',
  R: 'Read',
  U: 'Update',
  D: 'Delete',
  E: 'Execute',
};

/** v3 PurposeOfUse / ActReason codes in plain words. */
export const PURPOSES: Record<string, string> = {
  TREAT: 'Treatment',
  ETREAT: 'Emergency treatment',
  BTG: 'Break-glass',
  CAREMGT: 'Care management',
  HPAYMT: 'Payment',
  COVERAGE: 'Coverage',
  HOPERAT: 'Healthcare operations',
  PUBHLTH: 'Public health',
  HLEGAL: 'Legal',
  PATRQT: 'Patient request',
  HRESCH: 'Research',
  HMARKT: 'Marketing',
};

export interface OutcomeView {
  label: string;
  color: string;
  /** 401 or 403: the request was refused. */
  denied: boolean;
  status?: number;
}

/** The HTTP status the server keeps at the start of `outcomeDesc` ("403 Access denied: …", "200"). */
export function statusOf(event: AuditEvent): number | undefined {
  const match = /^(\d{3})\b/.exec(event.outcomeDesc ?? '');
  return match ? Number(match[1]) : undefined;
}

/**
 * The outcome as people read it. The server codes 0 success, 4 denied or client error (the status
 * tells which: 401/403 denied), 8 server error (and every security alert).
 */
export function outcomeOf(event: AuditEvent): OutcomeView {
  const status = statusOf(event);
  switch (event.outcome) {
    case '0':
      return { label: 'Success', color: 'green', denied: false, status };
    case '4':
      if (status === 401 || status === 403) {
        return { label: `Denied ${status}`, color: 'red', denied: true, status };
      }
      return { label: status ? `Failed ${status}` : 'Minor failure', color: 'orange', denied: false, status };
    case '8':
      return isAlert(event)
        ? { label: 'Alert', color: 'red', denied: false, status }
        : { label: status ? `Server error ${status}` : 'Serious failure', color: 'red', denied: false, status };
    case '12':
      return { label: 'Major failure', color: 'red', denied: false, status };
    default:
      return { label: event.outcome ?? 'Unknown', color: 'gray', denied: false, status };
  }
}

export function isAlert(event: AuditEvent): boolean {
  return event.type?.code === '110113' && event.outcome === '8';
}

export function subtypeOf(event: AuditEvent): string {
  return event.subtype?.[0]?.code ?? '';
}

export function typeLabel(event: AuditEvent): string {
  switch (event.type?.code) {
    case 'rest':
      return 'FHIR request';
    case '110114':
      return 'Authentication';
    case '110113':
      return event.outcome === '8' ? 'Security alert' : 'Security event';
    default:
      return event.type?.display ?? event.type?.code ?? '';
  }
}

/** The user agent (not the application). */
export function userAgentOf(event: AuditEvent): AuditAgent | undefined {
  return event.agent?.find((agent) => !isApplication(agent) && agent.who?.identifier?.system !== CLIENT_ID_SYSTEM);
}

function isApplication(agent: AuditAgent): boolean {
  return agent.type?.coding?.some((coding) => coding.code === '110150') ?? false;
}

export function userOf(event: AuditEvent): { id?: string; fhirUser?: string; roles: string[]; token?: string; address?: string } {
  const agent = userAgentOf(event);
  return {
    id: agent?.altId ?? (agent?.who?.identifier?.system === USER_ID_SYSTEM ? agent.who.identifier.value : undefined),
    fhirUser: agent?.who?.reference,
    roles: (agent?.role ?? []).map((role) => role.text).filter((text): text is string => !!text),
    token: agent?.policy?.[0],
    address: agent?.network?.address,
  };
}

export function clientOf(event: AuditEvent): string | undefined {
  return event.agent?.map((agent) => agent.who?.identifier).find((id) => id?.system === CLIENT_ID_SYSTEM)?.value;
}

export function sourceAddressOf(event: AuditEvent): string | undefined {
  return event.agent?.find((agent) => agent.network?.address)?.network?.address;
}

/** "Practitioner/7 (u-123)", or whichever of the two the record has. */
export function userLabel(event: AuditEvent): string {
  const user = userOf(event);
  if (user.fhirUser && user.id) {
    return `${user.fhirUser} (${user.id})`;
  }
  return user.fhirUser ?? user.id ?? '';
}

export function patientsOf(event: AuditEvent): string[] {
  return (event.entity ?? [])
    .filter((entity) => entity.role?.code === '1' && entity.what?.reference)
    .map((entity) => entity.what!.reference!);
}

export function resourceOf(event: AuditEvent): string | undefined {
  return event.entity?.find((entity) => entity.role?.code === '4')?.what?.reference;
}

export function operationOf(event: AuditEvent): string | undefined {
  return event.entity?.find((entity) => entity.role?.code === '24' && entity.name)?.name;
}

/** The query as sent (`Type?params`), decoded from the entity's base64. */
export function queryOf(event: AuditEvent): string | undefined {
  const entity = event.entity?.find((e) => e.role?.code === '24' && e.query);
  if (!entity?.query) {
    return undefined;
  }
  const text = decodeBase64(entity.query);
  return entity.description ? `${entity.description}?${text}` : text;
}

function decodeBase64(value: string): string {
  try {
    const binary = atob(value);
    return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return value;
  }
}

/** The consent decisions recorded ("deny consent Consent/12 ×3", "permit break-glass …"). */
export function consentDecisionsOf(event: AuditEvent): string[] {
  return (event.entity ?? [])
    .filter((entity) => entity.type?.code === 'Consent')
    .map((entity) => entity.detail?.find((d) => d.type === 'consent-decision')?.valueString ?? entity.description ?? '')
    .filter(Boolean);
}

export function purposeCodes(event: AuditEvent): string[] {
  const purpose = event.purposeOfEvent?.[0];
  if (!purpose) {
    return [];
  }
  const codes = (purpose.coding ?? []).map((coding) => coding.code).filter((code): code is string => !!code);
  return codes.length ? codes : purpose.text ? purpose.text.split(' ') : [];
}

/** "Emergency treatment, Break-glass" */
export function purposeLabel(event: AuditEvent): string {
  return purposeCodes(event)
    .map((code) => PURPOSES[code] ?? code)
    .join(', ');
}

export function isBreakGlass(event: AuditEvent): boolean {
  return purposeCodes(event).includes('BTG');
}

/** What was done: "read Patient/123", "operation $verify-audit-chain", "search-type Observation?…". */
export function whatOf(event: AuditEvent): string {
  const subtype = subtypeOf(event);
  const target = operationOf(event) ?? resourceOf(event) ?? queryOf(event);
  return [subtype, target].filter(Boolean).join(' ');
}

/** A recorded instant in the viewer's local time, to the second: "2026-12-07 14:05:09". */
export function auditTime(value: string | undefined): string {
  if (!value) {
    return '';
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    return value;
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** The local start of a `yyyy-mm-dd` day as an instant. */
export function startOfDay(day: string): string | undefined {
  const parts = dayParts(day);
  return parts ? new Date(parts[0], parts[1] - 1, parts[2]).toISOString() : undefined;
}

/** The local end of a `yyyy-mm-dd` day as an instant (inclusive: the whole day counts). */
export function endOfDay(day: string): string | undefined {
  const parts = dayParts(day);
  return parts ? new Date(parts[0], parts[1] - 1, parts[2], 23, 59, 59, 999).toISOString() : undefined;
}

function dayParts(day: string): [number, number, number] | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** `date=ge…&date=le…` of a local period (either end optional). */
export function dateRange(from: string, to: string): string[] {
  const range: string[] = [];
  const start = startOfDay(from);
  const end = endOfDay(to);
  if (start) {
    range.push(`ge${start}`);
  }
  if (end) {
    range.push(`le${end}`);
  }
  return range;
}

/** The reason a period is not valid, or undefined. */
export function periodError(from: string, to: string): string | undefined {
  return from && to && from > to ? 'The end date is before the start date.' : undefined;
}

/** `Patient/123` from "123" or "Patient/123" (or an absolute URL). */
export function patientReference(value: string): string | undefined {
  const text = value.trim();
  if (!text) {
    return undefined;
  }
  const id = text.split('/').filter(Boolean).at(-1)!;
  return `Patient/${id}`;
}

export function patientId(value: string): string | undefined {
  return patientReference(value)?.slice('Patient/'.length);
}

/** A FHIR Parameters resource, as read by the pages. */
export interface ParametersParameter {
  name: string;
  valueString?: string;
  valueBoolean?: boolean;
  valueInteger?: number;
  valueInstant?: string;
  valueCode?: string;
  valueCoding?: Coding;
  valueReference?: { reference?: string; display?: string };
  part?: ParametersParameter[];
}

export interface Parameters extends Resource {
  resourceType: 'Parameters';
  parameter?: ParametersParameter[];
}
