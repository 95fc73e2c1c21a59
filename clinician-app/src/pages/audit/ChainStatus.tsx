import { Alert, Button, Group, List, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useFhir } from '../../auth/AuthContext';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { auditTime, type Parameters } from './auditEvent';

export interface ChainVerification {
  intact: boolean;
  checked?: number;
  firstBroken?: string;
  findings: string[];
}

/**
 * `GET [base]/$verify-audit-chain` answers Parameters: `intact` (boolean), `checked` (integer:
 * records checked), `firstBroken` (string, when broken) and one `finding` (string) per problem.
 */
export function readVerification(parameters: Parameters): ChainVerification {
  const all = parameters.parameter ?? [];
  const one = (name: string) => all.find((p) => p.name === name);
  return {
    intact: one('intact')?.valueBoolean === true,
    checked: one('checked')?.valueInteger,
    firstBroken: one('firstBroken')?.valueString,
    findings: all.filter((p) => p.name === 'finding').map((p) => p.valueString ?? ''),
  };
}

/** Whether the audit trail's hash chains are intact (nothing removed, changed or reordered). */
export function ChainStatus() {
  const fhir = useFhir();
  const verification = useQuery({
    queryKey: ['verify-audit-chain'],
    queryFn: async () => readVerification(await fhir.request<Parameters>('GET', '$verify-audit-chain')),
    staleTime: 0,
    gcTime: 0,
  });
  const result = verification.data;

  return (
    <Stack gap="md">
      <div>
        <Title order={1} size="h2">
          Audit chain status
        </Title>
        <Text c="gray.7" size="sm">
          Each server node&apos;s audit records form a hash chain with signed checkpoints. The check walks every chain
          and reports any record removed, changed or reordered, and any checkpoint that does not match.
        </Text>
      </div>

      <Paper withBorder p="md" component="section" aria-labelledby="chain-result-heading" aria-busy={verification.isFetching}>
        <Group justify="space-between" mb="sm">
          <Title order={2} size="h4" id="chain-result-heading">
            Result
          </Title>
          <Button onClick={() => void verification.refetch()} loading={verification.isFetching}>
            Check again
          </Button>
        </Group>
        <ErrorAlert error={verification.error} title="The chain could not be verified" />
        {verification.isPending && verification.isFetching ? (
          <Loading label="Verifying the audit chain" />
        ) : (
          result && (
            <Stack gap="md">
              {result.intact ? (
                <Alert color="green" variant="filled" role="status" title="Intact" data-testid="chain-intact">
                  <Text size="lg" c="white">
                    The audit trail is intact: no record was removed, changed or reordered.
                  </Text>
                </Alert>
              ) : (
                <Alert color="red" variant="filled" role="alert" title="Broken" data-testid="chain-broken">
                  <Text size="lg" c="white">
                    The audit trail is broken: records were removed or changed outside the server. Treat this as a
                    security incident.
                  </Text>
                </Alert>
              )}
              <Table withTableBorder variant="vertical" aria-label="Verification details">
                <Table.Tbody>
                  <Table.Tr>
                    <Table.Th scope="row" style={{ width: '14rem' }}>
                      Records checked
                    </Table.Th>
                    <Table.Td>{result.checked?.toLocaleString() ?? '—'}</Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Th scope="row">Checked at</Table.Th>
                    <Table.Td>{auditTime(new Date(verification.dataUpdatedAt).toISOString())}</Table.Td>
                  </Table.Tr>
                  {!result.intact && (
                    <Table.Tr>
                      <Table.Th scope="row">First broken</Table.Th>
                      <Table.Td>{result.firstBroken ?? result.findings[0] ?? '—'}</Table.Td>
                    </Table.Tr>
                  )}
                  <Table.Tr>
                    <Table.Th scope="row">Findings</Table.Th>
                    <Table.Td>{result.findings.length}</Table.Td>
                  </Table.Tr>
                </Table.Tbody>
              </Table>
              {result.findings.length > 0 && (
                <div>
                  <Title order={3} size="h5" mb="xs">
                    Every finding
                  </Title>
                  <List type="ordered" size="sm" spacing={4}>
                    {result.findings.map((finding, index) => (
                      <List.Item key={index}>{finding}</List.Item>
                    ))}
                  </List>
                </div>
              )}
            </Stack>
          )
        )}
      </Paper>
    </Stack>
  );
}
