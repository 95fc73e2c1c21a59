import type { Coding, Resource } from '../../api/fhir';
import type { CodeableConcept, Reference } from '../../fhir/format';

/**
 * Patient privacy Consents as this server enforces them (docs/consent.md, "Expressing each consent
 * category"): what the front desk can record, and how any Consent reads in plain language.
 */

export const SCOPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/consentscope';
/** The deployment's own category system (`consent.category-system`, docs/consent.md). */
export const CATEGORY_SYSTEM = 'urn:securefhir:consent-category';
export const ACT_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
export const PURPOSE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
export const PARTICIPATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
export const CLIENT_SYSTEM = 'https://securefhir.org/fhir/sid/oauth-client';

export type ConsentCategory = 'treatment' | 'data-sharing' | 'research' | 'marketing' | 'third-party' | 'general';

export interface ConsentActor {
  role?: CodeableConcept;
  reference?: Reference & { identifier?: { system?: string; value?: string } };
}

export interface Provision {
  type?: 'permit' | 'deny';
  period?: { start?: string; end?: string };
  actor?: ConsentActor[];
  action?: CodeableConcept[];
  securityLabel?: Coding[];
  purpose?: Coding[];
  class?: Coding[];
  data?: { meaning?: string; reference?: Reference }[];
  provision?: Provision[];
}

export interface Consent extends Resource {
  resourceType: 'Consent';
  status?: string;
  scope?: CodeableConcept;
  category?: CodeableConcept[];
  patient?: Reference;
  dateTime?: string;
  performer?: Reference[];
  policyRule?: CodeableConcept;
  provision?: Provision;
}

export const CATEGORY_LABELS: Record<ConsentCategory, string> = {
  treatment: 'Treatment',
  'data-sharing': 'Payment and operations',
  research: 'Research',
  marketing: 'Marketing',
  'third-party': 'A named person or app',
  general: 'Everyone (general)',
};

/** The sensitive security labels of the server (`consent.sensitive-labels`). */
export const SENSITIVE_LABELS: { code: string; system: string; name: string }[] = [
  { code: 'PSY', system: ACT_CODE_SYSTEM, name: 'psychiatric' },
  { code: 'HIV', system: ACT_CODE_SYSTEM, name: 'HIV' },
  { code: 'ETH', system: ACT_CODE_SYSTEM, name: 'substance use' },
  { code: 'R', system: CONFIDENTIALITY_SYSTEM, name: 'restricted' },
];

const PURPOSE_NAMES: Record<string, string> = {
  TREAT: 'treatment',
  ETREAT: 'emergency treatment',
  CAREMGT: 'care management',
  HPAYMT: 'payment',
  COVERAGE: 'insurance coverage',
  HOPERAT: 'hospital operations',
  PUBHLTH: 'public health',
  HLEGAL: 'legal requirements',
  PATRQT: 'disclosures the patient asks for',
  HRESCH: 'research',
  HMARKT: 'marketing',
};

/** Standard codes the server maps to its categories (docs/consent.md, the table). */
const STANDARD_CATEGORIES: Record<string, Record<string, ConsentCategory>> = {
  'http://terminology.hl7.org/CodeSystem/consentcategorycodes': {
    emrgonly: 'treatment',
    research: 'research',
    rsdid: 'research',
    rsreid: 'research',
    npp: 'general',
  },
  [ACT_CODE_SYSTEM]: {
    RESEARCH: 'research',
    RSDID: 'research',
    RSREID: 'research',
    INFA: 'general',
    INFAO: 'general',
    INFASO: 'general',
    IDSCL: 'general',
    IRDSCL: 'general',
    ICOL: 'general',
  },
  'http://loinc.org': { '59284-0': 'general', '64292-6': 'general', '57016-8': 'general' },
};

