import '@mantine/core/styles.css';
import './generated/mantine-variables.css';
import './app.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter } from 'react-router';
import theme from './theme.json';
import { Session } from './auth/session';
import { AuthProvider } from './auth/AuthContext';
import { FhirClient, FhirError } from './api/fhir';
import { App } from './App';

const session = new Session();
session.start();
const fhir = new FhirClient(session);
const queries = new QueryClient({
  defaultOptions: {
    queries: {
      // a refusal or a missing record does not get better by asking again
      retry: (count, error) => !(error instanceof FhirError && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 15_000,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {/* No <style> elements at run time (CSP style-src 'self'): the variables come from a generated sheet. */}
    <MantineProvider theme={theme as never} withCssVariables={false} withGlobalClasses={false} forceColorScheme="light">
      <QueryClientProvider client={queries}>
        <AuthProvider session={session} fhir={fhir}>
          <BrowserRouter basename="/app">
            <App />
          </BrowserRouter>
        </AuthProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
