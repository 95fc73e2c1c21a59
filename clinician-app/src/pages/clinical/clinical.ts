import type { Resource } from '../../api/fhir';
import { dateTime, type CodeableConcept, type Reference } from '../../fhir/format';

/** The parts of R4 resources the clinical pages read and write (everything else is kept as loaded). */

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

export interface Period {
  start?: string;
  end?: string;
}

export interface Quantity {
  value?: number;
  unit?: string;
  system?: string;
  code?: string;
}

export interface Encounter extends Resource {
  resourceType: 'Encounter';
  status?: string;
  class?: Coding;
  type?: CodeableConcept[];
  subject?: Reference;
  participant?: { type?: CodeableConcept[]; individual?: Reference; period?: Period }[];
  period?: Period;
  reasonCode?: CodeableConcept[];
}

export interface Observation extends Resource {
  resourceType: 'Observation';
  status?: string;
  category?: CodeableConcept[];
  code?: CodeableConcept;
  subject?: Reference;
  effectiveDateTime?: string;
  effectivePeriod?: Period;
  issued?: string;
  performer?: Reference[];
  valueQuantity?: Quantity;
  valueString?: string;
  valueCodeableConcept?: CodeableConcept;
  valueBoolean?: boolean;
  valueInteger?: number;
  component?: { code?: CodeableConcept; valueQuantity?: Quantity }[];
  note?: { text?: string; authorReference?: Reference; time?: string }[];
}

export interface Condition extends Resource {
  resourceType: 'Condition';
  clinicalStatus?: CodeableConcept;
  verificationStatus?: CodeableConcept;
  category?: CodeableConcept[];
  code?: CodeableConcept;
  onsetDateTime?: string;
  onsetString?: string;
  recordedDate?: string;
}

export interface Claim extends Resource {
  resourceType: 'Claim';
  status?: string;
  type?: CodeableConcept;
  use?: string;
  created?: string;
  total?: { value?: number; currency?: string };
  provider?: Reference;
  insurance?: { coverage?: Reference }[];
}

export const ACT_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const OBSERVATION_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';

export const ENCOUNTER_STATUSES = [
  { value: 'planned', label: 'Planned' },
  { value: 'arrived', label: 'Arrived' },
  { value: 'in-progress', label: 'In progress' },
  { value: 'finished', label: 'Finished' },
  { value: 'cancelled', label: 'Cancelled' },
];

export const ENCOUNTER_CLASSES = [
  { value: 'AMB', label: 'Ambulatory' },
  { value: 'EMER', label: 'Emergency' },
  { value: 'IMP', label: 'Inpatient encounter' },
  { value: 'HH', label: 'Home health' },
  { value: 'VR', label: 'Virtual' },
];

export const OBSERVATION_STATUSES = [
  { value: 'registered', label: 'Registered' },
  { value: 'preliminary', label: 'Preliminary' },
  { value: 'final', label: 'Final' },
  { value: 'amended', label: 'Amended' },
];

export const OBSERVATION_CATEGORIES = [
  { value: 'vital-signs', label: 'Vital signs' },
  { value: 'laboratory', label: 'Laboratory' },
  { value: 'social-history', label: 'Social history' },
  { value: 'exam', label: 'Exam' },
];

/** Common LOINC codes with their UCUM unit (code) and the unit as people write it. */
export const OBSERVATION_CODES: { code: string; display: string; ucum: string; unit: string }[] = [
  { code: '8867-4', display: 'Heart rate', ucum: '/min', unit: 'beats/minute' },
  { code: '8480-6', display: 'Systolic blood pressure', ucum: 'mm[Hg]', unit: 'mmHg' },
  { code: '8462-4', display: 'Diastolic blood pressure', ucum: 'mm[Hg]', unit: 'mmHg' },
  { code: '8310-5', display: 'Body temperature', ucum: 'Cel', unit: '°C' },
  { code: '29463-7', display: 'Body weight', ucum: 'kg', unit: 'kg' },
  { code: '8302-2', display: 'Body height', ucum: 'cm', unit: 'cm' },
  { code: '59408-5', display: 'Oxygen saturation', ucum: '%', unit: '%' },
];

export function label(options: { value: string; label: string }[], value: string | undefined): string {
  return options.find((option) => option.value === value)?.label ?? value ?? '';
}

/** A badge colour per status (encounters, observations, claims, conditions). */
export function statusColor(status: string | undefined): string {
  switch (status) {
    case 'in-progress':
    case 'arrived':
    case 'triaged':
    case 'active':
    case 'preliminary':
      return 'blue';
    case 'finished':
    case 'final':
    case 'resolved':
      return 'teal';
    case 'amended':
    case 'corrected':
      return 'violet';
    case 'planned':
    case 'registered':
    case 'draft':
      return 'gray';
    case 'cancelled':
    case 'entered-in-error':
      return 'red';
    default:
      return 'gray';
  }
}

export function periodText(period: Period | undefined): string {
  if (!period?.start && !period?.end) {
    return '';
  }
  return `${dateTime(period.start) || '…'}${period.end ? ` – ${dateTime(period.end)}` : ''}`;
}

export function quantityText(quantity: Quantity | undefined): string {
  if (quantity?.value === undefined) {
    return '';
  }
  return `${quantity.value}${quantity.unit ?? quantity.code ? ` ${quantity.unit ?? quantity.code}` : ''}`;
}

/** The value of an observation as text (quantity, string, code, boolean, components). */
export function observationValue(observation: Observation): string {
  if (observation.valueQuantity) {
    return quantityText(observation.valueQuantity);
  }
  if (observation.valueString !== undefined) {
    return observation.valueString;
  }
  if (observation.valueCodeableConcept) {
    return observation.valueCodeableConcept.text ?? observation.valueCodeableConcept.coding?.[0]?.display ?? observation.valueCodeableConcept.coding?.[0]?.code ?? '';
  }
  if (observation.valueBoolean !== undefined) {
    return observation.valueBoolean ? 'Yes' : 'No';
  }
  if (observation.valueInteger !== undefined) {
    return String(observation.valueInteger);
  }
  if (observation.component?.length) {
    return observation.component
      .map((component) => `${component.code?.text ?? component.code?.coding?.[0]?.display ?? ''} ${quantityText(component.valueQuantity)}`.trim())
      .join(', ');
  }
  return '';
}

export function observationDate(observation: Observation): string | undefined {
  return observation.effectiveDateTime ?? observation.effectivePeriod?.start ?? observation.issued;
}

export function codeOf(concept: CodeableConcept | undefined, system?: string): string | undefined {
  return concept?.coding?.find((coding) => !system || coding.system === system)?.code;
}
