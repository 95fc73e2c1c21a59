import { useState, type FormEvent } from 'react';
import { Alert, Anchor, Badge, Button, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { FhirError, type OutcomeIssue } from '../../api/fhir';
import { useFhir } from '../../auth/AuthContext';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { concept, dateTime, reference } from '../../fhir/format';
import { CLAIM_STATUS_COLORS, CLAIM_STATUS_LABELS, CLAIM_STATUSES, currencyDigits, money, PRIORITIES, PRIORITY_SYSTEM, type Claim } from './claimModel';
import { FormGrid } from '../../components/FormGrid';

interface ClaimForm {
  status: string;
  priority: string;
  totalValue: string;
  currency: string;
  start: string;
  end: string;
  insurerDisplay: string;
}

type Field = keyof ClaimForm;

/** Which element paths of an OperationOutcome belong to which input (first match wins). */
const FIELD_PATHS: [Field, string[]][] = [
  ['status', ['status']],
  ['priority', ['priority']],
  ['currency', ['total.currency']],
  ['totalValue', ['total.value', 'total']],
  ['end', ['billablePeriod.end']],
  ['start', ['billablePeriod.start', 'billablePeriod']],
  ['insurerDisplay', ['insurer']],
];

/** The server's issues per input, and those that belong to no input. */
export function fieldIssues(error: unknown): { fields: Partial<Record<Field, string>>; rest: OutcomeIssue[] } {
  const fields: Partial<Record<Field, string>> = {};
  const rest: OutcomeIssue[] = [];
  if (!(error instanceof FhirError)) {
    return { fields, rest };
  }
  for (const issue of error.issues) {
    const single = new FhirError(error.status, [issue]);
    let placed = false;
    for (const [field, paths] of FIELD_PATHS) {
      const text = paths.map((path) => single.forField(path)).find(Boolean);
      if (text) {
        fields[field] = fields[field] ? `${fields[field]} ${text}` : text;
        placed = true;
        break;
      }
    }
    if (!placed) {
      rest.push(issue);
    }
  }
  return { fields, rest };
}

function priorityCode(claim: Claim): string {
  return claim.priority?.coding?.find((c) => c.system === PRIORITY_SYSTEM)?.code ?? claim.priority?.coding?.[0]?.code ?? '';
}

function formOf(claim: Claim): ClaimForm {
  return {
    status: claim.status ?? '',
    priority: priorityCode(claim),
    totalValue: claim.total?.value === undefined ? '' : String(claim.total.value),
    currency: claim.total?.currency ?? '',
    start: claim.billablePeriod?.start?.slice(0, 10) ?? '',
    end: claim.billablePeriod?.end?.slice(0, 10) ?? '',
    insurerDisplay: claim.insurer?.display ?? '',
  };
}

function validate(form: ClaimForm): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  if (!form.status) {
    errors.status = 'Choose a status.';
  }
  const value = form.totalValue.trim();
  if (value && !/^-?\d+(\.\d+)?$/.test(value)) {
    errors.totalValue = 'An amount such as 120.50 (digits and a decimal point).';
  } else if (value && Number(value) < 0) {
    errors.totalValue = 'The total cannot be negative.';
  } else if (value && (value.split('.')[1]?.length ?? 0) > currencyDigits(form.currency.trim().toUpperCase())) {
    errors.totalValue = `At most ${currencyDigits(form.currency.trim().toUpperCase())} decimals for this currency.`;
  }
  const currency = form.currency.trim();
  if (currency && !/^[A-Za-z]{3}$/.test(currency)) {
    errors.currency = 'A three-letter ISO 4217 code, such as USD or EUR.';
  } else if (value && !currency) {
    errors.currency = 'Give the currency of the total.';
  } else if (!value && currency) {
    errors.totalValue = 'Give the amount, or clear the currency.';
  }
  if (form.start && form.end && form.end < form.start) {
    errors.end = 'The end is before the start.';
  }
  return errors;
}

