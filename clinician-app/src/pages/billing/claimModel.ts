import type { Resource } from '../../api/fhir';
import type { CodeableConcept, HumanName, Reference } from '../../fhir/format';

export interface Money {
  value?: number;
  currency?: string;
}

export interface Claim extends Resource {
  resourceType: 'Claim';
  status?: string;
  type?: CodeableConcept;
  use?: string;
  patient?: Reference;
  created?: string;
  billablePeriod?: { start?: string; end?: string };
  provider?: Reference;
  insurer?: Reference;
  priority?: CodeableConcept;
  total?: Money;
  item?: unknown[];
}

export interface PatientLite extends Resource {
  resourceType: 'Patient';
  name?: HumanName[];
}

export interface OrganizationLite extends Resource {
  resourceType: 'Organization';
  name?: string;
}

export const CLAIM_STATUSES = ['active', 'cancelled', 'draft', 'entered-in-error'] as const;

export const CLAIM_STATUS_LABELS: Record<string, string> = {
  active: 'Active',
  cancelled: 'Cancelled',
  draft: 'Draft',
  'entered-in-error': 'Entered in error',
};

export const CLAIM_STATUS_COLORS: Record<string, string> = {
  active: 'green',
  cancelled: 'gray',
  draft: 'blue',
  'entered-in-error': 'red',
};

export const PRIORITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/processpriority';

export const PRIORITIES: { value: string; label: string }[] = [
  { value: 'stat', label: 'Immediate (stat)' },
  { value: 'normal', label: 'Normal' },
  { value: 'deferred', label: 'Deferred' },
];

/** Minor unit digits of a currency (2 for USD, 0 for JPY). */
export function currencyDigits(currency: string | undefined): number {
  if (currency && /^[A-Z]{3}$/.test(currency)) {
    try {
      return new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      return 2;
    }
  }
  return 2;
}

/** "USD 1,120.50", or "—" when there is no amount. */
export function money(value: Money | undefined): string {
  if (value?.value === undefined || value.value === null) {
    return '—';
  }
  const digits = currencyDigits(value.currency);
  const amount = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value.value);
  return value.currency ? `${value.currency} ${amount}` : amount;
}

/** A local day as YYYY-MM-DD. */
export function localDay(date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
