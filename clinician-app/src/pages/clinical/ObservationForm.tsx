import { Alert, Fieldset, Select, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { useClaims, useFhir } from '../../auth/AuthContext';
import { Loading } from '../../components/Loading';
import { concept, humanName } from '../../fhir/format';
import type { Patient } from './PatientBanner';
import { FormButtons, LoadError } from './FormParts';
import { SaveError } from './SaveError';
import {
  LOINC,
  OBSERVATION_CATEGORIES,
  OBSERVATION_CATEGORY_SYSTEM,
  OBSERVATION_CODES,
  OBSERVATION_STATUSES,
  UCUM,
  codeOf,
  type Observation,
} from './clinical';
import { keepOrConvert, nowLocalInput, prune, toLocalInput, withoutRedactedMarker } from './formSupport';
import { useResourceForm } from './useResourceForm';
import { FormGrid } from '../../components/FormGrid';

interface Values {
  status: string | null;
  category: string | null;
  code: string | null;
  value: string;
  effective: string;
  note: string;
}

type Field = keyof Values;

/** The Select value of a stored code that is not LOINC (kept as it is). */
const STORED_CODE = '(stored)';

const FIELD_PATHS: Record<Field, string[]> = {
  status: ['status'],
  category: ['category'],
  code: ['code'],
  value: ['valueQuantity', 'value'],
  effective: ['effectiveDateTime', 'effective'],
  note: ['note'],
};

function valuesOf(observation: Observation): Values {
  return {
    status: observation.status ?? null,
    category: codeOf(observation.category?.[0], OBSERVATION_CATEGORY_SYSTEM) ?? null,
    code: codeOf(observation.code, LOINC) ?? (observation.code ? STORED_CODE : null),
    value: observation.valueQuantity?.value !== undefined ? String(observation.valueQuantity.value) : '',
    effective: toLocalInput(observation.effectiveDateTime),
    note: observation.note?.[0]?.text ?? '',
  };
}

/** The Observation to send: the loaded one (what the form does not show kept) with the form's values. */
export function observationFrom(
  values: Values,
  { patientId, loaded, performer }: { patientId: string; loaded?: Observation; performer?: string },
): Observation {
  const base: Observation = loaded ? withoutRedactedMarker(loaded) : { resourceType: 'Observation' };
  const before = loaded ? valuesOf(loaded) : undefined;
  const known = OBSERVATION_CODES.find((option) => option.code === values.code);

  const categories = [...(base.category ?? [])];
  if (values.category !== (before?.category ?? null)) {
    const option = OBSERVATION_CATEGORIES.find((c) => c.value === values.category);
    categories.splice(0, 1, ...(values.category ? [{ coding: [{ system: OBSERVATION_CATEGORY_SYSTEM, code: values.category, display: option?.label }] }] : []));
  }

  const code =
    values.code === (before?.code ?? null) && base.code
      ? base.code
      : { coding: [{ system: LOINC, code: values.code ?? undefined, display: known?.display }], text: known?.display };

  const observation: Observation = {
    ...base,
    resourceType: 'Observation',
    status: values.status ?? undefined,
    category: categories,
    code,
    subject: base.subject ?? { reference: `Patient/${patientId}` },
    effectiveDateTime: keepOrConvert(values.effective, base.effectiveDateTime),
  };
  if (values.value.trim() !== (before?.value ?? '') || values.code !== (before?.code ?? null)) {
    const unit = known ?? OBSERVATION_CODES.find((option) => option.ucum === base.valueQuantity?.code);
    observation.valueQuantity = values.value.trim()
      ? {
          ...(known ? {} : base.valueQuantity),
          value: Number(values.value),
          unit: known?.unit ?? base.valueQuantity?.unit ?? unit?.unit,
          system: known ? UCUM : (base.valueQuantity?.system ?? UCUM),
          code: known?.ucum ?? base.valueQuantity?.code,
        }
      : undefined;
  }
  if (values.note.trim() !== (before?.note ?? '')) {
    const notes = [...(base.note ?? [])];
    notes.splice(0, 1, ...(values.note.trim() ? [{ ...notes[0], text: values.note.trim() }] : []));
    observation.note = notes;
  }
  if (!loaded && performer) {
    observation.performer = [{ reference: performer }];
  }
  return prune(observation);
}

function validate(values: Values): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  if (!values.status) {
    errors.status = 'Choose the status.';
  }
  if (!values.code) {
    errors.code = 'Choose what was measured.';
  }
  if (!values.value.trim()) {
    errors.value = 'Enter the measured value.';
  } else if (!/^-?\d+([.,]\d+)?$/.test(values.value.trim()) || Number.isNaN(Number(values.value.trim().replace(',', '.')))) {
    errors.value = 'Enter a number (e.g. 72 or 37.5).';
  } else if (Number(values.value.trim().replace(',', '.')) < 0) {
    errors.value = 'The value cannot be negative.';
  }
  if (!values.effective) {
    errors.effective = 'Enter when it was measured.';
  } else if (new Date(values.effective).getTime() > Date.now() + 5 * 60 * 1000) {
    errors.effective = 'The time of measurement is in the future.';
  }
  return errors;
}

