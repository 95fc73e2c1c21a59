import { Badge, Group, Paper, Text, Title } from '@mantine/core';
import type { Resource } from '../../api/fhir';
import { dateTime, humanName, type HumanName } from '../../fhir/format';
import { SENSITIVE_LABELS } from './formSupport';

/** The hospital's medical record number system (identifier.system of new MRNs). */
export const MRN_SYSTEM = 'urn:oid:2.16.840.1.113883.19.5';

export interface Identifier {
  use?: string;
  system?: string;
  value?: string;
  type?: { text?: string; coding?: { code?: string; display?: string }[] };
}

export interface Patient extends Resource {
  resourceType: 'Patient';
  name?: HumanName[];
  birthDate?: string;
  gender?: string;
  identifier?: Identifier[];
  telecom?: { system?: string; value?: string; use?: string }[];
  address?: { use?: string; line?: string[]; city?: string; postalCode?: string; state?: string; country?: string; text?: string }[];
  deceasedBoolean?: boolean;
  deceasedDateTime?: string;
}

export const GENDER_LABELS: Record<string, string> = {
  male: 'Male',
  female: 'Female',
  other: 'Other',
  unknown: 'Unknown',
};

/** "MRN 12345" for the hospital's numbers, else "system: value" (systems are not PHI). */
export function identifierText(identifier: Identifier): string {
  if (!identifier.value) {
    return '';
  }
  if (identifier.system === MRN_SYSTEM) {
    return `MRN ${identifier.value}`;
  }
  const label = identifier.type?.text ?? identifier.type?.coding?.[0]?.display ?? identifier.type?.coding?.[0]?.code ?? identifier.system;
  return label ? `${label}: ${identifier.value}` : identifier.value;
}

/** The sensitive labels (R, PSY, HIV, ETH) a resource carries, by name. */
export function sensitiveLabels(resource: Resource | undefined): string[] {
  return (resource?.meta?.security ?? [])
    .map((label) => (label.code ? SENSITIVE_LABELS[label.code] : undefined))
    .filter((label): label is string => label !== undefined);
}

/** "Restricted", or "Restricted: Psychiatry, HIV" for the kinds of sensitive data named. */
export function restrictedText(labels: string[]): string {
  const kinds = labels.filter((label) => label !== SENSITIVE_LABELS.R);
  return kinds.length ? `Restricted: ${kinds.join(', ')}` : 'Restricted';
}

export function isRedacted(resource: Resource | undefined): boolean {
  return (resource?.meta?.security ?? []).some((label) => label.code === 'REDACTED');
}

/** Name, birth date, gender, identifiers and the restricted/redacted markers of a patient. */
export function PatientBanner({ patient, headingOrder = 1 }: { patient: Patient; headingOrder?: 1 | 2 }) {
  const labels = sensitiveLabels(patient);
  const identifiers = (patient.identifier ?? []).map(identifierText).filter(Boolean);
  return (
    <Paper withBorder p="md" radius="md" aria-label="Patient" component="section" data-testid="patient-banner">
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <div>
          <Group gap="sm" align="center">
            <Title order={headingOrder} size="h2">
              {humanName(patient.name)}
            </Title>
            {labels.length > 0 && (
              <Badge color="red" variant="filled" title={`Sensitive record: ${labels.join(', ')}`}>
                {restrictedText(labels)}
              </Badge>
            )}
            {isRedacted(patient) && (
              <Badge color="gray" variant="outline">
                Some details hidden for your role
              </Badge>
            )}
            {(patient.deceasedBoolean || patient.deceasedDateTime) && (
              <Badge color="dark" variant="filled">
                Deceased{patient.deceasedDateTime ? ` ${dateTime(patient.deceasedDateTime)}` : ''}
              </Badge>
            )}
          </Group>
          <div className="banner-row">
            <Text size="sm">
              <Text span fw={600}>
                Born:
              </Text>{' '}
              {patient.birthDate ?? 'not recorded'}
            </Text>
            <Text size="sm">
              <Text span fw={600}>
                Gender:
              </Text>{' '}
              {patient.gender ? (GENDER_LABELS[patient.gender] ?? patient.gender) : 'not recorded'}
            </Text>
            <Text size="sm">
              <Text span fw={600}>
                Identifiers:
              </Text>{' '}
              {identifiers.length ? identifiers.join(' · ') : 'none'}
            </Text>
          </div>
        </div>
      </Group>
    </Paper>
  );
}