/** The loaded claim with the edited fields; everything else as loaded. Unchanged fields keep their exact form. */
export function applyForm(claim: Claim, form: ClaimForm): Claim {
  const before = formOf(claim);
  const updated: Claim = { ...claim, status: form.status };
  if (form.priority !== before.priority) {
    const others = (claim.priority?.coding ?? []).filter((c) => c.system !== PRIORITY_SYSTEM && c.code !== before.priority);
    updated.priority = form.priority ? { coding: [{ system: PRIORITY_SYSTEM, code: form.priority }, ...others] } : undefined;
    if (!updated.priority) {
      delete updated.priority;
    }
  }
  if (form.totalValue !== before.totalValue || form.currency !== before.currency) {
    const value = form.totalValue.trim();
    if (value) {
      updated.total = { ...claim.total, value: Number(value), currency: form.currency.trim().toUpperCase() };
    } else {
      delete updated.total;
    }
  }
  if (form.start !== before.start || form.end !== before.end) {
    const period: { start?: string; end?: string } = {};
    const start = form.start === before.start ? claim.billablePeriod?.start : form.start;
    const end = form.end === before.end ? claim.billablePeriod?.end : form.end;
    if (start) {
      period.start = start;
    }
    if (end) {
      period.end = end;
    }
    if (period.start || period.end) {
      updated.billablePeriod = period;
    } else {
      delete updated.billablePeriod;
    }
  }
  if (form.insurerDisplay !== before.insurerDisplay) {
    const display = form.insurerDisplay.trim();
    const insurer = { ...claim.insurer };
    if (display) {
      insurer.display = display;
    } else {
      delete insurer.display;
    }
    if (Object.keys(insurer).length) {
      updated.insurer = insurer;
    } else {
      delete updated.insurer;
    }
  }
  return updated;
}

export function ClaimEdit() {
  const { claimId = '' } = useParams();
  const fhir = useFhir();
  const queryClient = useQueryClient();
  const [reloads, setReloads] = useState(0);
  const claim = useQuery({
    queryKey: ['Claim', claimId],
    queryFn: () => fhir.read<Claim>('Claim', claimId),
    gcTime: 0,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });

  return (
    <Stack gap="md">
      <Group justify="space-between" align="center">
        <Title order={1} size="h2">
          Edit claim
        </Title>
        <Anchor component={Link} to="/claims">
          Back to claims
        </Anchor>
      </Group>
      {claim.isPending ? (
        <Loading label="Loading the claim" />
      ) : claim.isError ? (
        <ErrorAlert error={claim.error} />
      ) : (
        <ClaimEditor
          key={reloads}
          claim={claim.data}
          onSaved={(saved) => queryClient.setQueryData(['Claim', claimId], saved)}
          onReload={() => {
            void claim.refetch().then(() => setReloads((n) => n + 1));
          }}
          reloading={claim.isFetching}
        />
      )}
    </Stack>
  );
}

