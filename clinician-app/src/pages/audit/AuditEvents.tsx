import { Fragment, useState, type FormEvent } from 'react';
import {
  ActionIcon,
  Button,
  Group,
  NativeSelect,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { resources, type Bundle } from '../../api/fhir';
import { useFhir } from '../../auth/AuthContext';
import { ErrorAlert } from '../../components/ErrorAlert';
import { LoadMore } from '../../components/LoadMore';
import { Loading } from '../../components/Loading';
import {
  ACTIONS,
  auditTime,
  clientOf,
  dateRange,
  operationOf,
  patientReference,
  patientsOf,
  periodError,
  queryOf,
  resourceOf,
  sourceAddressOf,
  subtypeOf,
  userLabel,
  type AuditEvent,
} from './auditEvent';
import { AuditEventDetails, OutcomeBadge, PatientLinks, PeriodFields, PurposeOfUse } from './components';
import { nextPath } from '../../api/fhir';

const FILTER_KEYS = ['patient', 'agent', 'from', 'to', 'action', 'outcome', 'type', 'subtype'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
export type AuditFilters = Record<FilterKey, string>;

const PAGE_SIZE = '50';

const ACTION_OPTIONS = [
  { value: '', label: 'Any action' },
  ...Object.entries(ACTIONS).map(([code, label]) => ({ value: code, label: `${label} (${code})` })),
];

// The codes this server records (docs/audit.md): 0 success, 4 denied (401/403) or other client
// error, 8 server error and every security alert. 12 (major failure) is never used.
const OUTCOME_OPTIONS = [
  { value: '', label: 'Any outcome' },
  { value: '0', label: 'Success (0)' },
  { value: '4', label: 'Denied or client error (4)' },
  { value: '8', label: 'Server error or alert (8)' },
];

// The server maps type to its record categories: rest → FHIR requests, 110114 → every security
// event (logins, second factors, tokens, accounts), 110113 → security events and alerts.
const TYPE_OPTIONS = [
  { value: '', label: 'Any kind' },
  { value: 'rest', label: 'FHIR requests' },
  { value: '110114', label: 'Security events (logins, tokens, accounts)' },
  { value: '110113', label: 'Security events and alerts' },
];

function readFilters(params: URLSearchParams): AuditFilters {
  return Object.fromEntries(FILTER_KEYS.map((key) => [key, params.get(key) ?? ''])) as AuditFilters;
}

/** The AuditEvent search of the filters (newest first, 50 a page). */
export function auditSearchParams(filters: AuditFilters): Record<string, string | string[] | undefined> {
  return {
    patient: patientReference(filters.patient),
    agent: filters.agent.trim() || undefined,
    date: dateRange(filters.from, filters.to),
    action: filters.action || undefined,
    outcome: filters.outcome || undefined,
    type: filters.type || undefined,
    subtype: filters.subtype.trim() || undefined,
    _sort: '-date',
    _count: PAGE_SIZE,
  };
}

/** The audit trail: who did what, when, to whose record, from where, why, and how it ended. */
export function AuditEvents() {
  const fhir = useFhir();
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = readFilters(searchParams);
  const params = auditSearchParams(filters);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());

  const trail = useInfiniteQuery({
    queryKey: ['audit-events', params],
    queryFn: ({ pageParam }) =>
      pageParam ? fhir.request<Bundle<AuditEvent>>('GET', pageParam) : fhir.search<AuditEvent>('AuditEvent', params),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => nextPath(last),
  });

  const events = trail.data?.pages.flatMap((page) => resources(page)) ?? [];

  const search = (next: AuditFilters) => {
    const query = new URLSearchParams();
    for (const key of FILTER_KEYS) {
      if (next[key].trim()) {
        query.set(key, next[key].trim());
      }
    }
    setExpanded(new Set());
    setSearchParams(query);
  };

  const toggle = (id: string) =>
    setExpanded((current) => {
      const copy = new Set(current);
      if (copy.has(id)) {
        copy.delete(id);
      } else {
        copy.add(id);
      }
      return copy;
    });

  return (
    <Stack gap="md">
      <div>
        <Title order={1} size="h2">
          Audit trail
        </Title>
        <Text c="gray.7" size="sm">
          Every FHIR request, login and security alert the server recorded: who, what, when, from where, why and how it
          ended. Times are in your local time zone. Reading the trail is itself audited.
        </Text>
      </div>

      <FilterForm key={searchParams.toString()} initial={filters} onSearch={search} />

      <Paper withBorder p="md" component="section" aria-labelledby="audit-results-heading">
        <Group justify="space-between" mb="sm">
          <Title order={2} size="h4" id="audit-results-heading">
            Records
          </Title>
          {trail.isSuccess && (
            <Text size="sm" c="gray.7" aria-live="polite">
              {events.length} shown{trail.hasNextPage ? ', more available' : ''}
            </Text>
          )}
        </Group>
        <ErrorAlert error={trail.error} />
        {trail.isPending ? (
          <Loading label="Loading audit records" />
        ) : trail.isSuccess && events.length === 0 ? (
          <Text>No audit records match these filters.</Text>
        ) : (
          events.length > 0 && (
            <Table.ScrollContainer minWidth={1100}>
              <Table striped highlightOnHover withTableBorder verticalSpacing="xs" aria-label="Audit records, newest first">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th style={{ width: '2.5rem' }}>
                      <VisuallyHidden>Details</VisuallyHidden>
                    </Table.Th>
                    <Table.Th>Time</Table.Th>
                    <Table.Th>Outcome</Table.Th>
                    <Table.Th>Action</Table.Th>
                    <Table.Th>What</Table.Th>
                    <Table.Th>Patient(s)</Table.Th>
                    <Table.Th>User / client</Table.Th>
                    <Table.Th>Source address</Table.Th>
                    <Table.Th>Purpose of use</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {events.map((event, index) => {
                    const id = event.id ?? String(index);
                    const open = expanded.has(id);
                    return (
                      <Fragment key={id}>
                        <Table.Tr
                          onClick={() => toggle(id)}
                          style={{ cursor: 'pointer' }}
                          data-testid="audit-row"
                        >
                          <Table.Td>
                            <ActionIcon
                              variant="subtle"
                              color="gray.8"
                              aria-expanded={open}
                              aria-controls={`audit-details-${id}`}
                              aria-label={`${open ? 'Hide' : 'Show'} details of record ${id}`}
                              onClick={(e) => {
                                e.stopPropagation();
                                toggle(id);
                              }}
                            >
                              <span aria-hidden="true">{open ? '▾' : '▸'}</span>
                            </ActionIcon>
                          </Table.Td>
                          <Table.Td style={{ whiteSpace: 'nowrap' }}>{auditTime(event.recorded)}</Table.Td>
                          <Table.Td>
                            <OutcomeBadge event={event} />
                          </Table.Td>
                          <Table.Td>{event.action ? (ACTIONS[event.action] ?? event.action) : ''}</Table.Td>
                          <Table.Td>
                            <What event={event} />
                          </Table.Td>
                          <Table.Td onClick={(e) => e.stopPropagation()}>
                            <PatientLinks patients={patientsOf(event)} />
                          </Table.Td>
                          <Table.Td>
                            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                              {userLabel(event) || '—'}
                            </Text>
                            {clientOf(event) && (
                              <Text size="xs" c="gray.7">
                                via {clientOf(event)}
                              </Text>
                            )}
                          </Table.Td>
                          <Table.Td>{sourceAddressOf(event) ?? '—'}</Table.Td>
                          <Table.Td>
                            <PurposeOfUse event={event} />
                          </Table.Td>
                        </Table.Tr>
                        {open && (
                          <Table.Tr id={`audit-details-${id}`}>
                            <Table.Td colSpan={9} style={{ background: 'var(--mantine-color-gray-0)' }}>
                              <AuditEventDetails event={event} />
                            </Table.Td>
                          </Table.Tr>
                        )}
                      </Fragment>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        )}
        <LoadMore query={trail} showError={false} justify="center" mt="md" />
      </Paper>
    </Stack>
  );
}

function What({ event }: { event: AuditEvent }) {
  const target = operationOf(event) ?? resourceOf(event) ?? queryOf(event);
  return (
    <>
      <Text size="sm" fw={600}>
        {subtypeOf(event) || '—'}
      </Text>
      {target && (
        <Text size="xs" c="gray.7" style={{ overflowWrap: 'anywhere' }} lineClamp={2}>
          {target}
        </Text>
      )}
    </>
  );
}

function FilterForm({ initial, onSearch }: { initial: AuditFilters; onSearch: (filters: AuditFilters) => void }) {
  const [filters, setFilters] = useState(initial);
  const [submitted, setSubmitted] = useState(false);
  const set = (key: FilterKey) => (value: string) => setFilters((current) => ({ ...current, [key]: value }));
  const error = periodError(filters.from, filters.to);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (!error) {
      onSearch(filters);
    }
  };

  const clear = () => {
    const empty = Object.fromEntries(FILTER_KEYS.map((key) => [key, ''])) as AuditFilters;
    setFilters(empty);
    onSearch(empty);
  };

  return (
    <Paper withBorder p="md" component="form" role="search" aria-label="Filter the audit trail" onSubmit={submit}>
      <Stack gap="sm">
        <Group align="flex-start" gap="md" wrap="wrap">
          <TextInput
            label="Patient"
            description="Id or Patient/id"
            value={filters.patient}
            onChange={(e) => set('patient')(e.currentTarget.value)}
            w={200}
          />
          <TextInput
            label="User or client"
            description="User id or client id"
            value={filters.agent}
            onChange={(e) => set('agent')(e.currentTarget.value)}
            w={220}
          />
          <Group gap="md" align="flex-start" wrap="nowrap">
            <PeriodFields
              idPrefix="audit"
              from={filters.from}
              to={filters.to}
              onFrom={set('from')}
              onTo={set('to')}
              error={submitted ? error : undefined}
            />
          </Group>
        </Group>
        <Group align="flex-start" gap="md" wrap="wrap">
          <NativeSelect
            label="Action"
            data={ACTION_OPTIONS}
            value={filters.action}
            onChange={(e) => set('action')(e.currentTarget.value)}
            w={170}
          />
          <NativeSelect
            label="Outcome"
            data={OUTCOME_OPTIONS}
            value={filters.outcome}
            onChange={(e) => set('outcome')(e.currentTarget.value)}
            w={240}
          />
          <NativeSelect
            label="Kind of record"
            data={TYPE_OPTIONS}
            value={filters.type}
            onChange={(e) => set('type')(e.currentTarget.value)}
            w={300}
          />
          <TextInput
            label="Interaction or event"
            description="e.g. read, search-type, create, operation, login-failure"
            value={filters.subtype}
            onChange={(e) => set('subtype')(e.currentTarget.value)}
            w={300}
          />
        </Group>
        <Group gap="sm">
          <Button type="submit">Search</Button>
          <Button variant="default" onClick={clear}>
            Clear filters
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
