import { useState, type FormEvent } from 'react';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { FhirError } from '../../api/fhir';
import { useFhir } from '../../auth/AuthContext';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { auditTime, type Parameters, type ParametersParameter } from './auditEvent';

export const REASONS: Record<string, string> = {
  'emergency-treatment': 'Emergency treatment',
  'patient-unable-to-consent': 'Patient unable to consent',
  'urgent-continuity-of-care': 'Urgent continuity of care',
  other: 'Other',
};

const MAX_NOTE = 2000;

export interface Declaration {
  id: string;
  patient?: string;
  user?: string;
  practitioner?: string;
  client?: string;
  reason?: string;
  text?: string;
  declared?: string;
  expires?: string;
  reviewed: boolean;
  reviewedAt?: string;
  reviewer?: string;
  note?: string;
}

/**
 * `GET [base]/$break-glass-review[?status=all]` answers Parameters: `count`, then one `declaration`
 * per item whose parts are id, patient (Reference), user, practitioner (Reference), client, reason
 * (Coding), text, declared, expires (instants), reviewed (boolean), reviewed-at, reviewer, note.
 */
export function readDeclarations(parameters: Parameters): Declaration[] {
  return (parameters.parameter ?? [])
    .filter((p) => p.name === 'declaration')
    .map((p) => {
      const parts = p.part ?? [];
      const part = (name: string): ParametersParameter | undefined => parts.find((item) => item.name === name);
      return {
        id: part('id')?.valueString ?? '',
        patient: part('patient')?.valueReference?.reference,
        user: part('user')?.valueString,
        practitioner: part('practitioner')?.valueReference?.reference,
        client: part('client')?.valueString,
        reason: part('reason')?.valueCoding?.code ?? part('reason')?.valueCode,
        text: part('text')?.valueString,
        declared: part('declared')?.valueInstant,
        expires: part('expires')?.valueInstant,
        reviewed: part('reviewed')?.valueBoolean === true,
        reviewedAt: part('reviewed-at')?.valueInstant,
        reviewer: part('reviewer')?.valueString,
        note: part('note')?.valueString,
      };
    });
}

