import { useState, type FormEvent } from 'react';
import { Anchor, Badge, Button, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { FhirError, type Bundle } from '../../api/fhir';
import { useClaims, useFhir } from '../../auth/AuthContext';
import { can } from '../../auth/permissions';
import { ErrorAlert } from '../../components/ErrorAlert';
import { LoadMore } from '../../components/LoadMore';
import { Loading } from '../../components/Loading';
import { dateTime, humanName, reference } from '../../fhir/format';
import { CLAIM_STATUS_COLORS, CLAIM_STATUS_LABELS, CLAIM_STATUSES, money, type Claim, type PatientLite } from './claimModel';

import { FormGrid } from '../../components/FormGrid';

export interface ClaimFilters {
  status: string;
  from: string;
  to: string;
  patient: string;
}

const EMPTY: ClaimFilters = { status: '', from: '', to: '', patient: '' };
const PAGE_SIZE = '20';

/** The patient id typed as `id` or `Patient/id`. */
function patientId(value: string): string {
  return value.trim().replace(/^Patient\//, '');
}

/** The search parameters of the filters (FHIR R4 Claim search: status, created, patient). */
export function claimSearchParams(filters: ClaimFilters): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  if (filters.status) {
    params.status = filters.status;
  }
  const created: string[] = [];
  if (filters.from) {
    created.push(`ge${filters.from}`);
  }
  if (filters.to) {
    created.push(`le${filters.to}`);
  }
  if (created.length) {
    params.created = created;
  }
  if (patientId(filters.patient)) {
    params.patient = `Patient/${patientId(filters.patient)}`;
  }
  params._sort = '-created';
  params._count = PAGE_SIZE;
  return params;
}

function validate(filters: ClaimFilters): Partial<Record<keyof ClaimFilters, string>> {
  const errors: Partial<Record<keyof ClaimFilters, string>> = {};
  if (filters.from && filters.to && filters.to < filters.from) {
    errors.to = 'The end of the period is before its start.';
  }
  const id = patientId(filters.patient);
  if (id && !/^[A-Za-z0-9\-.]{1,64}$/.test(id)) {
    errors.patient = 'A patient id is 1 to 64 letters, digits, "-" or ".".';
  }
  return errors;
}

export function ClaimsList() {
  const fhir = useFhir();
  const claims = useClaims();
  const canWrite = can(claims, 'claims.write');
  const [form, setForm] = useState<ClaimFilters>(EMPTY);
  const [filters, setFilters] = useState<ClaimFilters>(EMPTY);
  const [errors, setErrors] = useState<ReturnType<typeof validate>>({});

  const search = useInfiniteQuery({
    queryKey: ['Claim', 'search', filters],
    initialPageParam: undefined as Bundle | undefined,
    queryFn: async ({ pageParam }) => {
      if (pageParam) {
        return fhir.next(pageParam)!;
      }
      const params = claimSearchParams(filters);
      try {
        // patients' names with the claims, where the role may read them
        return await fhir.search<Claim | PatientLite>('Claim', { ...params, _include: 'Claim:patient' });
      } catch (error) {
        if (error instanceof FhirError && error.status === 403) {
          return fhir.search<Claim | PatientLite>('Claim', params);
        }
        throw error;
      }
    },
    getNextPageParam: (last) => (last.link?.some((link) => link.relation === 'next') ? last : undefined),
    gcTime: 0,
  });

  const entries = search.data?.pages.flatMap((page) => page.entry ?? []) ?? [];
  const names = new Map<string, string>();
  for (const entry of entries) {
    if (entry.resource?.resourceType === 'Patient' && entry.resource.id) {
      names.set(`Patient/${entry.resource.id}`, humanName((entry.resource as PatientLite).name));
    }
  }
  const rows = entries
    .filter((entry) => entry.search?.mode !== 'include' && entry.search?.mode !== 'outcome' && entry.resource?.resourceType === 'Claim')
    .map((entry) => entry.resource as Claim);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = validate(form);
    setErrors(found);
    if (Object.keys(found).length) {
      return;
    }
    setFilters({ ...form });
  };
  const set = (key: keyof ClaimFilters) => (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setForm({ ...form, [key]: event.currentTarget.value });

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        Claims
      </Title>
      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="claim-filters-heading">
        <Title order={2} size="h4" id="claim-filters-heading" mb="xs">
          Filters
        </Title>
        <form onSubmit={submit} noValidate aria-label="Claim filters">
          <Stack gap="sm">
            <FormGrid cols={4}>
              <NativeSelect
                label="Status"
                value={form.status}
                onChange={set('status')}
                data={[{ value: '', label: 'Any status' }, ...CLAIM_STATUSES.map((s) => ({ value: s, label: CLAIM_STATUS_LABELS[s] }))]}
              />
              <TextInput type="date" label="Created from" value={form.from} onChange={set('from')} error={errors.from} />
              <TextInput type="date" label="Created to" value={form.to} onChange={set('to')} error={errors.to} />
              <TextInput
                label="Patient id"
                description="Optional: the patient's record id"
                value={form.patient}
                onChange={set('patient')}
                error={errors.patient}
                autoComplete="off"
              />
            </FormGrid>
            <Group gap="sm">
              <Button type="submit" loading={search.isFetching && !search.isFetchingNextPage}>
                Apply filters
              </Button>
              <Button
                variant="default"
                onClick={() => {
                  setForm(EMPTY);
                  setFilters(EMPTY);
                  setErrors({});
                }}
              >
                Clear
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>

      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="claims-heading">
        <Title order={2} size="h4" id="claims-heading" mb="xs">
          Claims, newest first
        </Title>
        <Text size="sm" mb="sm">
          Claims of patients whose consent withholds their record from you are not listed (and no total is given).
        </Text>
        {search.isPending ? (
          <Loading label="Loading claims" />
        ) : search.isError && !search.data ? (
          <ErrorAlert error={search.error} />
        ) : rows.length === 0 ? (
          <Text>No claim matches these filters.</Text>
        ) : (
          <Stack gap="sm">
            <Table striped highlightOnHover withTableBorder>
              <Table.Caption>
                Claims ({rows.length}
                {search.hasNextPage ? ' shown, more available' : ''})
              </Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Created</Table.Th>
                  <Table.Th scope="col">Patient</Table.Th>
                  <Table.Th scope="col">Provider</Table.Th>
                  <Table.Th scope="col">Insurer</Table.Th>
                  <Table.Th scope="col" style={{ textAlign: 'right' }}>
                    Total
                  </Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                  {canWrite && <Table.Th scope="col">Action</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((claim) => {
                  const patientRef = claim.patient?.reference;
                  const name = (patientRef && names.get(patientRef)) ?? claim.patient?.display;
                  const status = claim.status ?? 'unknown';
                  return (
                    <Table.Tr key={claim.id}>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>{dateTime(claim.created) || '—'}</Table.Td>
                      <Table.Td>
                        {name ? (
                          <>
                            <Text size="sm" fw={600}>
                              {name}
                            </Text>
                            <Text size="xs" c="gray.7">
                              {patientRef}
                            </Text>
                          </>
                        ) : (
                          <Text size="sm">{patientRef ?? '—'}</Text>
                        )}
                      </Table.Td>
                      <Table.Td>{reference(claim.provider) || '—'}</Table.Td>
                      <Table.Td>{reference(claim.insurer) || '—'}</Table.Td>
                      <Table.Td style={{ textAlign: 'right', whiteSpace: 'nowrap' }}>{money(claim.total)}</Table.Td>
                      <Table.Td>
                        <Badge color={CLAIM_STATUS_COLORS[status] ?? 'gray'} variant="light">
                          {CLAIM_STATUS_LABELS[status] ?? status}
                        </Badge>
                      </Table.Td>
                      {canWrite && (
                        <Table.Td>
                          <Anchor component={Link} to={`/claims/${encodeURIComponent(claim.id ?? '')}`} aria-label={`Edit claim created ${dateTime(claim.created) || 'on an unknown date'} for ${name ?? patientRef ?? 'unknown patient'}`}>
                            Edit
                          </Anchor>
                        </Table.Td>
                      )}
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
            <LoadMore query={search} />
          </Stack>
        )}
      </Paper>
    </Stack>
  );
}