/** The one kind of consent a Consent's category names, as the server decides it. */
export function categoryOf(consent: Consent): ConsentCategory | undefined {
  const found = new Set<ConsentCategory>();
  for (const concept of consent.category ?? []) {
    for (const coding of concept.coding ?? []) {
      const code = coding.code?.trim();
      if (!code) {
        continue;
      }
      if (coding.system === CATEGORY_SYSTEM && code.toLowerCase() in CATEGORY_LABELS) {
        found.add(code.toLowerCase() as ConsentCategory);
      } else if (coding.system && STANDARD_CATEGORIES[coding.system]?.[code]) {
        found.add(STANDARD_CATEGORIES[coding.system][code]);
      }
    }
  }
  if (found.size > 1) {
    found.delete('general');
  }
  return found.size === 1 ? [...found][0] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Plain language

function list(items: string[], conjunction = 'and'): string {
  if (items.length <= 1) {
    return items[0] ?? '';
  }
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`;
}

function labelName(coding: Coding): string {
  const known = SENSITIVE_LABELS.find((label) => label.code === coding.code);
  return known ? `${known.name} records (${known.code})` : `records labelled ${coding.display ?? coding.code}`;
}

export function actorName(actor: ConsentActor): string {
  const reference = actor.reference;
  const identifier = reference?.identifier;
  if (identifier?.system === CLIENT_SYSTEM && identifier.value) {
    return `the app “${reference?.display ?? identifier.value}”`;
  }
  const ref = reference?.reference;
  const type = ref?.split('/')[0];
  const kind = type === 'Practitioner' ? '' : type === 'RelatedPerson' ? 'relative or carer ' : type === 'Patient' ? 'patient ' : '';
  if (reference?.display && ref) {
    return `${kind}${reference.display} (${ref})`;
  }
  return `${kind}${reference?.display ?? ref ?? 'an unnamed person'}`;
}

/** Who a rule of a category is about, when the rule names no actor or purpose. */
const CATEGORY_AUDIENCE: Record<ConsentCategory, string> = {
  treatment: 'for treatment',
  'data-sharing': 'for payment, hospital operations and other disclosures',
  research: 'for research',
  marketing: 'for marketing',
  'third-party': 'with the person or app named',
  general: 'with anyone',
};

function what(provision: Provision): string {
  const parts: string[] = [];
  if (provision.securityLabel?.length) {
    parts.push(list(provision.securityLabel.map(labelName), 'or'));
  }
  if (provision.class?.length) {
    parts.push(`${list(provision.class.map((c) => c.code ?? '?'), 'or')} records`);
  }
  if (provision.data?.length) {
    parts.push(
      list(
        provision.data.map((d) =>
          d.meaning === 'dependents' ? `${d.reference?.reference ?? '?'} and everything linked to it` : (d.reference?.reference ?? '?'),
        ),
        'or',
      ),
    );
  }
  return parts.length ? parts.join(' among ') : 'records';
}

function audience(provision: Provision, category: ConsentCategory | undefined, inherited: boolean): string {
  const parts: string[] = [];
  if (provision.actor?.length) {
    parts.push(`with ${list(provision.actor.map(actorName), 'or')}`);
  }
  if (provision.purpose?.length) {
    parts.push(`for ${list(provision.purpose.map((p) => PURPOSE_NAMES[p.code ?? ''] ?? p.code ?? '?'), 'or')}`);
  }
  if (!parts.length && !inherited && category) {
    parts.push(CATEGORY_AUDIENCE[category]);
  }
  return parts.join(' ');
}

function when(provision: Provision): string {
  const start = provision.period?.start?.slice(0, 10);
  const end = provision.period?.end?.slice(0, 10);
  if (start && end) {
    return ` from ${start} until ${end}`;
  }
  if (start) {
    return ` from ${start}`;
  }
  if (end) {
    return ` until ${end}`;
  }
  return '';
}

function rule(provision: Provision, category: ConsentCategory | undefined, inherited: boolean): string {
  const shares = provision.type === 'deny' ? `shares no ${what(provision)}` : `shares ${what(provision)}`;
  return [shares, audience(provision, category, inherited)].filter(Boolean).join(' ') + when(provision);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isBare(provision: Provision): boolean {
  return !provision.actor?.length && !provision.purpose?.length && !provision.class?.length && !provision.securityLabel?.length && !provision.data?.length;
}

/** What the Consent decides, as a patient would read it: "Shares no psychiatric records (PSY) with anyone". */
export function describeRule(consent: Consent, withPeriod = true): string {
  const category = categoryOf(consent);
  const root = consent.provision && !withPeriod ? { ...consent.provision, period: undefined } : consent.provision;
  if (!root?.type) {
    return 'A consent without a rule the server can enforce';
  }
  const nested = root.provision ?? [];
  // "only Dr Jones": deny everything of the category, permit named actors
  if (
    root.type === 'deny' &&
    isBare(root) &&
    nested.length &&
    nested.every((p) => p.type === 'permit' && p.actor?.length && !p.provision?.length && isBare({ ...p, actor: undefined }))
  ) {
    const who = nested.flatMap((p) => p.actor ?? []).map(actorName);
    const purpose = category && category !== 'general' && category !== 'third-party' ? `${CATEGORY_AUDIENCE[category]} ` : '';
    return `Shares records ${purpose}only with ${list(who, 'or')}${when(root)}`;
  }
  let text = capitalize(rule(root, category, false));
  if (category === 'research' || category === 'marketing') {
    if (isBare(root)) {
      text = root.type === 'permit' ? `Agrees to the use of their records for ${category}` : `Refuses the use of their records for ${category}`;
      text += when(root);
    }
  }
  if (nested.length) {
    text += `, except: ${nested.map((p) => rule(p, category, true)).join('; ')}`;
  }
  return text;
}

export const STATUS_LABELS: Record<string, string> = {
  active: 'Active',
  inactive: 'Revoked',
  rejected: 'Refused',
  draft: 'Draft',
  proposed: 'Proposed',
  'entered-in-error': 'Entered in error',
};

export const STATUS_COLORS: Record<string, string> = {
  active: 'green',
  inactive: 'gray',
  rejected: 'orange',
  draft: 'blue',
  proposed: 'blue',
  'entered-in-error': 'red',
};

/** Since when it has been recorded or in force. */
export function since(consent: Consent): string | undefined {
  return (consent.provision?.period?.start ?? consent.dateTime ?? consent.meta?.lastUpdated)?.slice(0, 10);
}

/** The whole sentence: "Shares no psychiatric records (PSY) with anyone — active since 2026-12-01". */
export function describeConsent(consent: Consent): string {
  const status = consent.status ?? 'unknown';
  const start = since(consent);
  const end = consent.provision?.period?.end?.slice(0, 10);
  const state =
    status === 'active'
      ? `active${start ? ` since ${start}` : ''}${end ? ` until ${end}` : ''}`
      : status === 'inactive'
        ? `revoked${consent.meta?.lastUpdated ? ` on ${consent.meta.lastUpdated.slice(0, 10)}` : ''}`
        : (STATUS_LABELS[status] ?? status).toLowerCase();
  return `${describeRule(consent, false)} — ${state}`;
}

// ---------------------------------------------------------------------------------------------
// What the front desk records

export type TemplateId =
  | 'withhold-sensitive'
  | 'only-clinicians'
  | 'refuse-actor'
  | 'allow-actor'
  | 'no-payer-sharing'
  | 'research-permit'
  | 'research-deny'
  | 'marketing-permit'
  | 'marketing-deny';

export interface Template {
  id: TemplateId;
  label: string;
  /** What it means for the patient, shown beside the choice. */
  help: string;
  category: ConsentCategory;
  needs: ('label' | 'practitioner' | 'actor')[];
}

export const TEMPLATES: Template[] = [
  {
    id: 'withhold-sensitive',
    label: 'Withhold a sensitive kind of record from everyone',
    help: 'Records of this kind (psychiatric, HIV, substance use or restricted) are shown to nobody, for any purpose — not even to clinicians cleared for them. Only declared emergency access (break-glass) overrides it.',
    category: 'general',
    needs: ['label'],
  },
  {
    id: 'only-clinicians',
    label: 'Only a named clinician may see the record for treatment',
    help: 'For treatment, only the clinician named may see the patient’s records; every other clinician and staff member working for treatment is refused — the front desk included: after saving, you will no longer see the patient’s registration (their consents stay listed here). Payment and operations are not affected.',
    category: 'treatment',
    needs: ['practitioner'],
  },
  {
    id: 'refuse-actor',
    label: 'Refuse a named person or app',
    help: 'The person (a clinician, relative or carer) or app named sees nothing of the patient’s records, whatever the purpose. Organisations cannot be named: name the person or the app.',
    category: 'third-party',
    needs: ['actor'],
  },
  {
    id: 'allow-actor',
    label: 'Allow a named person or app',
    help: 'The person or app named may see the patient’s records (a relative, a carer, an insurer’s app). It does not release sensitive records.',
    category: 'third-party',
    needs: ['actor'],
  },
  {
    id: 'no-payer-sharing',
    label: 'Do not share with payers and insurers',
    help: 'Nothing is released for payment or insurance coverage (for example, care the patient pays for themselves). Billing staff no longer see the patient’s records.',
    category: 'data-sharing',
    needs: [],
  },
  {
    id: 'research-permit',
    label: 'Agree to research use',
    help: 'The patient’s records may be used for research. Without this, research use is refused.',
    category: 'research',
    needs: [],
  },
  {
    id: 'research-deny',
    label: 'Refuse research use',
    help: 'The patient’s records are never used for research, even if another consent would allow it.',
    category: 'research',
    needs: [],
  },
  {
    id: 'marketing-permit',
    label: 'Agree to marketing use',
    help: 'The patient’s records may be used for marketing. Without this, marketing use is refused.',
    category: 'marketing',
    needs: [],
  },
  {
    id: 'marketing-deny',
    label: 'Refuse marketing use',
    help: 'The patient’s records are never used for marketing, even if another consent would allow it.',
    category: 'marketing',
    needs: [],
  },
];

export type ActorKind = 'Practitioner' | 'RelatedPerson' | 'app';

export interface ConsentForm {
  template: TemplateId;
  label: string;
  /** Practitioner id (only-clinicians) or the actor's id / OAuth client id. */
  actorId: string;
  actorKind: ActorKind;
  actorName: string;
  start: string;
  end: string;
}

const ACTOR_ROLE = { coding: [{ system: PARTICIPATION_SYSTEM, code: 'IRCP', display: 'information recipient' }] };

function actor(kind: ActorKind, id: string, name: string): ConsentActor {
  const display = name.trim() || undefined;
  if (kind === 'app') {
    return { role: ACTOR_ROLE, reference: { identifier: { system: CLIENT_SYSTEM, value: id.trim() }, ...(display ? { display } : {}) } };
  }
  return { role: ACTOR_ROLE, reference: { reference: `${kind}/${id.trim()}`, ...(display ? { display } : {}) } };
}

/** Checks what the server would refuse, in plain words (empty: fine). */
export function validateForm(form: ConsentForm): Partial<Record<'label' | 'actorId' | 'end', string>> {
  const template = TEMPLATES.find((t) => t.id === form.template)!;
  const errors: Partial<Record<'label' | 'actorId' | 'end', string>> = {};
  if (template.needs.includes('label') && !SENSITIVE_LABELS.some((l) => l.code === form.label)) {
    errors.label = 'Choose the kind of record.';
  }
  if (template.needs.includes('practitioner') || template.needs.includes('actor')) {
    const id = form.actorId.trim();
    if (!id) {
      errors.actorId = form.actorKind === 'app' ? 'Enter the app’s client id.' : 'Enter the record id of the person.';
    } else if (form.actorKind === 'app' ? !/^[\x21-\x7e]{1,200}$/.test(id) : !/^[A-Za-z0-9\-.]{1,64}$/.test(id)) {
      errors.actorId = form.actorKind === 'app' ? 'A client id has no spaces.' : 'A record id is 1 to 64 letters, digits, "-" or ".".';
    }
  }
  if (form.start && form.end && form.end < form.start) {
    errors.end = 'The end is before the start.';
  }
  return errors;
}

/** The Consent the server accepts for a choice of the form (validated against the server: docs/consent.md). */
export function buildConsent(patientId: string, form: ConsentForm, today: string): Consent {
  const template = TEMPLATES.find((t) => t.id === form.template)!;
  const period = form.start || form.end ? { ...(form.start ? { start: form.start } : {}), ...(form.end ? { end: form.end } : {}) } : undefined;
  let provision: Provision;
  switch (template.id) {
    case 'withhold-sensitive': {
      const label = SENSITIVE_LABELS.find((l) => l.code === form.label)!;
      provision = { type: 'deny', securityLabel: [{ system: label.system, code: label.code }] };
      break;
    }
    case 'only-clinicians':
      provision = { type: 'deny', provision: [{ type: 'permit', actor: [actor('Practitioner', form.actorId, form.actorName)] }] };
      break;
    case 'refuse-actor':
      provision = { type: 'deny', actor: [actor(form.actorKind, form.actorId, form.actorName)] };
      break;
    case 'allow-actor':
      provision = { type: 'permit', actor: [actor(form.actorKind, form.actorId, form.actorName)] };
      break;
    case 'no-payer-sharing':
      provision = {
        type: 'deny',
        purpose: [
          { system: PURPOSE_SYSTEM, code: 'HPAYMT' },
          { system: PURPOSE_SYSTEM, code: 'COVERAGE' },
        ],
      };
      break;
    case 'research-permit':
    case 'marketing-permit':
      provision = { type: 'permit' };
      break;
    case 'research-deny':
    case 'marketing-deny':
      provision = { type: 'deny' };
      break;
  }
  if (period) {
    provision = { type: provision.type, period, ...provision };
  }
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: SCOPE_SYSTEM, code: 'patient-privacy' }] },
    category: [{ coding: [{ system: CATEGORY_SYSTEM, code: template.category }] }],
    patient: { reference: `Patient/${patientId}` },
    dateTime: today,
    performer: [{ reference: `Patient/${patientId}` }],
    policyRule: { coding: [{ system: ACT_CODE_SYSTEM, code: provision.type === 'permit' ? 'OPTIN' : 'OPTOUT' }] },
    provision,
  };
}