/** Compliance's queue of break-glass declarations (emergency access) to review. */
export function BreakGlassReview() {
  const fhir = useFhir();
  const queryClient = useQueryClient();
  const [showAll, setShowAll] = useState(false);
  const [reviewing, setReviewing] = useState<Declaration | undefined>();
  const [notice, setNotice] = useState<{ kind: 'success' | 'conflict'; text: string } | undefined>();

  const queue = useQuery({
    queryKey: ['break-glass-review', showAll ? 'all' : 'unreviewed'],
    queryFn: async () =>
      readDeclarations(await fhir.request<Parameters>('GET', showAll ? '$break-glass-review?status=all' : '$break-glass-review')),
  });

  const refresh = () => queryClient.invalidateQueries({ queryKey: ['break-glass-review'] });

  const onReviewed = (declaration: Declaration, outcome: 'success' | 'conflict') => {
    setReviewing(undefined);
    setNotice(
      outcome === 'success'
        ? { kind: 'success', text: `Declaration ${declaration.id} (${declaration.patient ?? 'patient'}) is marked reviewed.` }
        : {
            kind: 'conflict',
            text: `Declaration ${declaration.id} was already reviewed by someone else; the list has been refreshed. A review is never overwritten.`,
          },
    );
    void refresh();
  };

  const declarations = queue.data ?? [];

  return (
    <Stack gap="md">
      <div>
        <Title order={1} size="h2">
          Break-glass review
        </Title>
        <Text c="gray.7" size="sm">
          Every emergency access (break-glass) a clinician declared, oldest first. Judge each justification against the
          accesses made under it, then record your finding. Times are in your local time zone.
        </Text>
      </div>

      {notice && (
        <Alert
          color={notice.kind === 'success' ? 'green' : 'orange'}
          role={notice.kind === 'success' ? 'status' : 'alert'}
          variant="light"
          title={notice.kind === 'success' ? 'Review recorded' : 'Already reviewed by someone else'}
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={() => setNotice(undefined)}
        >
          {notice.text}
        </Alert>
      )}

      <Paper withBorder p="md" component="section" aria-labelledby="queue-heading">
        <Group justify="space-between" mb="sm">
          <Title order={2} size="h4" id="queue-heading">
            {showAll ? 'All declarations' : 'Awaiting review'}
          </Title>
          <Group gap="md">
            {queue.isSuccess && (
              <Text size="sm" c="gray.7" aria-live="polite">
                {declarations.length} {declarations.length === 1 ? 'declaration' : 'declarations'}
              </Text>
            )}
            <Switch
              label="Show all (reviewed too)"
              checked={showAll}
              onChange={(e) => setShowAll(e.currentTarget.checked)}
            />
            <Button variant="default" size="xs" onClick={() => void refresh()} loading={queue.isFetching && !queue.isPending}>
              Refresh
            </Button>
          </Group>
        </Group>
        <ErrorAlert error={queue.error} />
        {queue.isPending ? (
          <Loading label="Loading the review queue" />
        ) : queue.isSuccess && declarations.length === 0 ? (
          <Text>{showAll ? 'No break-glass declarations have been made.' : 'Nothing to review: every declaration has been reviewed.'}</Text>
        ) : (
          declarations.length > 0 && (
            <Table.ScrollContainer minWidth={1100}>
              <Table striped highlightOnHover withTableBorder verticalSpacing="sm" aria-label="Break-glass declarations, oldest first">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Declared</Table.Th>
                    <Table.Th>Patient</Table.Th>
                    <Table.Th>Practitioner / user</Table.Th>
                    <Table.Th>Reason</Table.Th>
                    <Table.Th style={{ width: '28%' }}>Justification</Table.Th>
                    <Table.Th>Expires</Table.Th>
                    <Table.Th>Review</Table.Th>
                    <Table.Th>Actions</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {declarations.map((declaration) => {
                    const patientId = declaration.patient?.replace(/^Patient\//, '');
                    return (
                      <Table.Tr key={declaration.id} data-testid="declaration-row">
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>{auditTime(declaration.declared)}</Table.Td>
                        <Table.Td>{declaration.patient ?? '—'}</Table.Td>
                        <Table.Td>
                          <Text size="sm">{declaration.practitioner ?? '—'}</Text>
                          <Text size="xs" c="gray.7" style={{ overflowWrap: 'anywhere' }}>
                            {[declaration.user && `user ${declaration.user}`, declaration.client && `via ${declaration.client}`]
                              .filter(Boolean)
                              .join(' · ')}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Badge variant="light" color="orange" style={{ whiteSpace: 'nowrap' }}>
                            {REASONS[declaration.reason ?? ''] ?? declaration.reason ?? '—'}
                          </Badge>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                            {declaration.text}
                          </Text>
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>{auditTime(declaration.expires)}</Table.Td>
                        <Table.Td>
                          {declaration.reviewed ? (
                            <Stack gap={2}>
                              <Badge color="green" variant="light">
                                Reviewed
                              </Badge>
                              <Text size="xs" c="gray.7">
                                {auditTime(declaration.reviewedAt)}
                                {declaration.reviewer && ` by ${declaration.reviewer}`}
                              </Text>
                              {declaration.note && (
                                <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                                  {declaration.note}
                                </Text>
                              )}
                            </Stack>
                          ) : (
                            <Badge color="red" variant="light">
                              Not reviewed
                            </Badge>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <Stack gap={6} align="flex-start">
                            {!declaration.reviewed && (
                              <Button size="xs" onClick={() => setReviewing(declaration)}>
                                Mark reviewed
                              </Button>
                            )}
                            {patientId && (
                              <Anchor component={Link} to={`/audit/events?patient=${encodeURIComponent(patientId)}`} size="sm">
                                See accesses
                              </Anchor>
                            )}
                          </Stack>
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        )}
      </Paper>

      <ReviewModal declaration={reviewing} onClose={() => setReviewing(undefined)} onReviewed={onReviewed} />
    </Stack>
  );
}

function ReviewModal({
  declaration,
  onClose,
  onReviewed,
}: {
  declaration: Declaration | undefined;
  onClose: () => void;
  onReviewed: (declaration: Declaration, outcome: 'success' | 'conflict') => void;
}) {
  return (
    <Modal
      opened={declaration !== undefined}
      onClose={onClose}
      title="Mark break-glass declaration reviewed"
      size="lg"
      centered
      // react-remove-scroll would add a <style> element, which the app's CSP refuses
      lockScroll={false}
    >
      {declaration && <ReviewForm key={declaration.id} declaration={declaration} onClose={onClose} onReviewed={onReviewed} />}
    </Modal>
  );
}

function ReviewForm({
  declaration,
  onClose,
  onReviewed,
}: {
  declaration: Declaration;
  onClose: () => void;
  onReviewed: (declaration: Declaration, outcome: 'success' | 'conflict') => void;
}) {
  const fhir = useFhir();
  const [note, setNote] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const noteError = submitted && !note.trim() ? 'Record your finding: the review note is required.' : undefined;

  const review = useMutation({
    mutationFn: (text: string) =>
      fhir.request<Parameters>('POST', '$break-glass-review', {
        body: {
          resourceType: 'Parameters',
          parameter: [
            { name: 'declaration', valueString: declaration.id },
            { name: 'note', valueString: text },
          ],
        },
      }),
    onSuccess: () => onReviewed(declaration, 'success'),
    onError: (error) => {
      if (error instanceof FhirError && error.status === 409) {
        onReviewed(declaration, 'conflict');
      }
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (note.trim()) {
      review.mutate(note.trim());
    }
  };

  const otherError = review.error instanceof FhirError && review.error.status === 409 ? undefined : review.error;

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <Table variant="vertical" withTableBorder aria-label="Declaration under review">
          <Table.Tbody>
            <Table.Tr>
              <Table.Th scope="row" style={{ width: '9rem' }}>
                Patient
              </Table.Th>
              <Table.Td>{declaration.patient}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Declared by</Table.Th>
              <Table.Td>{declaration.practitioner ?? declaration.user}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Reason</Table.Th>
              <Table.Td>{REASONS[declaration.reason ?? ''] ?? declaration.reason}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Justification</Table.Th>
              <Table.Td style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{declaration.text}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
        <Textarea
          label="Review note"
          description="Your finding: was the emergency access justified? What did you check? It is kept with the declaration and cannot be changed."
          required
          rows={5}
          maxLength={MAX_NOTE}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
          error={noteError}
          data-autofocus
        />
        <Text size="xs" c="gray.7" ta="right">
          {note.length} / {MAX_NOTE}
        </Text>
        <ErrorAlert error={otherError} title="The review was not recorded" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={review.isPending}>
            Mark reviewed
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
