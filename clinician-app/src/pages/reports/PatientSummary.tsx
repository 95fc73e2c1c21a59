import type { ReactNode } from 'react';
import { Anchor, Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { FhirError, resources, type Resource } from '../../api/fhir';
import { useClaims, useFhir } from '../../auth/AuthContext';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { concept, dateTime } from '../../fhir/format';
import { PatientBanner, type Patient } from '../clinical/PatientBanner';
import {
  ENCOUNTER_CLASSES,
  label,
  observationDate,
  observationValue,
  periodText,
  type Condition,
  type Encounter,
  type Observation,
} from '../clinical/clinical';

/**
 * A one-page summary of a patient to print: banner, active conditions, the last 10 encounters and
 * the latest value of each observation. The server decides what the role sees (and audits the
 * reads); the page only lays it out.
 */
export function PatientSummary() {
  const { id = '' } = useParams();
  const fhir = useFhir();
  const claims = useClaims();
  const subject = `Patient/${id}`;
  const patient = useQuery({ queryKey: ['Patient', id], queryFn: () => fhir.read<Patient>('Patient', id) });
  const readable = patient.isSuccess;
  const conditions = useQuery({
    queryKey: ['Condition', 'summary', id],
    queryFn: () => fhir.search<Condition>('Condition', { subject, 'clinical-status': 'active', _count: '50' }),
    enabled: readable,
  });
  const encounters = useQuery({
    queryKey: ['Encounter', 'summary', id],
    queryFn: () => fhir.search<Encounter>('Encounter', { subject, _sort: '-date', _count: '10' }),
    enabled: readable,
  });
  const observations = useQuery({
    queryKey: ['Observation', 'summary', id],
    queryFn: () => fhir.search<Observation>('Observation', { subject, _sort: '-date', _count: '100' }),
    enabled: readable,
  });

  if (patient.isPending) {
    return <Loading label="Loading the summary" />;
  }
  if (patient.isError) {
    return (
      <Stack>
        <Title order={1} size="h2">
          Patient summary
        </Title>
        <ErrorAlert
          error={patient.error}
          title={patient.error instanceof FhirError && patient.error.status === 404 ? 'Not found, or withheld from you' : undefined}
        />
        <Anchor component={Link} to={`/patients/${encodeURIComponent(id)}`}>
          Back to the chart
        </Anchor>
      </Stack>
    );
  }

  // the latest observation of each code (the search is newest first)
  const latest = new Map<string, Observation>();
  for (const observation of resources(observations.data)) {
    const key = observation.code?.coding?.map((c) => `${c.system}|${c.code}`).join(',') || concept(observation.code);
    if (!latest.has(key)) {
      latest.set(key, observation);
    }
  }

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1} size="h2">
          Patient summary
        </Title>
        <Group gap="sm" className="no-print">
          <Button component={Link} to={`/patients/${encodeURIComponent(id)}`} variant="default">
            Back to the chart
          </Button>
          <Button onClick={() => window.print()}>Print</Button>
        </Group>
      </Group>
      <div className="print-only">
        <Text size="sm">
          Patient summary printed {dateTime(new Date().toISOString())}
          {claims?.name ? ` by ${claims.name}` : ''}. Confidential: contains protected health information; shred after use.
        </Text>
      </div>
      <PatientBanner patient={patient.data} headingOrder={2} />

      <Section title="Active conditions" query={conditions}>
        {(bundle) => {
          const items = resources(bundle);
          return items.length ? (
            <Table striped withTableBorder>
              <Table.Caption>Active conditions</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Condition</Table.Th>
                  <Table.Th scope="col">Onset</Table.Th>
                  <Table.Th scope="col">Recorded</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((condition) => (
                  <Table.Tr key={condition.id}>
                    <Table.Td>{concept(condition.code) || 'Unnamed condition'}</Table.Td>
                    <Table.Td>{dateTime(condition.onsetDateTime) || condition.onsetString || ''}</Table.Td>
                    <Table.Td>{dateTime(condition.recordedDate)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : (
            <Text>No active conditions you may see.</Text>
          );
        }}
      </Section>

      <Section title="Last 10 encounters" query={encounters}>
        {(bundle) => {
          const items = resources(bundle);
          return items.length ? (
            <Table striped withTableBorder>
              <Table.Caption>Last 10 encounters, newest first</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Period</Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                  <Table.Th scope="col">Class</Table.Th>
                  <Table.Th scope="col">Type</Table.Th>
                  <Table.Th scope="col">Reason</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((encounter) => (
                  <Table.Tr key={encounter.id}>
                    <Table.Td>{periodText(encounter.period)}</Table.Td>
                    <Table.Td>{encounter.status}</Table.Td>
                    <Table.Td>{encounter.class ? (encounter.class.display ?? label(ENCOUNTER_CLASSES, encounter.class.code)) : ''}</Table.Td>
                    <Table.Td>{(encounter.type ?? []).map(concept).filter(Boolean).join(', ')}</Table.Td>
                    <Table.Td>{(encounter.reasonCode ?? []).map(concept).filter(Boolean).join(', ')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : (
            <Text>No encounters you may see.</Text>
          );
        }}
      </Section>

      <Section title="Latest observations" query={observations}>
        {() =>
          latest.size ? (
            <Table striped withTableBorder>
              <Table.Caption>Latest value of each observation</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Observation</Table.Th>
                  <Table.Th scope="col">Value</Table.Th>
                  <Table.Th scope="col">Date</Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {[...latest.values()].map((observation) => (
                  <Table.Tr key={observation.id}>
                    <Table.Td>{concept(observation.code)}</Table.Td>
                    <Table.Td>{observationValue(observation)}</Table.Td>
                    <Table.Td>{dateTime(observationDate(observation))}</Table.Td>
                    <Table.Td>{observation.status}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : (
            <Text>No observations you may see.</Text>
          )
        }
      </Section>
    </Stack>
  );
}

function Section<T extends Resource>({
  title,
  query,
  children,
}: {
  title: string;
  query: { isPending: boolean; isError: boolean; error: unknown; data?: T };
  children: (data: T | undefined) => ReactNode;
}) {
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label={title}>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {query.isPending ? <Loading label={`Loading ${title.toLowerCase()}`} /> : query.isError ? <ErrorAlert error={query.error} /> : children(query.data)}
    </Paper>
  );
}
