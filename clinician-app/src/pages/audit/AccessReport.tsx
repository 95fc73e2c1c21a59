import { useState, type FormEvent } from 'react';
import { Alert, Button, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { query, resources, type Bundle } from '../../api/fhir';
import { useFhir } from '../../auth/AuthContext';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { downloadCsv } from '../../fhir/csv';
import {
  ACTIONS,
  auditTime,
  clientOf,
  endOfDay,
  operationOf,
  patientId,
  periodError,
  queryOf,
  resourceOf,
  sourceAddressOf,
  startOfDay,
  subtypeOf,
  userOf,
  type AuditEvent,
} from './auditEvent';
import { OutcomeBadge, PeriodFields, PurposeOfUse } from './components';

interface ReportRequest {
  patient: string;
  from: string;
  to: string;
}

/** `Patient/{id}/$access-report?start=…&end=…` (local days as instants; the end day counts whole). */
export function accessReportPath(request: ReportRequest, format?: 'csv'): string {
  return `Patient/${encodeURIComponent(request.patient)}/$access-report?${query({
    start: startOfDay(request.from),
    end: endOfDay(request.to),
    format,
  })}`;
}

function localDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The HIPAA §164.528 accounting of disclosures of one patient's record. */
export function AccessReport() {
  const fhir = useFhir();
  const [searchParams] = useSearchParams();
  const today = new Date();
  const yearAgo = new Date(today.getFullYear() - 1, today.getMonth(), today.getDate());
  const [patient, setPatient] = useState(searchParams.get('patient') ?? '');
  const [from, setFrom] = useState(searchParams.get('from') ?? localDay(yearAgo));
  const [to, setTo] = useState(searchParams.get('to') ?? localDay(today));
  const [submitted, setSubmitted] = useState(false);
  const initialPatient = patientId(searchParams.get('patient') ?? '');
  const [request, setRequest] = useState<ReportRequest | undefined>(
    initialPatient ? { patient: initialPatient, from, to } : undefined,
  );

  const patientError = submitted && !patientId(patient) ? 'Enter the patient id.' : undefined;
  const dateError = periodError(from, to);

  const report = useQuery({
    queryKey: ['access-report', request],
    queryFn: () => fhir.request<Bundle<AuditEvent>>('GET', accessReportPath(request!)),
    enabled: request !== undefined,
  });

  const csv = useMutation({
    mutationFn: async (current: ReportRequest) => {
      const response = await fhir.send('GET', accessReportPath(current, 'csv'), { accept: 'text/csv' });
      return { text: await response.text(), current };
    },
    onSuccess: ({ text, current }) => {
      downloadCsv(`access-report-${current.patient}-${current.from || 'start'}-to-${current.to || 'now'}.csv`, text);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    const id = patientId(patient);
    if (!id || dateError) {
      return;
    }
    csv.reset();
    setRequest({ patient: id, from, to });
  };

  const events = resources(report.data);

  return (
    <Stack gap="md">
      <div>
        <Title order={1} size="h2">
          Access report
        </Title>
        <Text c="gray.7" size="sm">
          The accounting of disclosures under HIPAA §164.528: every access to or change of one patient&apos;s record in a
          period, with who, when, what, from where and with which app.
        </Text>
      </div>

      <Alert color="blue" variant="light" role="note" title="HIPAA §164.528 accounting of disclosures">
        A patient has the right to an accounting of disclosures of their protected health information. This report lists
        every access to or change of the patient&apos;s record that the audit trail holds for the period (up to 10,000
        entries; narrow the period for more), including refused attempts. Give the patient the CSV download or a print
        of this page.
      </Alert>

      <Paper withBorder p="md" component="form" role="search" aria-label="Access report for a patient" onSubmit={submit}>
        <Group align="flex-end" gap="md" wrap="wrap">
          <TextInput
            label="Patient"
            description="Id or Patient/id"
            required
            value={patient}
            onChange={(e) => setPatient(e.currentTarget.value)}
            error={patientError}
            w={220}
          />
          <PeriodFields
            idPrefix="report"
            from={from}
            to={to}
            onFrom={setFrom}
            onTo={setTo}
            error={submitted ? dateError : undefined}
          />
          <Button type="submit">
            Show report
          </Button>
        </Group>
      </Paper>

      {request && (
        <Paper withBorder p="md" component="section" aria-labelledby="report-heading">
          <Group justify="space-between" mb="sm" align="flex-start">
            <div>
              <Title order={2} size="h4" id="report-heading">
                Accesses to Patient/{request.patient}
              </Title>
              <Text size="sm" c="gray.7">
                {request.from || 'From the start of the trail'} to {request.to || 'now'} (local time)
                {report.isSuccess && ` · ${report.data?.total ?? events.length} entries`}
              </Text>
            </div>
            <Button
              variant="default"
              onClick={() => csv.mutate(request)}
              loading={csv.isPending}
              aria-label={`Download CSV of the access report of Patient/${request.patient}`}
            >
              Download CSV
            </Button>
          </Group>
          <Stack gap="sm">
            <ErrorAlert error={csv.error} title="The CSV could not be downloaded" />
            <ErrorAlert error={report.error} />
            {report.isPending ? (
              <Loading label="Loading the access report" />
            ) : report.isSuccess && events.length === 0 ? (
              <Text>No accesses to this patient&apos;s record are recorded in this period.</Text>
            ) : (
              events.length > 0 && <ReportTable events={events} patient={request.patient} />
            )}
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}

function ReportTable({ events, patient }: { events: AuditEvent[]; patient: string }) {
  return (
    <Table.ScrollContainer minWidth={1000}>
      <Table striped highlightOnHover withTableBorder verticalSpacing="xs">
        <Table.Caption>Accesses to Patient/{patient}, newest first</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Who</Table.Th>
            <Table.Th>What</Table.Th>
            <Table.Th>Outcome</Table.Th>
            <Table.Th>From where</Table.Th>
            <Table.Th>With which app</Table.Th>
            <Table.Th>Purpose</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.map((event, index) => {
            const user = userOf(event);
            const target = operationOf(event) ?? resourceOf(event) ?? queryOf(event);
            return (
              <Table.Tr key={event.id ?? index}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{auditTime(event.recorded)}</Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                    {user.fhirUser ?? user.id ?? '—'}
                  </Text>
                  {(user.roles.length > 0 || (user.fhirUser && user.id)) && (
                    <Text size="xs" c="gray.7">
                      {[user.roles.join(', '), user.fhirUser ? user.id : undefined].filter(Boolean).join(' · ')}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {event.action ? (ACTIONS[event.action] ?? event.action) : ''} {subtypeOf(event) && `(${subtypeOf(event)})`}
                  </Text>
                  {target && (
                    <Text size="xs" c="gray.7" style={{ overflowWrap: 'anywhere' }} lineClamp={2}>
                      {target}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <OutcomeBadge event={event} />
                </Table.Td>
                <Table.Td>{sourceAddressOf(event) ?? '—'}</Table.Td>
                <Table.Td>{clientOf(event) ?? '—'}</Table.Td>
                <Table.Td>
                  <PurposeOfUse event={event} />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
