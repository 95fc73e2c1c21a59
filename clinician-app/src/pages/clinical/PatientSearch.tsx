import { useState, type FormEvent } from 'react';
import { Alert, Anchor, Badge, Button, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { Link, useNavigate } from 'react-router';
import { FhirError, issueText } from '../../api/fhir';
import { useClaims } from '../../auth/AuthContext';
import { can } from '../../auth/permissions';
import { ErrorAlert } from '../../components/ErrorAlert';
import { LoadMore } from '../../components/LoadMore';
import { Loading } from '../../components/Loading';
import { humanName } from '../../fhir/format';
import { GENDER_LABELS, identifierText, sensitiveLabels, type Patient } from './PatientBanner';
import { today } from './formSupport';
import { usePagedSearch } from './usePagedSearch';
import { FormGrid } from '../../components/FormGrid';

interface Criteria {
  family: string;
  given: string;
  birthdate: string;
  identifier: string;
}

const EMPTY: Criteria = { family: '', given: '', birthdate: '', identifier: '' };
const PAGE_SIZE = '20';

/**
 * The search parameters the server answers on encrypted fields: exact name parts, exact dates,
 * exact identifiers (docs/encryption.md, "Searching encrypted fields"). Given names typed with a
 * space are searched as separate name parts (each must match).
 */
export function searchParams(criteria: Criteria): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  if (criteria.family.trim()) {
    params.family = criteria.family.trim();
  }
  const given = criteria.given.trim().split(/\s+/).filter(Boolean);
  if (given.length) {
    params.given = given;
  }
  if (criteria.birthdate) {
    params.birthdate = criteria.birthdate;
  }
  if (criteria.identifier.trim()) {
    params.identifier = criteria.identifier.trim();
  }
  params._count = PAGE_SIZE;
  return params;
}

/** Checks before asking the server: what it would refuse, said in plain words. */
function validate(criteria: Criteria): Partial<Record<keyof Criteria | 'form', string>> {
  const errors: Partial<Record<keyof Criteria | 'form', string>> = {};
  if (!criteria.family.trim() && !criteria.given.trim() && !criteria.birthdate && !criteria.identifier.trim()) {
    errors.form = 'Enter at least one of family name, given name, birth date or identifier.';
  }
  const wildcard = /[*%?]/;
  if (wildcard.test(criteria.family)) {
    errors.family = 'Wildcards are not available: type the whole family name.';
  }
  if (wildcard.test(criteria.given)) {
    errors.given = 'Wildcards are not available: type the whole given name.';
  }
  if (criteria.birthdate && criteria.birthdate > today()) {
    errors.birthdate = 'The birth date is in the future.';
  }
  if (/^[^|]*\|\s*$/.test(criteria.identifier.trim())) {
    errors.identifier = 'Add the value after the "|": identifiers are found by their exact value.';
  }
  return errors;
}

