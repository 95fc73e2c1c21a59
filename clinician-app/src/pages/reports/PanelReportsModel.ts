import type { Resource } from '../../api/fhir';
import { toCsv } from '../../fhir/csv';
import type { Reference } from '../../fhir/format';
import { currencyDigits } from '../billing/claimModel';

/** The most resources a report reads (pages of 100): beyond, it says it is incomplete. */
export const REPORT_LIMIT = 2000;
export const PAGE_SIZE = '100';

export interface EncounterLite extends Resource {
  resourceType: 'Encounter';
  status?: string;
  class?: { system?: string; code?: string; display?: string };
}

export interface ClaimLite extends Resource {
  resourceType: 'Claim';
  status?: string;
  insurer?: Reference;
  total?: { value?: number; currency?: string };
}

export const ENCOUNTER_STATUSES = ['planned', 'arrived', 'triaged', 'in-progress', 'onleave', 'finished', 'cancelled', 'entered-in-error', 'unknown'];

export const ENCOUNTER_STATUS_LABELS: Record<string, string> = {
  planned: 'Planned',
  arrived: 'Arrived',
  triaged: 'Triaged',
  'in-progress': 'In progress',
  onleave: 'On leave',
  finished: 'Finished',
  cancelled: 'Cancelled',
  'entered-in-error': 'Entered in error',
  unknown: 'Unknown',
};

/** v3-ActCode encounter classes (R4 Encounter.class, extensible). */
const CLASS_LABELS: Record<string, string> = {
  AMB: 'Ambulatory',
  EMER: 'Emergency',
  FLD: 'Field',
  HH: 'Home health',
  IMP: 'Inpatient',
  ACUTE: 'Inpatient acute',
  NONAC: 'Inpatient non-acute',
  OBSENC: 'Observation',
  PRENC: 'Pre-admission',
  SS: 'Short stay',
  VR: 'Virtual',
};

export const CLAIM_STATUS_ORDER = ['active', 'draft', 'cancelled', 'entered-in-error'];

export interface EncounterRow {
  label: string;
  code: string;
  counts: Record<string, number>;
  total: number;
}

export interface EncounterReport {
  statuses: string[];
  rows: EncounterRow[];
  totals: Record<string, number>;
  total: number;
}

/** Encounters counted by class (rows) and status (columns), with totals. */
export function encountersByClass(encounters: EncounterLite[]): EncounterReport {
  const rows = new Map<string, EncounterRow>();
  const totals: Record<string, number> = {};
  const seen = new Set<string>();
  for (const encounter of encounters) {
    const code = encounter.class?.code ?? '';
    const key = `${encounter.class?.system ?? ''}|${code}`;
    let row = rows.get(key);
    if (!row) {
      const known = CLASS_LABELS[code];
      row = {
        label: code ? (known ?? encounter.class?.display ?? code) : 'No class recorded',
        code,
        counts: {},
        total: 0,
      };
      rows.set(key, row);
    }
    const status = encounter.status ?? 'unknown';
    seen.add(status);
    row.counts[status] = (row.counts[status] ?? 0) + 1;
    row.total += 1;
    totals[status] = (totals[status] ?? 0) + 1;
  }
  const statuses = [...ENCOUNTER_STATUSES.filter((s) => seen.has(s)), ...[...seen].filter((s) => !ENCOUNTER_STATUSES.includes(s)).sort()];
  return {
    statuses,
    rows: [...rows.values()].sort((a, b) => b.total - a.total || a.label.localeCompare(b.label)),
    totals,
    total: encounters.length,
  };
}

export function encounterCsv(report: EncounterReport): string {
  const header = ['Class', 'Class code', ...report.statuses.map((s) => ENCOUNTER_STATUS_LABELS[s] ?? s), 'Total'];
  const rows = report.rows.map((row) => [row.label, row.code, ...report.statuses.map((s) => row.counts[s] ?? 0), row.total]);
  rows.push(['All classes', '', ...report.statuses.map((s) => report.totals[s] ?? 0), report.total]);
  return toCsv(header, rows);
}

