import { Alert, Checkbox, Fieldset, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { FhirError } from '../../api/fhir';
import { useClaims, useFhir } from '../../auth/AuthContext';
import { can } from '../../auth/permissions';
import { Loading } from '../../components/Loading';
import { humanName } from '../../fhir/format';
import type { Patient } from './PatientBanner';
import { FormButtons, LoadError } from './FormParts';
import { SaveError } from './SaveError';
import { ACT_CODE_SYSTEM, ENCOUNTER_CLASSES, ENCOUNTER_STATUSES, type Encounter } from './clinical';
import { keepOrConvert, nowLocalInput, prune, toLocalInput, withoutRedactedMarker } from './formSupport';
import { useResourceForm } from './useResourceForm';
import { FormGrid } from '../../components/FormGrid';

interface Values {
  status: string | null;
  classCode: string | null;
  type: string;
  start: string;
  end: string;
  reason: string;
  recordMe: boolean;
}

type Field = Exclude<keyof Values, 'recordMe'>;

const FIELD_PATHS: Record<Field, string[]> = {
  status: ['status'],
  classCode: ['class'],
  type: ['type'],
  start: ['period.start', 'period'],
  end: ['period.end'],
  reason: ['reasonCode'],
};

function valuesOf(encounter: Encounter): Values {
  return {
    status: encounter.status ?? null,
    classCode: encounter.class?.code ?? null,
    type: encounter.type?.[0]?.text ?? encounter.type?.[0]?.coding?.[0]?.display ?? '',
    start: toLocalInput(encounter.period?.start),
    end: toLocalInput(encounter.period?.end),
    reason: encounter.reasonCode?.[0]?.text ?? encounter.reasonCode?.[0]?.coding?.[0]?.display ?? '',
    recordMe: false,
  };
}

/** The Encounter to send: the loaded one (what the form does not show kept) with the form's values. */
export function encounterFrom(
  values: Values,
  { patientId, loaded, showReason, participant }: { patientId: string; loaded?: Encounter; showReason: boolean; participant?: string },
): Encounter {
  const base: Encounter = loaded ? withoutRedactedMarker(loaded) : { resourceType: 'Encounter' };
  const before = loaded ? valuesOf(loaded) : undefined;
  const classOption = ENCOUNTER_CLASSES.find((option) => option.value === values.classCode);
  const types = [...(base.type ?? [])];
  if (values.type.trim() !== (before?.type ?? '')) {
    // a changed text replaces the coded type it described
    types.splice(0, 1, ...(values.type.trim() ? [{ text: values.type.trim() }] : []));
  }
  const encounter: Encounter = {
    ...base,
    resourceType: 'Encounter',
    status: values.status ?? undefined,
    class:
      values.classCode === base.class?.code
        ? base.class
        : { system: ACT_CODE_SYSTEM, code: values.classCode ?? undefined, display: classOption?.label },
    type: types,
    subject: base.subject ?? { reference: `Patient/${patientId}` },
    period: {
      ...base.period,
      start: keepOrConvert(values.start, base.period?.start),
      end: keepOrConvert(values.end, base.period?.end),
    },
  };
  if (showReason && values.reason.trim() !== (before?.reason ?? '')) {
    const reasons = [...(base.reasonCode ?? [])];
    reasons.splice(0, 1, ...(values.reason.trim() ? [{ text: values.reason.trim() }] : []));
    encounter.reasonCode = reasons;
  }
  if (!loaded && participant && values.recordMe) {
    encounter.participant = [...(base.participant ?? []), { individual: { reference: participant } }];
  }
  return prune(encounter);
}

function validate(values: Values): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  if (!values.status) {
    errors.status = 'Choose the status.';
  }
  if (!values.classCode) {
    errors.classCode = 'Choose the class of encounter.';
  }
  if (values.start && values.end && values.end < values.start) {
    errors.end = 'The end is before the start.';
  }
  if (!values.start && values.end) {
    errors.start = 'Enter when the encounter started.';
  }
  return errors;
}

