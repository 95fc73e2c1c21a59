import { useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { FhirError, type Bundle, type FhirClient, type Resource } from '../../api/fhir';
import { useClaims, useFhir } from '../../auth/AuthContext';
import { can, primaryRole, ROLE_LABELS } from '../../auth/permissions';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { downloadCsv } from '../../fhir/csv';
import { CLAIM_STATUS_COLORS, CLAIM_STATUS_LABELS, localDay } from '../billing/claimModel';
import { fetchAll } from '../../api/fhir';
import {
  amount,
  claimCsv,
  claimsByStatusAndPayer,
  claimTotals,
  encounterCsv,
  encountersByClass,
  ENCOUNTER_STATUS_LABELS,
  PAGE_SIZE,
  REPORT_LIMIT,
  type ClaimLite,
  type EncounterLite,
} from './PanelReportsModel';

interface Period {
  from: string;
  to: string;
  /** Each run is a new query (and a new audited search), even for the same period. */
  run: number;
}

function firstOfMonth(): string {
  const now = new Date();
  return localDay(new Date(now.getFullYear(), now.getMonth(), 1));
}

const claimStatusLabel = (status: string) => CLAIM_STATUS_LABELS[status] ?? status;

async function loadEncounters(fhir: FhirClient, period: Period) {
  const first = await fhir.search<EncounterLite>('Encounter', {
    date: [`ge${period.from}`, `le${period.to}`],
    _count: PAGE_SIZE,
    // minimum necessary: the report needs nothing else of an encounter
    _elements: 'class,status',
  });
  return fetchAll(fhir, first, REPORT_LIMIT);
}

async function loadClaims(fhir: FhirClient, period: Period) {
  const params = {
    created: [`ge${period.from}`, `le${period.to}`],
    _count: PAGE_SIZE,
    _elements: 'status,insurer,total',
  };
  let first: Bundle<ClaimLite>;
  try {
    // payers' names, for claims whose insurer reference has no display
    first = await fhir.search<ClaimLite>('Claim', { ...params, _include: 'Claim:insurer' });
  } catch (error) {
    if (!(error instanceof FhirError && error.status === 403)) {
      throw error;
    }
    first = await fhir.search<ClaimLite>('Claim', params);
  }
  return fetchAll<ClaimLite>(fhir, first, REPORT_LIMIT);
}

export function PanelReports() {
  const claims = useClaims();
  const role = primaryRole(claims);
  const encountersAllowed = can(claims, 'reports.clinical');
  const claimsAllowed = can(claims, 'reports.billing');
  const [form, setForm] = useState({ from: firstOfMonth(), to: localDay() });
  const [error, setError] = useState<string>();
  const [period, setPeriod] = useState<Period>();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!form.from || !form.to) {
      setError('Give both the first and the last day of the period.');
      return;
    }
    if (form.to < form.from) {
      setError('The last day is before the first day.');
      return;
    }
    setError(undefined);
    setPeriod((current) => ({ ...form, run: (current?.run ?? 0) + 1 }));
  };

  if (!encountersAllowed && !claimsAllowed) {
    return (
      <Stack>
        <Title order={1} size="h2">
          Reports
        </Title>
        <Text>
          Your role ({claims?.roles.map((r) => ROLE_LABELS[r] ?? r).join(', ') || 'none'}) has no panel reports. Ask your
          administrator if you need one.
        </Text>
      </Stack>
    );
  }

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        Panel reports
      </Title>
      <div className="print-only">
        <Text size="sm">
          {period ? `Period ${period.from} to ${period.to}. ` : ''}Printed {new Date().toLocaleString()} by{' '}
          {claims?.name ?? claims?.fhirUser ?? claims?.subject} ({role ? ROLE_LABELS[role] : 'no role'}). Confidential.
        </Text>
      </div>

      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="report-period-heading" className="no-print">
        <Title order={2} size="h4" id="report-period-heading" mb="xs">
          Period
        </Title>
        <Text size="sm" mb="sm">
          Patients whose records you may not see are not counted: patients’ consents and the treatment relationship apply to
          reports as to every search. Running a report is recorded in the audit trail, like every search.
        </Text>
        <form onSubmit={submit} noValidate aria-label="Report period">
          <Group align="flex-start" gap="sm">
            <TextInput
              type="date"
              label="First day"
              value={form.from}
              onChange={(event) => setForm({ ...form, from: event.currentTarget.value })}
              required
            />
            <TextInput
              type="date"
              label="Last day"
              value={form.to}
              onChange={(event) => setForm({ ...form, to: event.currentTarget.value })}
              error={error}
              required
            />
            <Button type="submit" mt={25}>
              Run report
            </Button>
            {period && (
              <Button variant="default" mt={25} onClick={() => window.print()}>
                Print
              </Button>
            )}
          </Group>
        </form>
      </Paper>

      {period && encountersAllowed && <EncounterSection period={period} />}
      {period && claimsAllowed && <ClaimSection period={period} />}
    </Stack>
  );
}

function Truncated({ what }: { what: string }) {
  return (
    <Alert color="orange" variant="light" role="status" title="Incomplete count">
      Only the first {REPORT_LIMIT.toLocaleString('en-US')} {what} were counted: the period holds more. Choose a shorter period
      for a complete count.
    </Alert>
  );
}