export interface ClaimRow {
  payer: string;
  payerReference: string;
  status: string;
  claims: number;
  /** In the currency's minor units (cents), summed exactly. */
  minor: number;
  currency: string;
}

export interface ClaimReport {
  rows: ClaimRow[];
  /** Per currency ('' when claims have no total). */
  totals: { currency: string; claims: number; minor: number }[];
  total: number;
}

/** A payer's name: the reference's display, else the included Organization's name, else the reference. */
function payerName(insurer: Reference | undefined, organizations: Map<string, string>): string {
  if (insurer?.display) {
    return insurer.display;
  }
  if (insurer?.reference && organizations.has(insurer.reference)) {
    return organizations.get(insurer.reference)!;
  }
  return insurer?.reference ?? 'No payer recorded';
}

/** Claims counted by payer and status (and currency), with their total amounts. */
export function claimsByStatusAndPayer(claims: ClaimLite[], included: Resource[] = []): ClaimReport {
  const organizations = new Map<string, string>();
  for (const resource of included) {
    if (resource.resourceType === 'Organization' && resource.id && typeof resource.name === 'string') {
      organizations.set(`Organization/${resource.id}`, resource.name);
    }
  }
  const rows = new Map<string, ClaimRow>();
  const totals = new Map<string, { currency: string; claims: number; minor: number }>();
  for (const claim of claims) {
    const payer = payerName(claim.insurer, organizations);
    const payerReference = claim.insurer?.reference ?? '';
    const status = claim.status ?? 'unknown';
    const hasAmount = typeof claim.total?.value === 'number';
    const currency = hasAmount ? (claim.total?.currency ?? '') : '';
    const minor = hasAmount ? Math.round(claim.total!.value! * 10 ** currencyDigits(currency)) : 0;
    const key = `${payerReference}|${payer}|${status}|${currency}`;
    const row = rows.get(key) ?? { payer, payerReference, status, claims: 0, minor: 0, currency };
    row.claims += 1;
    row.minor += minor;
    rows.set(key, row);
    const total = totals.get(currency) ?? { currency, claims: 0, minor: 0 };
    total.claims += 1;
    total.minor += minor;
    totals.set(currency, total);
  }
  const rank = (status: string) => {
    const index = CLAIM_STATUS_ORDER.indexOf(status);
    return index < 0 ? CLAIM_STATUS_ORDER.length : index;
  };
  return {
    rows: [...rows.values()].sort(
      (a, b) => a.payer.localeCompare(b.payer) || rank(a.status) - rank(b.status) || a.status.localeCompare(b.status) || a.currency.localeCompare(b.currency),
    ),
    totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    total: claims.length,
  };
}

/** An amount in minor units as a plain decimal ("1234.50"), for tables and CSV. */
export function amount(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (!digits) {
    return `${sign}${abs}`;
  }
  const unit = 10 ** digits;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(digits, '0')}`;
}

/**
 * The total rows of a claim report: one (all claims, the sum of their amounts) when they share one
 * currency; with several currencies, one per currency (amounts of different currencies never add up).
 */
export function claimTotals(report: ClaimReport): { claims: number; amount: string; currency: string }[] {
  const withAmount = report.totals.filter((total) => total.currency || total.minor);
  if (withAmount.length <= 1) {
    const only = withAmount[0];
    return [{ claims: report.total, amount: only ? amount(only.minor, only.currency) : '', currency: only?.currency ?? '' }];
  }
  return report.totals.map((total) => ({
    claims: total.claims,
    amount: total.currency || total.minor ? amount(total.minor, total.currency) : '',
    currency: total.currency,
  }));
}

export function claimCsv(report: ClaimReport, statusLabel: (status: string) => string): string {
  const header = ['Payer', 'Payer reference', 'Status', 'Claims', 'Total amount', 'Currency'];
  const rows: (string | number)[][] = report.rows.map((row) => [
    row.payer,
    row.payerReference,
    statusLabel(row.status),
    row.claims,
    row.currency || row.minor ? amount(row.minor, row.currency) : '',
    row.currency,
  ]);
  for (const total of claimTotals(report)) {
    rows.push(['All payers', '', 'All statuses', total.claims, total.amount, total.currency]);
  }
  return toCsv(header, rows);
}
