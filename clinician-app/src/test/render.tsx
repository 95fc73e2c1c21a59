import type { ReactElement } from 'react';
import { render } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter, Route, Routes } from 'react-router';
import { vi } from 'vitest';
import { AuthProvider } from '../auth/AuthContext';
import { BreakGlassProvider } from '../auth/breakGlass';
import { Session } from '../auth/session';
import { FhirClient } from '../api/fhir';
import type { Role } from '../auth/claims';

/** An unsigned JWT with the claims the app reads (the server is what verifies real tokens). */
export function fakeToken(roles: Role[], extra: Record<string, unknown> = {}): string {
  const payload = {
    sub: 'user-1',
    roles,
    scope: 'openid fhirUser online_access user/*.cruds',
    exp: Math.floor(Date.now() / 1000) + 600,
    ...extra,
  };
  const encode = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, '');
  return `${encode({ alg: 'none' })}.${encode(payload)}.`;
}

export interface FakeResponse {
  status?: number;
  body?: unknown;
  contentType?: string;
}

/**
 * Renders a page as a signed-in user of `roles`, at `path` matched by `route`, with `fetch`
 * answering from `answer` (the FHIR server is outside the component under test). Returns the
 * fetch mock to inspect the requests the page sent.
 */
export function renderPage(
  element: ReactElement,
  {
    roles = ['physician'] as Role[],
    path = '/',
    route = '/',
    answer = () => ({ body: { resourceType: 'Bundle', entry: [] } }) as FakeResponse,
    fhirUser,
  }: {
    roles?: Role[];
    path?: string;
    route?: string;
    answer?: (method: string, url: string, body: unknown) => FakeResponse;
    fhirUser?: string;
  } = {},
) {
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const body = init?.body && typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const result = answer(init?.method ?? 'GET', url, body);
    const payload = result.body === undefined ? '' : typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
    return new Response(result.status === 204 ? null : payload, {
      status: result.status ?? 200,
      headers: { 'Content-Type': result.contentType ?? 'application/fhir+json' },
    });
  });
  vi.stubGlobal('fetch', fetchMock);
  const session = new Session();
  session.signedIn({
    access_token: fakeToken(roles, fhirUser ? { fhirUser } : {}),
    refresh_token: 'refresh-1',
  });
  const fhir = new FhirClient(session);
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const utils = render(
    <MantineProvider>
      <QueryClientProvider client={queries}>
        <AuthProvider session={session} fhir={fhir}>
          <BreakGlassProvider>
            <MemoryRouter initialEntries={[path]}>
              <Routes>
                <Route path={route} element={element} />
                <Route path="*" element={<div data-testid="navigated" />} />
              </Routes>
            </MemoryRouter>
          </BreakGlassProvider>
        </AuthProvider>
      </QueryClientProvider>
    </MantineProvider>,
  );
  return { ...utils, fetchMock, session };
}

/** The FHIR requests a page sent, as `METHOD path?query` (relative to /fhir/). */
export function requests(fetchMock: ReturnType<typeof vi.fn>): string[] {
  return fetchMock.mock.calls
    .map(([input, init]) => `${(init as RequestInit | undefined)?.method ?? 'GET'} ${String(input)}`)
    .filter((line) => line.includes('/fhir/'))
    .map((line) => line.replace(/^(\w+) .*?\/fhir\//, '$1 '));
}