/** Documents an encounter (/patients/:id/encounters/new) or edits one (/patients/:id/encounters/:encounterId). */
export function EncounterForm() {
  const { id = '', encounterId } = useParams();
  const editing = encounterId !== undefined;
  const fhir = useFhir();
  const claims = useClaims();
  // the server removes reasons from roles without clinical access (front desk): do not offer them
  const showReason = can(claims, 'chart.clinical');
  const me = claims?.fhirUser?.startsWith('Practitioner/') ? claims.fhirUser : undefined;

  const patient = useQuery({ queryKey: ['Patient', id], queryFn: () => fhir.read<Patient>('Patient', id) });
  const loaded = useQuery({
    queryKey: ['Encounter', encounterId],
    queryFn: () => fhir.read<Encounter>('Encounter', encounterId!),
    enabled: editing,
  });
  const back = `/patients/${encodeURIComponent(id)}`;
  const { values, setValues, save, submit, reload, server, error } = useResourceForm({
    loaded,
    editing,
    initial: {
      status: 'in-progress',
      classCode: 'AMB',
      type: '',
      start: nowLocalInput(),
      end: '',
      reason: '',
      recordMe: me !== undefined,
    },
    valuesOf,
    validate,
    toResource: (values) => encounterFrom(values, { patientId: id, loaded: loaded.data, showReason, participant: me }),
    fieldPaths: FIELD_PATHS,
    invalidate: ['Encounter'],
    after: () => back,
  });

  const set = (field: 'type' | 'start' | 'end' | 'reason') => (event: React.ChangeEvent<HTMLInputElement>) =>
    setValues({ ...values, [field]: event.currentTarget.value });

  const title = editing ? 'Edit encounter' : 'New encounter';
  if (editing && loaded.isPending) {
    return <Loading label="Loading the encounter" />;
  }
  if (editing && loaded.isError) {
    return <LoadError title={title} error={loaded.error} />;
  }
  const statuses = withCurrent(ENCOUNTER_STATUSES, loaded.data?.status);
  const classes = withCurrent(ENCOUNTER_CLASSES, loaded.data?.class?.code, loaded.data?.class?.display);
  const otherPatient = loaded.data?.subject?.reference && loaded.data.subject.reference !== `Patient/${id}`;
  const relationshipRefused = save.error instanceof FhirError && save.error.status === 403 && /treatment relationship/i.test(save.error.message);

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {title}
        {patient.data ? ` for ${humanName(patient.data.name)}` : ''}
      </Title>
      {otherPatient && (
        <Alert color="orange" role="note" title="This encounter belongs to another record">
          It is recorded for {loaded.data?.subject?.reference}, not for this patient. Check that you opened the right encounter.
        </Alert>
      )}
      <SaveError error={save.error} rest={server.rest} matched={server.matched} what="encounter" onReload={editing ? () => void reload() : undefined} />
      {relationshipRefused && (
        <Alert color="orange" variant="light" title="Why" role="note">
          You cannot make yourself a participant of an encounter of a patient you do not already treat: a treatment
          relationship is registered by the front desk or a colleague who treats the patient. Untick "Record me as a
          participant", or ask the front desk to register the encounter.
        </Alert>
      )}
      <form onSubmit={submit} noValidate aria-label={title}>
        <Stack gap="md">
          <Fieldset legend="Encounter" radius="md">
            <FormGrid cols={2}>
              <Select
                label="Status"
                data={statuses}
                value={values.status}
                onChange={(status) => setValues({ ...values, status })}
                allowDeselect={false}
                required
                error={error('status')}
              />
              <Select
                label="Class"
                data={classes}
                value={values.classCode}
                onChange={(classCode) => setValues({ ...values, classCode })}
                allowDeselect={false}
                required
                error={error('classCode')}
              />
              <TextInput label="Type" description="e.g. Check-up, Follow-up visit" value={values.type} onChange={set('type')} error={error('type')} />
              {showReason ? (
                <TextInput label="Reason" value={values.reason} onChange={set('reason')} error={error('reason')} />
              ) : (
                <div />
              )}
              <TextInput label="Start" type="datetime-local" value={values.start} onChange={set('start')} error={error('start')} />
              <TextInput label="End" type="datetime-local" value={values.end} onChange={set('end')} error={error('end')} />
            </FormGrid>
            <Text size="sm" mt="xs">
              Times are in your computer's time zone.
            </Text>
          </Fieldset>
          {!editing && me && (
            <Checkbox
              label={`Record me (${me}) as a participant`}
              checked={values.recordMe}
              onChange={(event) => setValues({ ...values, recordMe: event.currentTarget.checked })}
            />
          )}
          <FormButtons editing={editing} create="Create encounter" saving={save.isPending} back={back} />
        </Stack>
      </form>
    </Stack>
  );
}

/** The options, plus the stored value when it is not one of them (so that saving does not lose it). */
function withCurrent(options: { value: string; label: string }[], current: string | undefined, display?: string) {
  if (!current || options.some((option) => option.value === current)) {
    return options;
  }
  return [...options, { value: current, label: display ?? current }];
}
