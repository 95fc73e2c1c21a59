import { Alert, List } from '@mantine/core';
import { FhirError, issueText } from '../api/fhir';

/** A request's failure as the user should read it; a 403 says it is a permission, never a blank page. */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  if (!error) {
    return null;
  }
  const fhirError = error instanceof FhirError ? error : undefined;
  const heading =
    title ??
    (fhirError?.status === 403
      ? 'Not permitted'
      : fhirError?.status === 404
        ? 'Not found or not available to you'
        : fhirError?.status === 401
          ? 'Signed out'
          : 'Something went wrong');
  const issues = fhirError?.issues.filter((issue) => issue.severity === 'error' || issue.severity === 'fatal') ?? [];
  return (
    <Alert color={fhirError?.status === 403 ? 'orange' : 'red'} title={heading} role="alert" variant="light">
      {issues.length > 1 ? (
        <List size="sm">
          {issues.map((issue, index) => (
            <List.Item key={index}>{issueText(issue)}</List.Item>
          ))}
        </List>
      ) : (
        (error as Error).message
      )}
    </Alert>
  );
}
