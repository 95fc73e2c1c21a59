import { Fieldset, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { useFhir } from '../../auth/AuthContext';
import { Loading } from '../../components/Loading';
import { humanName } from '../../fhir/format';
import { MRN_SYSTEM, type Patient } from './PatientBanner';
import { FormButtons, LoadError } from './FormParts';
import { SaveError } from './SaveError';
import { prune, today, withoutRedactedMarker } from './formSupport';
import { useResourceForm } from './useResourceForm';
import { FormGrid } from '../../components/FormGrid';

interface Values {
  family: string;
  given: string;
  birthDate: string;
  gender: string | null;
  identifierSystem: string;
  identifierValue: string;
  phone: string;
  line: string;
  city: string;
  postalCode: string;
}

type Field = keyof Values;

const EMPTY: Values = {
  family: '',
  given: '',
  birthDate: '',
  gender: null,
  identifierSystem: MRN_SYSTEM,
  identifierValue: '',
  phone: '',
  line: '',
  city: '',
  postalCode: '',
};

/** Where each field's server messages come from (element paths of Patient). */
const FIELD_PATHS: Record<Field, string[]> = {
  family: ['name.family', 'name'],
  given: ['name.given'],
  birthDate: ['birthDate'],
  gender: ['gender'],
  identifierSystem: ['identifier.system'],
  identifierValue: ['identifier.value', 'identifier'],
  phone: ['telecom.value', 'telecom'],
  line: ['address.line', 'address'],
  city: ['address.city'],
  postalCode: ['address.postalCode'],
};

const GENDERS = [
  { value: 'female', label: 'Female' },
  { value: 'male', label: 'Male' },
  { value: 'other', label: 'Other' },
  { value: 'unknown', label: 'Unknown' },
];

/** Which entry of each repeating element the form shows (and edits): the rest is kept as loaded. */
function positions(patient: Patient | undefined) {
  const names = patient?.name ?? [];
  const official = names.findIndex((name) => name.use === 'official');
  const identifiers = patient?.identifier ?? [];
  const mrn = identifiers.findIndex((identifier) => identifier.system === MRN_SYSTEM);
  const telecom = patient?.telecom ?? [];
  return {
    name: official >= 0 ? official : 0,
    identifier: mrn >= 0 ? mrn : 0,
    phone: telecom.findIndex((t) => t.system === 'phone'),
    address: 0,
  };
}

function valuesOf(patient: Patient): Values {
  const at = positions(patient);
  const name = patient.name?.[at.name];
  const identifier = patient.identifier?.[at.identifier];
  const address = patient.address?.[at.address];
  return {
    family: name?.family ?? '',
    given: (name?.given ?? []).join(' '),
    birthDate: patient.birthDate ?? '',
    gender: patient.gender ?? null,
    identifierSystem: identifier ? (identifier.system ?? '') : MRN_SYSTEM,
    identifierValue: identifier?.value ?? '',
    phone: at.phone >= 0 ? (patient.telecom?.[at.phone]?.value ?? '') : '',
    line: address?.line?.[0] ?? '',
    city: address?.city ?? '',
    postalCode: address?.postalCode ?? '',
  };
}

/** The resource to send: the loaded one (every element the form does not show kept) with the form's values. */
export function patientFrom(values: Values, loaded: Patient | undefined): Patient {
  const base: Patient = loaded ? withoutRedactedMarker(loaded) : { resourceType: 'Patient' };
  const at = positions(loaded);
  const before = loaded ? valuesOf(loaded) : EMPTY;

  const names = [...(base.name ?? [])];
  const given = values.given.trim().split(/\s+/).filter(Boolean);
  const oldName = names[at.name] ?? {};
  const nameChanged = values.family.trim() !== before.family || given.join(' ') !== before.given;
  names[at.name] = {
    ...oldName,
    // a text written for the old name would now be wrong
    text: nameChanged ? undefined : oldName.text,
    family: values.family.trim() || undefined,
    given: given.length ? given : undefined,
  };

  let identifiers = [...(base.identifier ?? [])];
  if (values.identifierValue.trim()) {
    identifiers[at.identifier] = {
      ...identifiers[at.identifier],
      system: values.identifierSystem.trim() || undefined,
      value: values.identifierValue.trim(),
    };
  } else {
    identifiers = identifiers.filter((_, index) => index !== at.identifier);
  }

  let telecom = [...(base.telecom ?? [])];
  if (at.phone >= 0) {
    telecom = values.phone.trim()
      ? telecom.map((t, index) => (index === at.phone ? { ...t, value: values.phone.trim() } : t))
      : telecom.filter((_, index) => index !== at.phone);
  } else if (values.phone.trim()) {
    telecom.push({ system: 'phone', value: values.phone.trim() });
  }

  const addresses = [...(base.address ?? [])];
  const oldAddress = addresses[at.address] ?? {};
  const addressChanged = values.line.trim() !== before.line || values.city.trim() !== before.city || values.postalCode.trim() !== before.postalCode;
  addresses[at.address] = {
    ...oldAddress,
    text: addressChanged ? undefined : oldAddress.text,
    line: values.line.trim() ? [values.line.trim(), ...(oldAddress.line ?? []).slice(1)] : (oldAddress.line ?? []).slice(1),
    city: values.city.trim() || undefined,
    postalCode: values.postalCode.trim() || undefined,
  };

  return prune({
    ...base,
    resourceType: 'Patient',
    name: names,
    identifier: identifiers,
    telecom,
    address: addresses,
    birthDate: values.birthDate || undefined,
    gender: values.gender ?? undefined,
  });
}

function validate(values: Values): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  if (!values.family.trim()) {
    errors.family = 'Enter the family name.';
  }
  if (values.birthDate) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(values.birthDate)) {
      errors.birthDate = 'Enter the birth date as a full date.';
    } else if (values.birthDate > today()) {
      errors.birthDate = 'The birth date cannot be in the future.';
    } else if (values.birthDate < '1880-01-01') {
      errors.birthDate = 'The birth date is too far in the past.';
    }
  }
  if (values.identifierSystem.trim() && !values.identifierValue.trim() && values.identifierSystem.trim() !== MRN_SYSTEM) {
    errors.identifierValue = 'Enter the number for this identifier system, or clear the system.';
  }
  if (values.identifierSystem.trim() && !/^(urn:|https?:\/\/)\S+$/.test(values.identifierSystem.trim())) {
    errors.identifierSystem = 'The system is a URI, like urn:oid:… or https://…';
  }
  if (values.phone.trim() && !/^[+\d\s().\-/]{3,30}$/.test(values.phone.trim())) {
    errors.phone = 'Use digits, spaces and + ( ) - only.';
  }
  return errors;
}

