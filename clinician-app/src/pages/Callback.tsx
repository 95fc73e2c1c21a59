import { useEffect, useRef, useState } from 'react';
import { Button, Center, Stack, Text, Title } from '@mantine/core';
import { useNavigate } from 'react-router';
import { useAuth } from '../auth/AuthContext';
import { completeLogin, startLogin } from '../auth/smart';
import { Loading } from '../components/Loading';

/** `/app/callback`: exchanges the authorization code, then removes it from the address bar. */
export function Callback() {
  const { session } = useAuth();
  const navigate = useNavigate();
  const [error, setError] = useState<string>();
  const started = useRef(false);
  useEffect(() => {
    if (started.current) {
      return; // StrictMode runs effects twice; a code is exchanged once
    }
    started.current = true;
    const search = window.location.search;
    window.history.replaceState(null, '', '/app/callback');
    completeLogin(search)
      .then(({ tokens, returnTo }) => {
        session.signedIn(tokens);
        navigate(returnTo.replace(/^\/app/, '') || '/', { replace: true });
      })
      .catch((e: Error) => setError(e.message));
  }, [session, navigate]);
  if (!error) {
    return <Loading label="Signing in" />;
  }
  return (
    <Center h="100vh">
      <Stack align="center" maw={480}>
        <Title order={1} size="h2">
          Sign-in did not complete
        </Title>
        <Text role="alert">{error}</Text>
        <Button onClick={() => void startLogin('/app/')}>Sign in again</Button>
      </Stack>
    </Center>
  );
}
