import { Button, Group, Stack, Title } from '@mantine/core';
import { Link } from 'react-router';
import { FhirError } from '../../api/fhir';
import { ErrorAlert } from '../../components/ErrorAlert';

/** The page of an edit form whose resource could not be read: a 404 may be a consent withholding it, so it says both. */
export function LoadError({ title, error }: { title: string; error: Error }) {
  return (
    <Stack>
      <Title order={1} size="h2">
        {title}
      </Title>
      <ErrorAlert error={error} title={error instanceof FhirError && error.status === 404 ? 'Not found, or withheld from you' : undefined} />
    </Stack>
  );
}

/** Save (labelled for creating, or "Save changes" when editing) and Cancel back to where the form was opened from. */
export function FormButtons({ editing, create, saving, back }: { editing: boolean; create: string; saving: boolean; back: string }) {
  return (
    <Group gap="sm">
      <Button type="submit" loading={saving}>
        {editing ? 'Save changes' : create}
      </Button>
      <Button component={Link} to={back} variant="default">
        Cancel
      </Button>
    </Group>
  );
}