/** Registers a patient (/patients/new) or edits one (/patients/:id/edit). */
export function PatientForm() {
  const { id } = useParams();
  const editing = id !== undefined;
  const fhir = useFhir();
  const loaded = useQuery({
    queryKey: ['Patient', id],
    queryFn: () => fhir.read<Patient>('Patient', id!),
    enabled: editing,
  });
  const { values, setValues, save, submit, reload, server, error } = useResourceForm({
    loaded,
    editing,
    initial: EMPTY,
    valuesOf,
    validate,
    toResource: (values) => patientFrom(values, editing ? loaded.data : undefined),
    fieldPaths: FIELD_PATHS,
    invalidate: ['Patient'],
    // a registered patient's chart: its id is the server's
    after: (saved) => `/patients/${encodeURIComponent(saved?.id ?? id ?? '')}`,
  });

  const set = (field: Field) => (event: React.ChangeEvent<HTMLInputElement>) => setValues({ ...values, [field]: event.currentTarget.value });

  const title = editing ? 'Edit patient' : 'Register patient';
  if (editing && loaded.isPending) {
    return <Loading label="Loading the patient" />;
  }
  if (editing && loaded.isError) {
    return <LoadError title={title} error={loaded.error} />;
  }

  const back = editing ? `/patients/${encodeURIComponent(id!)}` : '/patients';
  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {editing && loaded.data ? `Edit patient: ${humanName(loaded.data.name)}` : title}
      </Title>
      <SaveError error={save.error} rest={server.rest} matched={server.matched} what="patient record" onReload={editing ? () => void reload() : undefined} />
      <form onSubmit={submit} noValidate aria-label={title}>
        <Stack gap="md">
          <Fieldset legend="Name and birth" radius="md">
            <FormGrid cols={2}>
              <TextInput label="Family name" required value={values.family} onChange={set('family')} error={error('family')} autoComplete="off" />
              <TextInput
                label="Given names"
                description="Separate several given names with spaces"
                value={values.given}
                onChange={set('given')}
                error={error('given')}
                autoComplete="off"
              />
              <TextInput label="Birth date" type="date" value={values.birthDate} onChange={set('birthDate')} error={error('birthDate')} max={today()} />
              <Select
                label="Gender"
                placeholder="Not recorded"
                data={GENDERS}
                value={values.gender}
                onChange={(gender) => setValues({ ...values, gender })}
                clearable
                error={error('gender')}
              />
            </FormGrid>
          </Fieldset>
          <Fieldset legend="Identifier" radius="md">
            <FormGrid cols={2}>
              <TextInput
                label="Medical record number"
                value={values.identifierValue}
                onChange={set('identifierValue')}
                error={error('identifierValue')}
                autoComplete="off"
              />
              <TextInput
                label="Identifier system"
                description={values.identifierSystem === MRN_SYSTEM ? "This hospital's record numbers" : 'URI of the issuing system'}
                value={values.identifierSystem}
                onChange={set('identifierSystem')}
                error={error('identifierSystem')}
                autoComplete="off"
              />
            </FormGrid>
          </Fieldset>
          <Fieldset legend="Contact" radius="md">
            <FormGrid cols={2}>
              <TextInput label="Phone" type="tel" value={values.phone} onChange={set('phone')} error={error('phone')} autoComplete="off" />
              <TextInput label="Address line" value={values.line} onChange={set('line')} error={error('line')} autoComplete="off" />
              <TextInput label="City" value={values.city} onChange={set('city')} error={error('city')} autoComplete="off" />
              <TextInput label="Postal code" value={values.postalCode} onChange={set('postalCode')} error={error('postalCode')} autoComplete="off" />
            </FormGrid>
          </Fieldset>
          <Text size="sm">
            Names, birth date, identifiers and contact details are stored encrypted; they can later be found by exact match only.
          </Text>
          <FormButtons editing={editing} create="Register patient" saving={save.isPending} back={back} />
        </Stack>
      </form>
    </Stack>
  );
}
