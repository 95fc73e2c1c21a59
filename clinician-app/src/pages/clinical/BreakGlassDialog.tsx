import { useState, type FormEvent } from 'react';
import { Alert, Button, Group, Modal, Select, Stack, Text, Textarea } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useFhir } from '../../auth/AuthContext';
import { useBreakGlass } from '../../auth/breakGlass';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fieldErrors } from './formSupport';

export const BREAK_GLASS_REASON_SYSTEM = 'https://securefhir.org/fhir/CodeSystem/break-glass-reason';

export const BREAK_GLASS_REASONS = [
  { value: 'emergency-treatment', label: 'Emergency treatment' },
  { value: 'patient-unable-to-consent', label: 'Patient unable to consent' },
  { value: 'urgent-continuity-of-care', label: 'Urgent continuity of care' },
  { value: 'other', label: 'Other' },
];

interface Parameters {
  resourceType: 'Parameters';
  parameter?: { name: string; valueString?: string; valueInstant?: string; valueCode?: string }[];
}

/**
 * Declares emergency access to one patient (`Patient/{id}/$break-glass`, docs/consent.md
 * "Break-glass"): a reason code and a justification of 10–1000 characters. The server records it,
 * raises an alert and puts it in the compliance review queue.
 */
export function BreakGlassDialog({ patientId, opened, onClose }: { patientId: string; opened: boolean; onClose: () => void }) {
  const fhir = useFhir();
  const queryClient = useQueryClient();
  const { declared } = useBreakGlass();
  const [reason, setReason] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<{ reason?: string; text?: string }>({});

  const declare = useMutation({
    mutationFn: (body: { reason: string; text: string }) =>
      fhir.request<Parameters>('POST', `Patient/${encodeURIComponent(patientId)}/$break-glass`, {
        body: {
          resourceType: 'Parameters',
          parameter: [
            { name: 'reason', valueCode: body.reason },
            { name: 'text', valueString: body.text },
          ],
        },
      }),
    onSuccess: async (response) => {
      const value = (name: string) => response?.parameter?.find((p) => p.name === name);
      const expires = Date.parse(value('expires')?.valueInstant ?? '');
      declared({
        id: value('id')?.valueString ?? `${patientId}-${Date.now()}`,
        patient: `Patient/${patientId}`,
        // without an answer on the duration, assume the server's default (60 min) for the banner
        expires: Number.isNaN(expires) ? Date.now() + 60 * 60 * 1000 : expires,
      });
      setReason(null);
      setText('');
      onClose();
      // everything withheld before may now be shown: read it again
      await queryClient.invalidateQueries();
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: typeof errors = {};
    const trimmed = text.trim();
    if (!reason) {
      found.reason = 'Choose the reason for emergency access.';
    }
    if (trimmed.length < 10) {
      found.text = `Explain the emergency in at least 10 characters (${trimmed.length} so far).`;
    } else if (trimmed.length > 1000) {
      found.text = `The justification may be at most 1000 characters (${trimmed.length} now).`;
    }
    setErrors(found);
    if (Object.keys(found).length) {
      return;
    }
    declare.mutate({ reason: reason!, text: trimmed });
  };

  const server = fieldErrors(declare.error, { reason: ['reason'], text: ['text'] });
  const rest = server.rest;

  return (
    <Modal opened={opened} onClose={onClose} title="Break the glass (emergency access)" size="lg" centered>
      <form onSubmit={submit} noValidate aria-label="Emergency access declaration">
        <Stack gap="sm">
          <Alert color="red" variant="light" title="This access is recorded and reviewed" role="note">
            <Text size="sm">
              Use emergency access only when the patient needs care now and their record is withheld from you. Your
              declaration, and every access to this patient while it lasts, is recorded in the audit trail with your name and
              reviewed by compliance. It lasts a limited time (usually 60 minutes).
            </Text>
          </Alert>
          <Select
            label="Reason"
            placeholder="Choose a reason"
            data={BREAK_GLASS_REASONS}
            value={reason}
            onChange={setReason}
            allowDeselect={false}
            required
            error={errors.reason ?? server.errors.reason}
            comboboxProps={{ withinPortal: true, zIndex: 1000 }}
          />
          <Textarea
            label="Justification"
            description={`Explain the emergency (10–1000 characters): ${text.trim().length}/1000`}
            value={text}
            onChange={(event) => setText(event.currentTarget.value)}
            rows={5}
            maxLength={1200}
            required
            error={errors.text ?? server.errors.text}
          />
          {rest !== undefined && rest !== null && <ErrorAlert error={rest} title="Emergency access was not granted" />}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={onClose} type="button">
              Cancel
            </Button>
            <Button type="submit" color="red" loading={declare.isPending}>
              Declare emergency access
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
