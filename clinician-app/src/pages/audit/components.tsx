import type { ReactNode } from 'react';
import { Anchor, Badge, Code, Group, List, Table, Text, TextInput } from '@mantine/core';
import { Link } from 'react-router';
import {
  ACTIONS,
  auditTime,
  clientOf,
  consentDecisionsOf,
  isBreakGlass,
  operationOf,
  outcomeOf,
  patientsOf,
  purposeCodes,
  purposeLabel,
  PURPOSES,
  queryOf,
  resourceOf,
  subtypeOf,
  typeLabel,
  userOf,
  type AuditEvent,
} from './auditEvent';

/** The outcome of a record: green success, red denied (401/403) or server error, orange other failures. */
export function OutcomeBadge({ event }: { event: AuditEvent }) {
  const outcome = outcomeOf(event);
  return (
    <Badge
      color={outcome.color}
      variant={outcome.color === 'red' ? 'filled' : 'light'}
      data-outcome={outcome.denied ? 'denied' : outcome.color === 'green' ? 'success' : 'failure'}
      style={{ whiteSpace: 'nowrap' }}
    >
      {outcome.label}
    </Badge>
  );
}

/** Why the access was made; a break-glass access is marked, as auditors review those first. */
export function PurposeOfUse({ event }: { event: AuditEvent }) {
  return (
    <Group gap={4}>
      <Text size="sm">{purposeLabel(event) || '—'}</Text>
      {isBreakGlass(event) && (
        <Badge color="orange" variant="light" size="sm">
          Break-glass
        </Badge>
      )}
    </Group>
  );
}

/** From/to day inputs of a period (local days, both inclusive). */
export function PeriodFields({
  from,
  to,
  onFrom,
  onTo,
  error,
  idPrefix,
}: {
  from: string;
  to: string;
  onFrom: (value: string) => void;
  onTo: (value: string) => void;
  error?: string;
  idPrefix: string;
}) {
  return (
    <>
      <TextInput id={`${idPrefix}-from`} type="date" label="From" value={from} onChange={(e) => onFrom(e.currentTarget.value)} />
      <TextInput
        id={`${idPrefix}-to`}
        type="date"
        label="To"
        value={to}
        onChange={(e) => onTo(e.currentTarget.value)}
        error={error}
      />
    </>
  );
}

/** A patient reference with a link to the patient's accesses in the audit trail. */
export function PatientLinks({ patients }: { patients: string[] }) {
  if (!patients.length) {
    return <Text c="gray.7" size="sm">—</Text>;
  }
  const shown = patients.slice(0, 3);
  return (
    <Group gap={4}>
      {shown.map((patient) => (
        <Anchor key={patient} component={Link} to={`/audit/events?patient=${encodeURIComponent(patient)}`} size="sm">
          {patient}
        </Anchor>
      ))}
      {patients.length > shown.length && (
        <Text size="sm" c="gray.7">
          +{patients.length - shown.length} more
        </Text>
      )}
    </Group>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th scope="row" style={{ width: '12rem', verticalAlign: 'top' }}>
        {label}
      </Table.Th>
      <Table.Td style={{ overflowWrap: 'anywhere' }}>{children}</Table.Td>
    </Table.Tr>
  );
}

/** Every field of a record an auditor may need: who, what, when, where, why, and what consent decided. */
export function AuditEventDetails({ event }: { event: AuditEvent }) {
  const user = userOf(event);
  const client = clientOf(event);
  const patients = patientsOf(event);
  const decisions = consentDecisionsOf(event);
  const purposes = purposeCodes(event);
  const query = queryOf(event);
  const operation = operationOf(event);
  const resource = resourceOf(event);
  return (
    <Table variant="vertical" withTableBorder layout="fixed" aria-label={`Audit record ${event.id ?? ''} details`}>
      <Table.Tbody>
        <Row label="Record">
          AuditEvent/{event.id} · {typeLabel(event)} · {subtypeOf(event) || '—'}
        </Row>
        <Row label="Recorded">
          {auditTime(event.recorded)} <Text span c="gray.7" size="sm">({event.recorded})</Text>
        </Row>
        <Row label="Action">{event.action ? `${ACTIONS[event.action] ?? event.action} (${event.action})` : '—'}</Row>
        <Row label="Outcome">
          <Group gap="xs">
            <OutcomeBadge event={event} />
            <Text size="sm">{event.outcomeDesc ?? ''}</Text>
          </Group>
        </Row>
        <Row label="User">
          {user.fhirUser || user.id ? (
            <>
              {user.fhirUser && <div>{user.fhirUser}</div>}
              {user.id && (
                <div>
                  User id <Code>{user.id}</Code>
                </div>
              )}
              {user.roles.length > 0 && <div>Roles: {user.roles.join(', ')}</div>}
              {user.token && (
                <div>
                  Token id <Code>{user.token}</Code>
                </div>
              )}
            </>
          ) : (
            '—'
          )}
        </Row>
        <Row label="App (client)">{client ?? '—'}</Row>
        <Row label="Source address">{user.address ?? '—'}</Row>
        <Row label="Server node">{event.source?.observer?.display ?? '—'}</Row>
        <Row label="Purpose of use">
          {purposes.length
            ? purposes.map((code) => `${PURPOSES[code] ?? code} (${code})`).join(', ')
            : '—'}
        </Row>
        <Row label="Consent decisions">
          {decisions.length ? (
            <List size="sm">
              {decisions.map((decision, index) => (
                <List.Item key={index}>
                  <Badge
                    size="sm"
                    variant="light"
                    color={decision.startsWith('deny') ? 'red' : decision.includes('break-glass') ? 'orange' : 'green'}
                    mr={6}
                  >
                    {decision.split(' ')[0]}
                  </Badge>
                  {decision}
                </List.Item>
              ))}
            </List>
          ) : (
            'None recorded (no consent restricted or released anything)'
          )}
        </Row>
        <Row label="Patients">
          <PatientLinks patients={patients} />
        </Row>
        {resource && <Row label="Resource">{resource}</Row>}
        {operation && <Row label="Operation">{operation}</Row>}
        {query && (
          <Row label="Query">
            <Code block style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
              {query}
            </Code>
          </Row>
        )}
      </Table.Tbody>
    </Table>
  );
}
