import { useEffect, useState } from 'react';
import { Alert, Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { startLogin, touchLoginSession } from '../auth/smart';
import type { SignedOutReason } from '../auth/session';

/** The page before sign-in: the sign-in itself (password, then a one-time code) happens on the server's pages. */
export function SignIn() {
  const [error, setError] = useState<string>();
  const signIn = () => {
    const here = window.location.pathname + window.location.search;
    startLogin(here.startsWith('/app/') ? here : '/app/').catch((e: Error) => setError(e.message));
  };
  // Tokens live in memory only, so a reload forgets them; while the user's login session on the
  // server lasts, get new ones at once (the server asks for no password then).
  useEffect(() => {
    let cancelled = false;
    touchLoginSession()
      .then((alive) => alive && !cancelled && signIn())
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, []);
  return (
    <Center h="100vh" component="main">
      <Paper withBorder shadow="sm" p="xl" maw={440} w="100%">
        <Stack>
          <Title order={1} size="h2">
            Secure FHIR clinician workspace
          </Title>
          <Text>
            For the hospital's staff: clinicians, front desk, billing and auditors. You sign in with your password and a
            one-time code from your authenticator app.
          </Text>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <Button size="md" onClick={signIn}>
            Sign in
          </Button>
          <Text size="xs" c="dimmed">
            Every access to patient records is recorded. You are signed out after 15 minutes without activity.
          </Text>
        </Stack>
      </Paper>
    </Center>
  );
}

const REASONS: Record<SignedOutReason, string> = {
  user: 'You have signed out.',
  idle: 'You were signed out after 15 minutes without activity, to protect patients’ privacy.',
  expired: 'Your session has ended. Please sign in again.',
};

export function SignedOut({ reason }: { reason: SignedOutReason }) {
  return (
    <Center h="100vh" component="main">
      <Paper withBorder shadow="sm" p="xl" maw={440} w="100%">
        <Stack>
          <Title order={1} size="h2">
            Signed out
          </Title>
          <Text role="status" data-testid="signed-out-reason">
            {REASONS[reason]}
          </Text>
          <Button onClick={() => void startLogin('/app/')}>Sign in again</Button>
        </Stack>
      </Paper>
    </Center>
  );
}