function EncounterSection({ period }: { period: Period }) {
  const fhir = useFhir();
  const query = useQuery({
    queryKey: ['report', 'encounters', period],
    queryFn: () => loadEncounters(fhir, period),
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
  });
  const report = query.data ? encountersByClass(query.data.matches) : undefined;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="encounters-report-heading">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4" id="encounters-report-heading">
          Encounters by class and status, {period.from} to {period.to}
        </Title>
        {report && (
          <Button
            variant="default"
            size="xs"
            className="no-print"
            onClick={() => downloadCsv(`encounters-by-class-${period.from}-to-${period.to}.csv`, encounterCsv(report))}
          >
            Download CSV
          </Button>
        )}
      </Group>
      <Text size="sm" mb="sm">
        Encounters whose period falls in the days chosen, counted by class (rows) and status (columns).
      </Text>
      {query.isPending ? (
        <Loading label="Counting encounters" />
      ) : query.isError ? (
        <ErrorAlert error={query.error} title="The encounters could not be counted" />
      ) : report && report.total === 0 ? (
        <Text>No encounter you may see falls in this period.</Text>
      ) : report ? (
        <Stack gap="sm">
          {query.data.truncated && <Truncated what="encounters" />}
          <Table striped highlightOnHover withTableBorder aria-label={`Encounters by class and status, ${period.from} to ${period.to}`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Class</Table.Th>
                {report.statuses.map((status) => (
                  <Table.Th scope="col" key={status} style={{ textAlign: 'right' }}>
                    {ENCOUNTER_STATUS_LABELS[status] ?? status}
                  </Table.Th>
                ))}
                <Table.Th scope="col" style={{ textAlign: 'right' }}>
                  Total
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {report.rows.map((row) => (
                <Table.Tr key={`${row.code}|${row.label}`}>
                  <Table.Th scope="row" fw={400}>
                    {row.label}
                    {row.code && row.code !== row.label ? ` (${row.code})` : ''}
                  </Table.Th>
                  {report.statuses.map((status) => (
                    <Table.Td key={status} style={{ textAlign: 'right' }}>
                      {row.counts[status] ?? 0}
                    </Table.Td>
                  ))}
                  <Table.Td style={{ textAlign: 'right' }} fw={600}>
                    {row.total}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
            <Table.Tfoot>
              <Table.Tr>
                <Table.Th scope="row">All classes</Table.Th>
                {report.statuses.map((status) => (
                  <Table.Td key={status} style={{ textAlign: 'right' }} fw={600}>
                    {report.totals[status] ?? 0}
                  </Table.Td>
                ))}
                <Table.Td style={{ textAlign: 'right' }} fw={700} data-testid="encounters-total">
                  {report.total}
                </Table.Td>
              </Table.Tr>
            </Table.Tfoot>
          </Table>
        </Stack>
      ) : null}
    </Paper>
  );
}

function ClaimSection({ period }: { period: Period }) {
  const fhir = useFhir();
  const query = useQuery({
    queryKey: ['report', 'claims', period],
    queryFn: () => loadClaims(fhir, period),
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
  });
  const report = query.data ? claimsByStatusAndPayer(query.data.matches, query.data.included as Resource[]) : undefined;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="claims-report-heading">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4" id="claims-report-heading">
          Claims by status and payer, {period.from} to {period.to}
        </Title>
        {report && (
          <Button
            variant="default"
            size="xs"
            className="no-print"
            onClick={() => downloadCsv(`claims-by-status-and-payer-${period.from}-to-${period.to}.csv`, claimCsv(report, claimStatusLabel))}
          >
            Download CSV
          </Button>
        )}
      </Group>
      <Text size="sm" mb="sm">
        Claims created in the days chosen, counted by payer and status, with the sum of their totals.
      </Text>
      {query.isPending ? (
        <Loading label="Counting claims" />
      ) : query.isError ? (
        <ErrorAlert error={query.error} title="The claims could not be counted" />
      ) : report && report.total === 0 ? (
        <Text>No claim you may see was created in this period.</Text>
      ) : report ? (
        <Stack gap="sm">
          {query.data.truncated && <Truncated what="claims" />}
          <Table striped highlightOnHover withTableBorder aria-label={`Claims by status and payer, ${period.from} to ${period.to}`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Payer</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col" style={{ textAlign: 'right' }}>
                  Claims
                </Table.Th>
                <Table.Th scope="col" style={{ textAlign: 'right' }}>
                  Total amount
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {report.rows.map((row) => (
                <Table.Tr key={`${row.payerReference}|${row.payer}|${row.status}|${row.currency}`}>
                  <Table.Td>
                    {row.payer}
                    {row.payerReference && row.payerReference !== row.payer && (
                      <Text size="xs" c="gray.7">
                        {row.payerReference}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={CLAIM_STATUS_COLORS[row.status] ?? 'gray'} variant="light">
                      {claimStatusLabel(row.status)}
                    </Badge>
                  </Table.Td>
                  <Table.Td style={{ textAlign: 'right' }}>{row.claims}</Table.Td>
                  <Table.Td style={{ textAlign: 'right', whiteSpace: 'nowrap' }}>
                    {row.currency || row.minor ? `${row.currency} ${amount(row.minor, row.currency)}`.trim() : '—'}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
            <Table.Tfoot>
              {claimTotals(report).map((total) => (
                <Table.Tr key={total.currency}>
                  <Table.Th scope="row">All payers</Table.Th>
                  <Table.Td>All statuses</Table.Td>
                  <Table.Td style={{ textAlign: 'right' }} fw={600}>
                    {total.claims}
                  </Table.Td>
                  <Table.Td style={{ textAlign: 'right', whiteSpace: 'nowrap' }} fw={600}>
                    {total.amount ? `${total.currency} ${total.amount}`.trim() : '—'}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tfoot>
          </Table>
        </Stack>
      ) : null}
    </Paper>
  );
}
