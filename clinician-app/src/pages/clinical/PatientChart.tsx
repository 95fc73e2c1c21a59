import { useEffect, useState, type ReactNode } from 'react';
import { Alert, Anchor, Badge, Button, Group, List, Paper, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { FhirError, type Resource } from '../../api/fhir';
import { useClaims, useFhir } from '../../auth/AuthContext';
import { useBreakGlass } from '../../auth/breakGlass';
import { can } from '../../auth/permissions';
import { ErrorAlert } from '../../components/ErrorAlert';
import { LoadMore } from '../../components/LoadMore';
import { Loading } from '../../components/Loading';
import { concept, dateTime, humanName, reference } from '../../fhir/format';
import { BreakGlassDialog } from './BreakGlassDialog';
import { PatientBanner, type Patient } from './PatientBanner';
import {
  ENCOUNTER_CLASSES,
  label,
  observationDate,
  observationValue,
  periodText,
  statusColor,
  type Claim,
  type Condition,
  type Encounter,
  type Observation,
} from './clinical';
import { usePagedSearch, type PagedSearch } from './usePagedSearch';

/** The chart of one patient: banner, actions the role may take, and the tabs the role may see. */
export function PatientChart() {
  const { id = '' } = useParams();
  const fhir = useFhir();
  const claims = useClaims();
  const { forPatient, declared } = useBreakGlass();
  const declaration = forPatient(id);
  const patient = useQuery({
    queryKey: ['Patient', id],
    queryFn: () => fhir.read<Patient>('Patient', id),
    enabled: id !== '',
  });

  // the banner of the shell names the patient once the record could be read
  const name = patient.data ? humanName(patient.data.name) : undefined;
  useEffect(() => {
    if (declaration && name && declaration.patientName !== name) {
      declared({ ...declaration, patientName: name });
    }
  }, [declaration, name, declared]);

  if (patient.isPending) {
    return <Loading label="Loading the patient" />;
  }
  if (patient.isError) {
    if (patient.error instanceof FhirError && patient.error.status === 404) {
      return <NotFoundOrWithheld id={id} />;
    }
    return (
      <Stack>
        <Title order={1} size="h2">
          Patient record
        </Title>
        <ErrorAlert error={patient.error} />
      </Stack>
    );
  }

  const clinical = can(claims, 'chart.clinical');
  return (
    <Stack gap="md">
      <PatientBanner patient={patient.data} />
      {declaration && (
        <Alert color="red" variant="filled" role="status" title="Emergency access (break-glass)">
          Emergency access until {clock(declaration.expires)}. Every access to this record is recorded and reviewed by
          compliance.
        </Alert>
      )}
      <ChartActions id={id} />
      <Tabs defaultValue="encounters" keepMounted={false} variant="outline">
        <Tabs.List aria-label="Chart sections">
          <Tabs.Tab value="encounters">Encounters</Tabs.Tab>
          {clinical && <Tabs.Tab value="observations">Observations</Tabs.Tab>}
          {clinical && <Tabs.Tab value="conditions">Conditions</Tabs.Tab>}
          {can(claims, 'claims.read') && <Tabs.Tab value="claims">Claims</Tabs.Tab>}
          <Tabs.Tab value="demographics">Contact details</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="encounters" pt="md">
          <EncountersTab id={id} />
        </Tabs.Panel>
        {clinical && (
          <Tabs.Panel value="observations" pt="md">
            <ObservationsTab id={id} />
          </Tabs.Panel>
        )}
        {clinical && (
          <Tabs.Panel value="conditions" pt="md">
            <ConditionsTab id={id} />
          </Tabs.Panel>
        )}
        {can(claims, 'claims.read') && (
          <Tabs.Panel value="claims" pt="md">
            <ClaimsTab id={id} />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="demographics" pt="md">
          <Demographics patient={patient.data} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function clock(epochMs: number): string {
  const date = new Date(epochMs);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

function ChartActions({ id }: { id: string }) {
  const claims = useClaims();
  const base = `/patients/${encodeURIComponent(id)}`;
  const actions: { to: string; label: string; show: boolean; primary?: boolean }[] = [
    { to: `${base}/encounters/new`, label: 'New encounter', show: can(claims, 'encounters.write'), primary: true },
    { to: `${base}/observations/new`, label: 'Record observation', show: can(claims, 'observations.write'), primary: true },
    { to: `${base}/edit`, label: 'Edit patient', show: can(claims, 'patients.edit') },
    { to: `${base}/consents`, label: 'Consents', show: can(claims, 'consents.manage') },
    { to: `${base}/summary`, label: 'Printable summary', show: can(claims, 'chart.clinical') },
  ];
  const shown = actions.filter((action) => action.show);
  if (!shown.length) {
    return null;
  }
  return (
    <Group gap="sm" className="no-print" role="group" aria-label="Chart actions">
      {shown.map((action) => (
        <Button key={action.to} component={Link} to={action.to} variant={action.primary ? 'filled' : 'default'}>
          {action.label}
        </Button>
      ))}
    </Group>
  );
}

/** A 404 from the server: absent and withheld look the same on purpose (docs/consent.md). */
function NotFoundOrWithheld({ id }: { id: string }) {
  const claims = useClaims();
  const [open, setOpen] = useState(false);
  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        Not found, or withheld from you
      </Title>
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <Text>The server has no patient record with the id {id} that you may see. This can mean that:</Text>
          <List size="sm" spacing={4}>
            <List.Item>the record does not exist (check the id);</List.Item>
            <List.Item>
              you have no treatment relationship with the patient (you are not a participant of a current or recent
              encounter, a member of their care team, or their general practitioner);
            </List.Item>
            <List.Item>the patient's consent, or a sensitivity label on the record, restricts access to it.</List.Item>
          </List>
          <Text size="sm">The server answers all three the same way, so that a withheld record cannot be told from an absent one.</Text>
          {can(claims, 'breakGlass') ? (
            <>
              <Text size="sm">
                If the patient needs care now, you may declare emergency access. It is recorded, raises an alert and is
                reviewed by compliance.
              </Text>
              <Group>
                <Button color="red" onClick={() => setOpen(true)}>
                  Break the glass (emergency access)
                </Button>
              </Group>
              <BreakGlassDialog patientId={id} opened={open} onClose={() => setOpen(false)} />
            </>
          ) : (
            <Text size="sm">If you need this record for your work, ask the patient's care team or the front desk.</Text>
          )}
          <Group>
            <Anchor component={Link} to="/patients">
              Back to patient search
            </Anchor>
          </Group>
        </Stack>
      </Paper>
    </Stack>
  );
}

/** A table of one search with its loading, error, empty and "Load more" states. */
function SearchSection<T extends Resource>({
  query,
  caption,
  empty,
  head,
  row,
}: {
  query: PagedSearch<T>;
  caption: string;
  empty: string;
  head: string[];
  row: (item: T) => ReactNode;
}) {
  if (query.isPending) {
    return <Loading label={`Loading ${caption.toLowerCase()}`} />;
  }
  if (query.isError && !query.data) {
    return <ErrorAlert error={query.error} />;
  }
  if (!query.items.length) {
    return <Text>{empty}</Text>;
  }
  return (
    <Stack gap="sm">
      <Table striped highlightOnHover withTableBorder>
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            {head.map((cell) => (
              <Table.Th key={cell} scope="col">
                {cell}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{query.items.map(row)}</Table.Tbody>
      </Table>
      <LoadMore query={query} />
    </Stack>
  );
}

function EncountersTab({ id }: { id: string }) {
  const claims = useClaims();
  const query = usePagedSearch<Encounter>('Encounter', { subject: `Patient/${id}`, _sort: '-date', _count: '50' });
  const writable = can(claims, 'encounters.write');
  // the server removes reasons from roles without clinical access (front desk, billing)
  const reasons = can(claims, 'chart.clinical');
  const head = ['Period', 'Status', 'Class', 'Type', ...(reasons ? ['Reason'] : []), 'Participants'];
  return (
    <SearchSection
      query={query}
      caption="Encounters, newest first"
      empty="No encounters you may see."
      head={head}
      row={(encounter: Encounter) => (
        <Table.Tr key={encounter.id}>
          <Table.Td>
            {writable ? (
              <Anchor component={Link} to={`/patients/${encodeURIComponent(id)}/encounters/${encounter.id}`} aria-label={`Edit encounter of ${periodText(encounter.period) || 'unknown date'}`}>
                {periodText(encounter.period) || 'No date'}
              </Anchor>
            ) : (
              periodText(encounter.period) || 'No date'
            )}
          </Table.Td>
          <Table.Td>
            <Badge color={statusColor(encounter.status)} variant="light">
              {encounter.status ?? 'unknown'}
            </Badge>
          </Table.Td>
          <Table.Td>{encounter.class ? encounter.class.display ?? label(ENCOUNTER_CLASSES, encounter.class.code) : ''}</Table.Td>
          <Table.Td>{(encounter.type ?? []).map(concept).filter(Boolean).join(', ')}</Table.Td>
          {reasons && <Table.Td>{(encounter.reasonCode ?? []).map(concept).filter(Boolean).join(', ')}</Table.Td>}
          <Table.Td>{(encounter.participant ?? []).map((p) => reference(p.individual)).filter(Boolean).join(', ')}</Table.Td>
        </Table.Tr>
      )}
    />
  );
}

function ObservationsTab({ id }: { id: string }) {
  const claims = useClaims();
  const query = usePagedSearch<Observation>('Observation', { subject: `Patient/${id}`, _sort: '-date' });
  const writable = can(claims, 'observations.write');
  return (
    <SearchSection
      query={query}
      caption="Observations, newest first"
      empty="No observations you may see."
      head={['Date', 'Observation', 'Value', 'Status', 'Category']}
      row={(observation: Observation) => {
        const when = dateTime(observationDate(observation)) || 'No date';
        return (
          <Table.Tr key={observation.id}>
            <Table.Td>
              {writable ? (
                <Anchor
                  component={Link}
                  to={`/patients/${encodeURIComponent(id)}/observations/${observation.id}`}
                  aria-label={`Edit ${concept(observation.code) || 'observation'} of ${when}`}
                >
                  {when}
                </Anchor>
              ) : (
                when
              )}
            </Table.Td>
            <Table.Td>{concept(observation.code)}</Table.Td>
            <Table.Td>{observationValue(observation)}</Table.Td>
            <Table.Td>
              <Badge color={statusColor(observation.status)} variant="light">
                {observation.status ?? 'unknown'}
              </Badge>
            </Table.Td>
            <Table.Td>{(observation.category ?? []).map(concept).filter(Boolean).join(', ')}</Table.Td>
          </Table.Tr>
        );
      }}
    />
  );
}

function ConditionsTab({ id }: { id: string }) {
  const query = usePagedSearch<Condition>('Condition', { subject: `Patient/${id}` });
  return (
    <SearchSection
      query={query}
      caption="Conditions"
      empty="No conditions you may see."
      head={['Condition', 'Clinical status', 'Verification', 'Onset', 'Recorded']}
      row={(condition: Condition) => {
        const status = condition.clinicalStatus?.coding?.[0]?.code;
        return (
          <Table.Tr key={condition.id}>
            <Table.Td>{concept(condition.code) || 'Unnamed condition'}</Table.Td>
            <Table.Td>
              {status ? (
                <Badge color={statusColor(status)} variant="light">
                  {status}
                </Badge>
              ) : (
                ''
              )}
            </Table.Td>
            <Table.Td>{concept(condition.verificationStatus) || condition.verificationStatus?.coding?.[0]?.code || ''}</Table.Td>
            <Table.Td>{dateTime(condition.onsetDateTime) || condition.onsetString || ''}</Table.Td>
            <Table.Td>{dateTime(condition.recordedDate)}</Table.Td>
          </Table.Tr>
        );
      }}
    />
  );
}

function ClaimsTab({ id }: { id: string }) {
  const claims = useClaims();
  const query = usePagedSearch<Claim>('Claim', { patient: `Patient/${id}` });
  const writable = can(claims, 'claims.write');
  return (
    <SearchSection
      query={query}
      caption="Claims"
      empty="No claims you may see."
      head={['Created', 'Status', 'Type', 'Total', 'Provider']}
      row={(claim: Claim) => (
        <Table.Tr key={claim.id}>
          <Table.Td>
            {writable ? (
              <Anchor component={Link} to={`/claims/${claim.id}`} aria-label={`Edit claim of ${claim.created ?? 'unknown date'}`}>
                {dateTime(claim.created) || 'No date'}
              </Anchor>
            ) : (
              dateTime(claim.created) || 'No date'
            )}
          </Table.Td>
          <Table.Td>
            <Badge color={statusColor(claim.status)} variant="light">
              {claim.status ?? 'unknown'}
            </Badge>
          </Table.Td>
          <Table.Td>{concept(claim.type)}</Table.Td>
          <Table.Td>{claim.total?.value !== undefined ? `${claim.total.value.toFixed(2)} ${claim.total.currency ?? ''}` : ''}</Table.Td>
          <Table.Td>{reference(claim.provider)}</Table.Td>
        </Table.Tr>
      )}
    />
  );
}

function Demographics({ patient }: { patient: Patient }) {
  const phones = (patient.telecom ?? []).filter((t) => t.value);
  const addresses = (patient.address ?? []).map(
    (a) => a.text ?? [...(a.line ?? []), [a.postalCode, a.city].filter(Boolean).join(' '), a.state, a.country].filter(Boolean).join(', '),
  );
  return (
    <Paper withBorder p="md" radius="md">
      <Table withRowBorders={false} aria-label="Contact details" variant="vertical" layout="fixed">
        <Table.Tbody>
          <Table.Tr>
            <Table.Th w={200}>Phone and e-mail</Table.Th>
            <Table.Td>{phones.length ? phones.map((t) => `${t.value}${t.use ? ` (${t.use})` : ''}`).join(', ') : 'none recorded'}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Address</Table.Th>
            <Table.Td>{addresses.filter(Boolean).join(' · ') || 'none recorded'}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>General practitioner</Table.Th>
            <Table.Td>
              {((patient.generalPractitioner as { reference?: string; display?: string }[] | undefined) ?? []).map(reference).join(', ') ||
                'none recorded'}
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
