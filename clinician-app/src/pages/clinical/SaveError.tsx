import { Alert, Button, Stack, Text } from '@mantine/core';
import { ErrorAlert } from '../../components/ErrorAlert';
import { isVersionConflict } from './formSupport';

/**
 * The alert above a form after a failed save: a version conflict (someone else saved first) with
 * a reload, a pointer to the field messages when every issue is shown under its field, else the
 * issues no field shows.
 */
export function SaveError({
  error,
  rest,
  matched,
  what,
  onReload,
}: {
  error: unknown;
  rest: unknown;
  matched: boolean;
  what: string;
  onReload?: () => void;
}) {
  if (!error) {
    return null;
  }
  if (isVersionConflict(error)) {
    return (
      <Alert color="orange" variant="light" role="alert" title="Someone else changed this record">
        <Stack gap="xs" align="flex-start">
          <Text size="sm">
            The {what} was changed by someone else since you opened it, so your changes were not saved (nothing was
            overwritten). Reload the latest version, check it, and make your changes again.
          </Text>
          {onReload && (
            <Button size="xs" variant="default" onClick={onReload}>
              Reload the latest version
            </Button>
          )}
        </Stack>
      </Alert>
    );
  }
  if (matched && !rest) {
    return (
      <Alert color="red" variant="light" role="alert" title={`The ${what} was not saved`}>
        The server refused some of the values: see the messages under the fields.
      </Alert>
    );
  }
  return <ErrorAlert error={rest} title={`The ${what} was not saved`} />;
}
