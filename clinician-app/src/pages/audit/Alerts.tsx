import { useState, type FormEvent } from 'react';
import { Anchor, Badge, Button, Group, NativeSelect, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { resources, type Bundle } from '../../api/fhir';
import { useFhir } from '../../auth/AuthContext';
import { ErrorAlert } from '../../components/ErrorAlert';
import { LoadMore } from '../../components/LoadMore';
import { Loading } from '../../components/Loading';
import {
  auditTime,
  clientOf,
  dateRange,
  patientsOf,
  periodError,
  sourceAddressOf,
  subtypeOf,
  userOf,
  type AuditEvent,
} from './auditEvent';
import { PatientLinks, PeriodFields } from './components';
import { nextPath } from '../../api/fhir';

/** The alert rules of the server (docs/audit.md, AuditAlerts), in plain words. */
export const ALERT_RULES: { code: string; title: string; description: string }[] = [
  {
    code: 'many-patients',
    title: 'Many patients',
    description: 'One user read more than 50 different patients’ records within an hour.',
  },
  {
    code: 'repeated-denials',
    title: 'Repeated denials',
    description:
      'More than 10 requests were refused (401/403) for one user, or from one network address, within 10 minutes: someone may be probing for data they may not see.',
  },
  {
    code: 'after-hours-bulk',
    title: 'After-hours bulk reading',
    description: 'One user read more than 20 different patients outside working hours (07:00–19:00).',
  },
  {
    code: 'break-glass',
    title: 'Break-glass',
    description:
      'A clinician declared emergency access (break-glass) to a patient, or accessed a patient under one. Review it in the break-glass queue.',
  },
  {
    code: 'no-treatment-relationship',
    title: 'No treatment relationship',
    description:
      'A clinician reached (under break-glass) or tried to reach (refused by consent) a patient they have no treatment relationship with.',
  },
  {
    code: 'self-made-relationship',
    title: 'Self-made relationship',
    description:
      'A clinician tried to make themself a patient’s treating practitioner (an Encounter, CareTeam or general practitioner naming themself); it was refused.',
  },
  {
    code: 'account-locked',
    title: 'Account locked',
    description:
      'A login name was locked after 5 failed passwords (maybe someone locking the user out: see the source address) or 5 failed second factors (someone has the password).',
  },
  {
    code: 'access-granted',
    title: 'Access granted',
    description:
      'An administrator granted access: a user created, enabled or given roles, or a backend client registered (its roles and scopes).',
  },
];

const RULE_OPTIONS = [{ value: '', label: 'All rules' }, ...ALERT_RULES.map((rule) => ({ value: rule.code, label: rule.title }))];

interface AlertFilters {
  rule: string;
  from: string;
  to: string;
}

/**
 * Alerts are records of type DICOM 110113 "Security Alert" with the rule as subtype and outcome 8
 * (the server's other security events share the type but never that outcome).
 */
export function alertSearchParams(filters: AlertFilters): Record<string, string | string[] | undefined> {
  return {
    type: '110113',
    outcome: '8',
    subtype: filters.rule || undefined,
    date: dateRange(filters.from, filters.to),
    _sort: '-date',
    _count: '50',
  };
}

export function ruleTitle(code: string): string {
  return ALERT_RULES.find((rule) => rule.code === code)?.title ?? code;
}

/** Security alerts raised by the server's rules over the audit trail. */
export function Alerts() {
  const fhir = useFhir();
  const [filters, setFilters] = useState<AlertFilters>({ rule: '', from: '', to: '' });
  const [draft, setDraft] = useState<AlertFilters>(filters);
  const [submitted, setSubmitted] = useState(false);
  const params = alertSearchParams(filters);
  const error = periodError(draft.from, draft.to);

  const alerts = useInfiniteQuery({
    queryKey: ['audit-alerts', params],
    queryFn: ({ pageParam }) =>
      pageParam ? fhir.request<Bundle<AuditEvent>>('GET', pageParam) : fhir.search<AuditEvent>('AuditEvent', params),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => nextPath(last),
  });
  const events = alerts.data?.pages.flatMap((page) => resources(page)) ?? [];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (!error) {
      setFilters(draft);
    }
  };

  return (
    <Stack gap="md">
      <div>
        <Title order={1} size="h2">
          Security alerts
        </Title>
        <Text c="gray.7" size="sm">
          Raised by the server&apos;s rules as records are committed (once per user or address per window). Times are in
          your local time zone.
        </Text>
      </div>

      <Paper withBorder p="md" component="form" role="search" aria-label="Filter alerts" onSubmit={submit}>
        <Group align="flex-end" gap="md" wrap="wrap">
          <NativeSelect
            label="Rule"
            data={RULE_OPTIONS}
            value={draft.rule}
            onChange={(e) => setDraft({ ...draft, rule: e.currentTarget.value })}
            w={260}
          />
          <PeriodFields
            idPrefix="alerts"
            from={draft.from}
            to={draft.to}
            onFrom={(from) => setDraft({ ...draft, from })}
            onTo={(to) => setDraft({ ...draft, to })}
            error={submitted ? error : undefined}
          />
          <Button type="submit">Show alerts</Button>
        </Group>
      </Paper>

      <Paper withBorder p="md" component="section" aria-labelledby="alerts-heading">
        <Group justify="space-between" mb="sm">
          <Title order={2} size="h4" id="alerts-heading">
            Alerts
          </Title>
          {alerts.isSuccess && (
            <Text size="sm" c="gray.7" aria-live="polite">
              {events.length} shown{alerts.hasNextPage ? ', more available' : ''}
            </Text>
          )}
        </Group>
        <ErrorAlert error={alerts.error} />
        {alerts.isPending ? (
          <Loading label="Loading alerts" />
        ) : alerts.isSuccess && events.length === 0 ? (
          <Text>No alerts for these filters.</Text>
        ) : (
          events.length > 0 && (
            <Table.ScrollContainer minWidth={950}>
              <Table striped highlightOnHover withTableBorder verticalSpacing="xs" aria-label="Security alerts, newest first">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Time</Table.Th>
                    <Table.Th>Rule</Table.Th>
                    <Table.Th>User</Table.Th>
                    <Table.Th>Patient(s)</Table.Th>
                    <Table.Th>Source address</Table.Th>
                    <Table.Th>Details</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {events.map((event, index) => {
                    const user = userOf(event);
                    const client = clientOf(event);
                    const agent = user.id ?? client;
                    return (
                      <Table.Tr key={event.id ?? index}>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>{auditTime(event.recorded)}</Table.Td>
                        <Table.Td>
                          <Badge color="red" variant="light" style={{ whiteSpace: 'nowrap' }}>
                            {ruleTitle(subtypeOf(event))}
                          </Badge>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                            {user.fhirUser ?? user.id ?? '—'}
                          </Text>
                          {(user.fhirUser && user.id) || client ? (
                            <Text size="xs" c="gray.7">
                              {[user.fhirUser ? user.id : undefined, client ? `via ${client}` : undefined].filter(Boolean).join(' · ')}
                            </Text>
                          ) : null}
                          {agent && (
                            <Anchor component={Link} to={`/audit/events?agent=${encodeURIComponent(agent)}`} size="xs">
                              See this user&apos;s activity
                            </Anchor>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <PatientLinks patients={patientsOf(event)} />
                        </Table.Td>
                        <Table.Td>{sourceAddressOf(event) ?? '—'}</Table.Td>
                        <Table.Td>
                          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                            {event.outcomeDesc ?? ''}
                          </Text>
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        )}
        <LoadMore query={alerts} showError={false} justify="center" mt="md" />
      </Paper>

      <Paper withBorder p="md" component="section" aria-labelledby="rules-heading">
        <Title order={2} size="h4" id="rules-heading" mb="sm">
          What each rule means
        </Title>
        <Table withTableBorder variant="vertical" aria-label="Alert rules">
          <Table.Tbody>
            {ALERT_RULES.map((rule) => (
              <Table.Tr key={rule.code}>
                <Table.Th scope="row" style={{ width: '16rem', verticalAlign: 'top' }}>
                  {rule.title}
                  <Text size="xs" c="gray.7" ff="monospace">
                    {rule.code}
                  </Text>
                </Table.Th>
                <Table.Td>{rule.description}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Text size="sm" c="gray.7" mt="sm">
          Thresholds and working hours are the server&apos;s defaults; an administrator may have changed them. Each rule
          fires at most once per user (or address) per window, counted per server node.
        </Text>
      </Paper>
    </Stack>
  );
}
