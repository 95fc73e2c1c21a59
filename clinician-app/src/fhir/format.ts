/** Display helpers for FHIR data types (R4). */

export interface HumanName {
  use?: string;
  text?: string;
  family?: string;
  given?: string[];
  prefix?: string[];
}

export interface CodeableConcept {
  text?: string;
  coding?: { system?: string; code?: string; display?: string }[];
}

export interface Reference {
  reference?: string;
  display?: string;
}

/** "Given Family", the official name first; "Unnamed" when there is none. */
export function humanName(names: HumanName[] | undefined): string {
  const name = names?.find((n) => n.use === 'official') ?? names?.[0];
  if (!name) {
    return 'Unnamed';
  }
  if (name.text) {
    return name.text;
  }
  return [...(name.given ?? []), name.family].filter(Boolean).join(' ') || 'Unnamed';
}

export function concept(value: CodeableConcept | undefined): string {
  if (!value) {
    return '';
  }
  return value.text ?? value.coding?.find((c) => c.display)?.display ?? value.coding?.[0]?.code ?? '';
}

export function reference(value: Reference | undefined): string {
  return value?.display ?? value?.reference ?? '';
}

/** A FHIR date or dateTime for people: "2026-12-07" or "2026-12-07 14:05". */
export function dateTime(value: string | undefined): string {
  if (!value) {
    return '';
  }
  if (value.length <= 10) {
    return value;
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    return value;
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The id part of `Type/id` (or of an absolute reference). */
export function idOf(ref: string | undefined): string | undefined {
  return ref?.split('/').filter(Boolean).at(-1);
}