function ClaimEditor({
  claim,
  onSaved,
  onReload,
  reloading,
}: {
  claim: Claim;
  onSaved: (claim: Claim) => void;
  onReload: () => void;
  reloading: boolean;
}) {
  const fhir = useFhir();
  const [form, setForm] = useState<ClaimForm>(() => formOf(claim));
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [saved, setSaved] = useState<string>();
  const save = useMutation({
    mutationFn: (resource: Claim) => fhir.update<Claim>(resource),
    onSuccess: (result) => {
      // the server answers with the stored version (Prefer: return=representation)
      const stored = result && typeof result === 'object' && result.resourceType === 'Claim' ? result : undefined;
      setSaved(`Saved${stored?.meta?.versionId ? ` (version ${stored.meta.versionId})` : ''}.`);
      if (stored) {
        onSaved(stored);
      }
    },
  });
  const conflict = save.error instanceof FhirError && (save.error.status === 409 || save.error.status === 412);
  const server = conflict ? { fields: {}, rest: [] } : fieldIssues(save.error);
  const errorOf = (field: Field) => errors[field] ?? server.fields[field as Field];

  const set = (key: Field) => (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    const value = event.currentTarget.value;
    setSaved(undefined);
    setForm((current) => ({ ...current, [key]: value }));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = validate(form);
    setErrors(found);
    setSaved(undefined);
    if (Object.keys(found).length) {
      return;
    }
    save.mutate(applyForm(claim, form));
  };

  const status = claim.status ?? 'unknown';
  return (
    <Stack gap="md">
      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="claim-summary-heading">
        <Group justify="space-between" mb="xs">
          <Title order={2} size="h4" id="claim-summary-heading">
            Claim {claim.id}
          </Title>
          <Badge color={CLAIM_STATUS_COLORS[status] ?? 'gray'} variant="light">
            {CLAIM_STATUS_LABELS[status] ?? status}
          </Badge>
        </Group>
        <Table withTableBorder aria-label="Claim details (not editable here)">
          <Table.Tbody>
            <Table.Tr>
              <Table.Th scope="row">Patient</Table.Th>
              <Table.Td>{reference(claim.patient) || '—'}</Table.Td>
              <Table.Th scope="row">Created</Table.Th>
              <Table.Td>{dateTime(claim.created) || '—'}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Provider</Table.Th>
              <Table.Td>{reference(claim.provider) || '—'}</Table.Td>
              <Table.Th scope="row">Type / use</Table.Th>
              <Table.Td>
                {concept(claim.type) || '—'}
                {claim.use ? ` / ${claim.use}` : ''}
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Insurer</Table.Th>
              <Table.Td>{claim.insurer?.reference ?? '—'}</Table.Td>
              <Table.Th scope="row">Stored total</Table.Th>
              <Table.Td>
                {money(claim.total)} · version {claim.meta?.versionId ?? '?'}
                {claim.meta?.lastUpdated ? `, ${dateTime(claim.meta.lastUpdated)}` : ''}
              </Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </Paper>

      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="claim-edit-heading">
        <Title order={2} size="h4" id="claim-edit-heading" mb="xs">
          Change the claim
        </Title>
        <Text size="sm" mb="sm">
          Only these fields change; the rest of the claim (items, diagnoses, insurance…) is saved as it was loaded. If someone
          else saves the claim meanwhile, your save is refused rather than overwriting their change.
        </Text>
        <form onSubmit={submit} noValidate aria-label="Edit claim">
          <Stack gap="sm">
            <FormGrid cols={2}>
              <NativeSelect
                label="Status"
                value={form.status}
                onChange={set('status')}
                data={[
                  ...(form.status && !CLAIM_STATUSES.includes(form.status as never) ? [{ value: form.status, label: form.status }] : []),
                  ...(form.status ? [] : [{ value: '', label: 'Choose…' }]),
                  ...CLAIM_STATUSES.map((s) => ({ value: s, label: CLAIM_STATUS_LABELS[s] })),
                ]}
                error={errorOf('status')}
                required
              />
              <NativeSelect
                label="Priority"
                value={form.priority}
                onChange={set('priority')}
                data={[
                  // Claim.priority is required (R4): "not set" only for a claim stored without one
                  ...(priorityCode(claim) ? [] : [{ value: '', label: 'Not set' }]),
                  ...(form.priority && !PRIORITIES.some((p) => p.value === form.priority) ? [{ value: form.priority, label: form.priority }] : []),
                  ...PRIORITIES,
                ]}
                error={errorOf('priority')}
              />
              <TextInput
                label="Total amount"
                inputMode="decimal"
                value={form.totalValue}
                onChange={set('totalValue')}
                error={errorOf('totalValue')}
                autoComplete="off"
              />
              <TextInput
                label="Currency"
                description="ISO 4217, e.g. USD"
                value={form.currency}
                onChange={set('currency')}
                error={errorOf('currency')}
                maxLength={3}
                autoComplete="off"
              />
              <TextInput type="date" label="Billable period start" value={form.start} onChange={set('start')} error={errorOf('start')} />
              <TextInput type="date" label="Billable period end" value={form.end} onChange={set('end')} error={errorOf('end')} />
              <TextInput
                label="Insurer name (display)"
                description={claim.insurer?.reference ? `Shown for ${claim.insurer.reference}` : 'No insurer reference on this claim'}
                value={form.insurerDisplay}
                onChange={set('insurerDisplay')}
                error={errorOf('insurerDisplay')}
                autoComplete="off"
              />
            </FormGrid>

            {conflict ? (
              <Alert color="orange" variant="light" role="alert" title="Changed by someone else">
                <Stack gap="xs">
                  <Text size="sm">
                    This claim was changed by someone else since you opened it, so your changes were not saved. Reload it to see
                    the current version, then make your changes again.
                  </Text>
                  <Group>
                    <Button size="xs" variant="default" onClick={onReload} loading={reloading}>
                      Reload the claim
                    </Button>
                  </Group>
                </Stack>
              </Alert>
            ) : save.isError ? (
              server.rest.length || !(save.error instanceof FhirError) || !save.error.issues.length ? (
                <ErrorAlert
                  error={save.error instanceof FhirError ? new FhirError(save.error.status, server.rest) : save.error}
                  title="The server did not save the claim"
                />
              ) : (
                <Alert color="red" variant="light" role="alert" title="The server did not save the claim">
                  Correct the fields marked above.
                </Alert>
              )
            ) : null}
            {saved && (
              <Alert color="green" variant="light" role="status" title="Claim saved">
                {saved}
              </Alert>
            )}
            <Group gap="sm">
              <Button type="submit" loading={save.isPending}>
                Save changes
              </Button>
              <Button
                variant="default"
                onClick={() => {
                  setForm(formOf(claim));
                  setErrors({});
                  setSaved(undefined);
                  save.reset();
                }}
              >
                Undo my changes
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
