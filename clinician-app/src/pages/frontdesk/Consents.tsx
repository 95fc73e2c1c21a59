import { useState, type FormEvent } from 'react';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  NativeSelect,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { FhirError, type Resource } from '../../api/fhir';
import { useFhir } from '../../auth/AuthContext';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { humanName, type HumanName } from '../../fhir/format';
import { fetchAll } from '../../api/fhir';
import {
  buildConsent,
  CATEGORY_LABELS,
  categoryOf,
  describeConsent,
  SENSITIVE_LABELS,
  STATUS_COLORS,
  STATUS_LABELS,
  TEMPLATES,
  validateForm,
  type ActorKind,
  type Consent,
  type ConsentForm,
  type TemplateId,
} from './consentModel';
import { FormGrid } from '../../components/FormGrid';

interface Patient extends Resource {
  resourceType: 'Patient';
  name?: HumanName[];
  birthDate?: string;
}

/** At most this many Consents of one patient are listed (a patient has a handful). */
const CONSENT_LIMIT = 500;

const EMPTY_FORM: ConsentForm = {
  template: 'withhold-sensitive',
  label: 'PSY',
  actorId: '',
  actorKind: 'Practitioner',
  actorName: '',
  start: '',
  end: '',
};

function localToday(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function isConflict(error: unknown): boolean {
  return error instanceof FhirError && (error.status === 409 || error.status === 412);
}

/** Active first, then the most recent. */
function order(consents: Consent[]): Consent[] {
  const rank = (c: Consent) => (c.status === 'active' ? 0 : 1);
  const date = (c: Consent) => c.dateTime ?? c.meta?.lastUpdated ?? '';
  return [...consents].sort((a, b) => rank(a) - rank(b) || date(b).localeCompare(date(a)));
}

export function Consents() {
  const { id = '' } = useParams();
  const fhir = useFhir();
  const patient = useQuery({
    queryKey: ['Patient', id],
    queryFn: () => fhir.read<Patient>('Patient', id),
    retry: false,
  });
  const consents = useQuery({
    queryKey: ['Consent', 'patient', id],
    queryFn: async () => fetchAll(fhir, await fhir.search<Consent>('Consent', { patient: `Patient/${id}`, _count: '100' }), CONSENT_LIMIT),
  });
  const name = patient.data ? humanName(patient.data.name) : undefined;

  return (
    <Stack gap="md">
      <Group justify="space-between" align="center">
        <Title order={1} size="h2">
          Consents{name ? ` of ${name}` : ''}
        </Title>
        <Anchor component={Link} to={`/patients/${encodeURIComponent(id)}`}>
          Back to the patient
        </Anchor>
      </Group>
      {patient.isPending ? (
        <Loading label="Loading the patient" />
      ) : patient.isError ? (
        patient.error instanceof FhirError && patient.error.status === 404 ? (
          <Alert color="orange" variant="light" title="The patient’s record is not shown to you" role="alert">
            Patient/{id} does not exist, or the patient’s consent withholds their record from you (a treatment consent binds
            front-desk work too). Their consents are still listed below and can be revoked.
          </Alert>
        ) : (
          <ErrorAlert error={patient.error} />
        )
      ) : (
        <Text size="sm" c="gray.7">
          Patient/{id}
          {patient.data.birthDate ? ` · born ${patient.data.birthDate}` : ''}
        </Text>
      )}

      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="consents-heading">
        <Title order={2} size="h4" id="consents-heading" mb="xs">
          The patient’s consents
        </Title>
        <Text size="sm" mb="sm">
          Each consent as the patient would read it. Only active consents are enforced; where two disagree, a refusal wins.
          Revoking takes effect at once.
        </Text>
        {consents.isPending ? (
          <Loading label="Loading consents" />
        ) : consents.isError ? (
          <ErrorAlert error={consents.error} />
        ) : (
          <ConsentTable consents={order(consents.data.matches)} patientLabel={name ?? `Patient/${id}`} patientId={id} />
        )}
        {consents.data?.truncated && (
          <Text size="sm" c="orange.9" mt="xs" role="status">
            Only the first {CONSENT_LIMIT} consents are listed.
          </Text>
        )}
      </Paper>

      <NewConsent patientId={id} />
    </Stack>
  );
}

function ConsentTable({ consents, patientLabel, patientId }: { consents: Consent[]; patientLabel: string; patientId: string }) {
  const fhir = useFhir();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState<string>();
  const [done, setDone] = useState<string>();
  const revoke = useMutation({
    mutationFn: (consent: Consent) => fhir.update<Consent>({ ...consent, status: 'inactive' }),
    onSuccess: (updated) => {
      setConfirming(undefined);
      setDone(`Revoked: ${describeConsent({ ...updated, status: 'active' }).split(' — ')[0]}.`);
      void queryClient.invalidateQueries({ queryKey: ['Consent', 'patient', patientId] });
      void queryClient.invalidateQueries({ queryKey: ['Patient', patientId] });
    },
    onError: (error) => {
      setConfirming(undefined);
      setDone(undefined);
      if (isConflict(error)) {
        void queryClient.invalidateQueries({ queryKey: ['Consent', 'patient', patientId] });
      }
    },
  });

  if (!consents.length) {
    return <Text>No consent is recorded: the server’s defaults apply (treatment, payment and operations are allowed; research and marketing are not).</Text>;
  }
  return (
    <Stack gap="sm">
      {done && (
        <Alert color="green" variant="light" role="status" title="Consent revoked">
          {done}
        </Alert>
      )}
      {revoke.isError &&
        (isConflict(revoke.error) ? (
          <Alert color="orange" variant="light" role="alert" title="Changed by someone else">
            This consent was changed by someone else since the list was loaded. The list has been reloaded: check it, then revoke
            again if needed.
          </Alert>
        ) : (
          <ErrorAlert error={revoke.error} title="The consent could not be revoked" />
        ))}
      <Table striped highlightOnHover withTableBorder aria-label={`Consents of ${patientLabel}`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">What the patient decided</Table.Th>
            <Table.Th scope="col">Applies to</Table.Th>
            <Table.Th scope="col">Recorded</Table.Th>
            <Table.Th scope="col">Status</Table.Th>
            <Table.Th scope="col">
              <span className="no-print">Action</span>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {consents.map((consent) => {
            const category = categoryOf(consent);
            const status = consent.status ?? 'unknown';
            const sentence = describeConsent(consent);
            return (
              <Table.Tr key={consent.id} data-testid={`consent-${consent.id}`}>
                <Table.Td>
                  <Text size="sm">{sentence}</Text>
                </Table.Td>
                <Table.Td>{category ? CATEGORY_LABELS[category] : 'Not recognised'}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{(consent.dateTime ?? consent.meta?.lastUpdated ?? '').slice(0, 10) || '—'}</Table.Td>
                <Table.Td>
                  <Badge color={STATUS_COLORS[status] ?? 'gray'} variant={status === 'active' ? 'filled' : 'light'}>
                    {STATUS_LABELS[status] ?? status}
                  </Badge>
                </Table.Td>
                <Table.Td className="no-print">
                  {status === 'active' &&
                    (confirming === consent.id ? (
                      <Group gap="xs" wrap="nowrap">
                        <Button
                          size="xs"
                          color="red"
                          loading={revoke.isPending}
                          onClick={() => revoke.mutate(consent)}
                          aria-label={`Confirm revoking: ${sentence}`}
                        >
                          Confirm revoke
                        </Button>
                        <Button size="xs" variant="default" onClick={() => setConfirming(undefined)}>
                          Keep
                        </Button>
                      </Group>
                    ) : (
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => {
                          setDone(undefined);
                          revoke.reset();
                          setConfirming(consent.id);
                        }}
                        aria-label={`Revoke: ${sentence}`}
                      >
                        Revoke
                      </Button>
                    ))}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

const ACTOR_KINDS: { value: ActorKind; label: string }[] = [
  { value: 'Practitioner', label: 'A clinician (Practitioner)' },
  { value: 'RelatedPerson', label: 'A relative or carer (RelatedPerson)' },
  { value: 'app', label: 'An app (its OAuth client id)' },
];

function NewConsent({ patientId }: { patientId: string }) {
  const fhir = useFhir();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<ConsentForm>(EMPTY_FORM);
  const [confirmed, setConfirmed] = useState(false);
  const [errors, setErrors] = useState<ReturnType<typeof validateForm> & { confirmed?: string }>({});
  const [recorded, setRecorded] = useState<string>();
  const template = TEMPLATES.find((t) => t.id === form.template)!;
  const needsActor = template.needs.includes('actor') || template.needs.includes('practitioner');
  const actorKind: ActorKind = template.needs.includes('practitioner') ? 'Practitioner' : form.actorKind;
  const consent = buildConsent(patientId, { ...form, actorKind }, localToday());
  const preview = Object.keys(validateForm({ ...form, actorKind })).length ? undefined : describeConsent(consent);

  const create = useMutation({
    mutationFn: (resource: Consent) => fhir.create<Consent>(resource),
    onSuccess: (created) => {
      setRecorded(describeConsent(created));
      setForm(EMPTY_FORM);
      setConfirmed(false);
      void queryClient.invalidateQueries({ queryKey: ['Consent', 'patient', patientId] });
      void queryClient.invalidateQueries({ queryKey: ['Patient', patientId] });
    },
  });

  const set = <K extends keyof ConsentForm>(key: K, value: ConsentForm[K]) => {
    setRecorded(undefined);
    setForm((current) => ({ ...current, [key]: value }));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: typeof errors = validateForm({ ...form, actorKind });
    if (!confirmed) {
      found.confirmed = 'Confirm that the patient (or their representative) made this choice.';
    }
    setErrors(found);
    if (Object.keys(found).length) {
      return;
    }
    create.mutate(consent);
  };

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="new-consent-heading" className="no-print">
      <Title order={2} size="h4" id="new-consent-heading" mb="xs">
        Record a consent
      </Title>
      <form onSubmit={submit} noValidate aria-label="Record a consent">
        <Stack gap="sm">
          <NativeSelect
            label="The patient’s choice"
            value={form.template}
            onChange={(event) => {
              set('template', event.currentTarget.value as TemplateId);
              setErrors({});
              create.reset();
            }}
            data={TEMPLATES.map((t) => ({ value: t.id, label: t.label }))}
            description={template.help}
          />
          {template.needs.includes('label') && (
            <NativeSelect
              label="Kind of record"
              value={form.label}
              onChange={(event) => set('label', event.currentTarget.value)}
              data={SENSITIVE_LABELS.map((l) => ({ value: l.code, label: `${l.name[0].toUpperCase()}${l.name.slice(1)} (${l.code})` }))}
              error={errors.label}
            />
          )}
          {needsActor && (
            <FormGrid cols={template.needs.includes('actor') ? 3 : 2}>
              {template.needs.includes('actor') && (
                <NativeSelect
                  label="Who"
                  value={form.actorKind}
                  onChange={(event) => set('actorKind', event.currentTarget.value as ActorKind)}
                  data={ACTOR_KINDS}
                />
              )}
              <TextInput
                label={actorKind === 'app' ? 'App client id' : actorKind === 'RelatedPerson' ? 'Record id of the relative or carer' : 'Record id of the clinician'}
                description={actorKind === 'app' ? 'As registered with the authorization server' : `${actorKind}/<id>: the record must exist`}
                value={form.actorId}
                onChange={(event) => set('actorId', event.currentTarget.value)}
                error={errors.actorId}
                autoComplete="off"
                required
              />
              <TextInput
                label="Name as the patient knows them"
                description="Optional, shown with the consent"
                value={form.actorName}
                onChange={(event) => set('actorName', event.currentTarget.value)}
                autoComplete="off"
              />
            </FormGrid>
          )}
          <FormGrid cols={2}>
            <TextInput
              type="date"
              label="In force from"
              description="Optional; empty: at once"
              value={form.start}
              onChange={(event) => set('start', event.currentTarget.value)}
            />
            <TextInput
              type="date"
              label="Until"
              description="Optional; empty: until revoked"
              value={form.end}
              onChange={(event) => set('end', event.currentTarget.value)}
              error={errors.end}
            />
          </FormGrid>
          <Paper withBorder p="sm" radius="sm" bg="gray.0">
            <Text size="sm" fw={600}>
              As the patient will read it
            </Text>
            <Text size="sm" data-testid="consent-preview">
              {preview ?? 'Complete the choice above.'}
            </Text>
          </Paper>
          <Checkbox
            label="The patient (or their legal representative) made this choice and it has been read back to them"
            checked={confirmed}
            onChange={(event) => {
              setConfirmed(event.currentTarget.checked);
              setRecorded(undefined);
            }}
            error={errors.confirmed}
          />
          <ErrorAlert error={create.error} title="The server did not record the consent" />
          {recorded && (
            <Alert color="green" variant="light" role="status" title="Consent recorded">
              {recorded}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={create.isPending}>
              Record consent
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