/** Records an observation (/patients/:id/observations/new) or edits one (/patients/:id/observations/:observationId). */
export function ObservationForm() {
  const { id = '', observationId } = useParams();
  const editing = observationId !== undefined;
  const fhir = useFhir();
  const claims = useClaims();
  const performer = claims?.fhirUser?.startsWith('Practitioner/') ? claims.fhirUser : undefined;

  const patient = useQuery({ queryKey: ['Patient', id], queryFn: () => fhir.read<Patient>('Patient', id) });
  const loaded = useQuery({
    queryKey: ['Observation', observationId],
    queryFn: () => fhir.read<Observation>('Observation', observationId!),
    enabled: editing,
  });
  const back = `/patients/${encodeURIComponent(id)}`;
  const { values, setValues, save, submit, reload, server, error } = useResourceForm({
    loaded,
    editing,
    initial: {
      status: 'final',
      category: 'vital-signs',
      code: null,
      value: '',
      effective: nowLocalInput(),
      note: '',
    },
    valuesOf,
    validate,
    // the value as validated ("37,5" allowed), sent as a number
    toResource: (values) =>
      observationFrom({ ...values, value: values.value.trim().replace(',', '.') }, { patientId: id, loaded: loaded.data, performer }),
    fieldPaths: FIELD_PATHS,
    invalidate: ['Observation'],
    after: () => back,
  });

  const title = editing ? 'Edit observation' : 'Record observation';
  if (editing && loaded.isPending) {
    return <Loading label="Loading the observation" />;
  }
  if (editing && loaded.isError) {
    return <LoadError title={title} error={loaded.error} />;
  }

  const known = OBSERVATION_CODES.find((option) => option.code === values.code);
  const codes = OBSERVATION_CODES.map((option) => ({ value: option.code, label: `${option.display} (LOINC ${option.code})` }));
  const storedCode = loaded.data?.code;
  const storedValue = loaded.data ? valuesOf(loaded.data).code : null;
  if (storedValue && !OBSERVATION_CODES.some((option) => option.code === storedValue)) {
    const name = concept(storedCode) || storedValue;
    codes.push({ value: storedValue, label: storedValue === STORED_CODE ? name : `${name} (LOINC ${storedValue})` });
  }
  const unit = known?.unit ?? loaded.data?.valueQuantity?.unit ?? loaded.data?.valueQuantity?.code ?? '';
  const categories = [...OBSERVATION_CATEGORIES];
  if (values.category && !categories.some((c) => c.value === values.category)) {
    categories.push({ value: values.category, label: values.category });
  }
  const statuses = [...OBSERVATION_STATUSES];
  if (values.status && !statuses.some((s) => s.value === values.status)) {
    statuses.push({ value: values.status, label: values.status });
  }
  const notQuantity = editing && loaded.data && !loaded.data.valueQuantity && (loaded.data.valueString !== undefined || loaded.data.valueCodeableConcept || loaded.data.component);

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {title}
        {patient.data ? ` for ${humanName(patient.data.name)}` : ''}
      </Title>
      {notQuantity && (
        <Alert color="orange" role="note" title="This observation has a value this form does not edit">
          Its value is not a single measurement. Saving here would add one; edit it in the system that recorded it instead.
        </Alert>
      )}
      <SaveError error={save.error} rest={server.rest} matched={server.matched} what="observation" onReload={editing ? () => void reload() : undefined} />
      <form onSubmit={submit} noValidate aria-label={title}>
        <Stack gap="md">
          <Fieldset legend="Observation" radius="md">
            <FormGrid cols={2}>
              <Select
                label="Measurement"
                placeholder="Choose what was measured"
                data={codes}
                value={values.code}
                onChange={(code) => setValues({ ...values, code })}
                searchable
                allowDeselect={false}
                required
                error={error('code')}
              />
              <TextInput
                label={`Value${unit ? ` (${unit})` : ''}`}
                inputMode="decimal"
                value={values.value}
                onChange={(event) => setValues({ ...values, value: event.currentTarget.value })}
                error={error('value')}
                required
                autoComplete="off"
              />
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
                label="Category"
                data={categories}
                value={values.category}
                onChange={(category) => setValues({ ...values, category })}
                clearable
                error={error('category')}
              />
              <TextInput
                label="Measured at"
                type="datetime-local"
                value={values.effective}
                onChange={(event) => setValues({ ...values, effective: event.currentTarget.value })}
                error={error('effective')}
                required
              />
            </FormGrid>
            <Textarea
              mt="sm"
              label="Note"
              value={values.note}
              onChange={(event) => setValues({ ...values, note: event.currentTarget.value })}
              error={error('note')}
              rows={3}
            />
            <Text size="sm" mt="xs">
              Times are in your computer's time zone.{performer && !editing ? ` You (${performer}) are recorded as the performer.` : ''}
            </Text>
          </Fieldset>
          <FormButtons editing={editing} create="Record observation" saving={save.isPending} back={back} />
        </Stack>
      </form>
    </Stack>
  );
}