export function PatientSearch() {
  const claims = useClaims();
  const [form, setForm] = useState<Criteria>(EMPTY);
  const [criteria, setCriteria] = useState<Criteria | undefined>();
  const [errors, setErrors] = useState<ReturnType<typeof validate>>({});

  const search = usePagedSearch<Patient>('Patient', criteria ? searchParams(criteria) : {}, criteria !== undefined);
  const patients = search.items;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = validate(form);
    setErrors(found);
    if (Object.keys(found).length) {
      return;
    }
    if (criteria && JSON.stringify(criteria) === JSON.stringify(form)) {
      void search.refetch();
    } else {
      setCriteria({ ...form });
    }
  };

  const set = (key: keyof Criteria) => (event: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [key]: event.currentTarget.value });

  return (
    <Stack gap="md">
      <Group justify="space-between" align="center">
        <Title order={1} size="h2">
          Find a patient
        </Title>
        {can(claims, 'patients.register') && (
          <Button component={Link} to="/patients/new">
            Register patient
          </Button>
        )}
      </Group>

      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="search-heading">
        <Title order={2} size="h4" id="search-heading" mb="xs">
          Search
        </Title>
        <Text size="sm" mb="sm">
          Names, birth dates and identifiers are stored encrypted, so they are matched <strong>exactly</strong>: type a whole
          family or given name (case and accents do not matter, beginnings of names do not match), a full birth date, and an
          identifier exactly as issued (as <em>value</em> or <em>system|value</em>).
        </Text>
        <form onSubmit={submit} noValidate aria-label="Patient search">
          <Stack gap="sm">
            <FormGrid cols={4}>
              <TextInput label="Family name" value={form.family} onChange={set('family')} error={errors.family} autoComplete="off" />
              <TextInput
                label="Given name"
                description="Several names: separate with spaces"
                value={form.given}
                onChange={set('given')}
                error={errors.given}
                autoComplete="off"
              />
              <TextInput
                label="Birth date"
                type="date"
                value={form.birthdate}
                onChange={set('birthdate')}
                error={errors.birthdate}
                max={today()}
              />
              <TextInput
                label="Identifier"
                description="value, or system|value"
                value={form.identifier}
                onChange={set('identifier')}
                error={errors.identifier}
                autoComplete="off"
              />
            </FormGrid>
            {errors.form && (
              <Text c="red.8" size="sm" role="alert">
                {errors.form}
              </Text>
            )}
            <Group gap="sm">
              <Button type="submit" loading={search.isFetching && !search.isFetchingNextPage}>
                Search
              </Button>
              <Button
                variant="default"
                onClick={() => {
                  setForm(EMPTY);
                  setCriteria(undefined);
                  setErrors({});
                }}
              >
                Clear
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>

      {criteria !== undefined && (
        <Paper withBorder p="md" radius="md" component="section" aria-labelledby="results-heading">
          <Title order={2} size="h4" id="results-heading" mb="xs">
            Results
          </Title>
          <Text size="sm" mb="sm">
            Patients you do not treat, and patients whose consent withholds their record from you, are not listed (and no total
            is given, as a count would reveal them). For an emergency, open the record by its id below.
          </Text>
          {search.isPending ? (
            <Loading label="Searching" />
          ) : search.isError && !search.data ? (
            <RefusedSearch error={search.error} />
          ) : patients.length === 0 ? (
            <Text>No patient matches exactly.</Text>
          ) : (
            <Stack gap="sm">
              <Table striped highlightOnHover withTableBorder>
                <Table.Caption>Matching patients ({patients.length}{search.hasNextPage ? ' shown, more available' : ''})</Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Name</Table.Th>
                    <Table.Th scope="col">Birth date</Table.Th>
                    <Table.Th scope="col">Gender</Table.Th>
                    <Table.Th scope="col">Identifier</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {patients.map((patient) => (
                    <Table.Tr key={patient.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/patients/${patient.id}`} fw={600}>
                          {humanName(patient.name)}
                        </Anchor>
                        {sensitiveLabels(patient).length > 0 && (
                          <Badge ml="xs" size="sm" color="red" variant="light">
                            Restricted
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>{patient.birthDate ?? '—'}</Table.Td>
                      <Table.Td>{patient.gender ? (GENDER_LABELS[patient.gender] ?? patient.gender) : '—'}</Table.Td>
                      <Table.Td>{(patient.identifier ?? []).map(identifierText).filter(Boolean).join(', ') || '—'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <LoadMore query={search} />
            </Stack>
          )}
        </Paper>
      )}

      <OpenById />
    </Stack>
  );
}

/** A search the server refused: its reason, and what to do instead. */
function RefusedSearch({ error }: { error: Error }) {
  if (!(error instanceof FhirError) || (error.status !== 400 && error.status !== 403)) {
    return <ErrorAlert error={error} />;
  }
  const reason = error.issues.map(issueText).filter(Boolean).join(' ') || error.message;
  return (
    <Alert color="orange" title={error.status === 403 ? 'This search is not allowed for you' : 'The server cannot run this search'} role="alert" variant="light">
      <Stack gap={6}>
        <Text size="sm">{reason.replace(/\s*See docs\/encryption\.md[^.]*\.?/, '')}</Text>
        <Text size="sm">
          {error.status === 403
            ? 'Your role or this app does not allow this search. Ask your administrator if you need it.'
            : 'Names, birth dates and identifiers are stored encrypted, so they can only be matched exactly: no partial names, wildcards or date ranges. Type the whole name, the full birth date, or the identifier exactly as issued.'}
        </Text>
      </Stack>
    </Alert>
  );
}

/** For an emergency: open a record whose id the user has (wristband, referral); the chart offers break-glass. */
function OpenById() {
  const navigate = useNavigate();
  const [id, setId] = useState('');
  const [error, setError] = useState<string>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = id.trim();
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(value)) {
      setError('A record id is 1 to 64 letters, digits, "-" or ".".');
      return;
    }
    setError(undefined);
    navigate(`/patients/${encodeURIComponent(value)}`);
  };
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="open-heading">
      <Title order={2} size="h4" id="open-heading" mb="xs">
        Open a record by its id
      </Title>
      <Text size="sm" mb="sm">
        For an emergency: when the patient is not in your results, open the record by its id. If it is withheld from you, the
        chart offers emergency access (break-glass), which is recorded and reviewed.
      </Text>
      <form onSubmit={submit} noValidate aria-label="Open a record by its id">
        <Group align="flex-end" gap="sm">
          <TextInput
            label="Record id"
            value={id}
            onChange={(event) => setId(event.currentTarget.value)}
            error={error}
            autoComplete="off"
            w={360}
          />
          <Button type="submit" variant="default">
            Open record
          </Button>
        </Group>
      </form>
    </Paper>
  );
}
