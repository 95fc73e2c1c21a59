import { randomToken, s256 } from './pkce';

/** The clinician app as a SMART client of the server that serves it (standalone launch, PKCE S256). */
export const CLIENT_ID = 'clinician-app';
export const SCOPES = 'openid fhirUser profile online_access user/*.cruds';
const PENDING = 'securefhir.login';

export interface SmartEndpoints {
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint?: string;
}

export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in?: number;
  scope?: string;
}

export const fhirBase = () => `${window.location.origin}/fhir`;
export const redirectUri = () => `${window.location.origin}/app/callback`;

let endpoints: Promise<SmartEndpoints> | undefined;

export function discover(): Promise<SmartEndpoints> {
  endpoints ??= fetch(`${fhirBase()}/.well-known/smart-configuration`, { headers: { Accept: 'application/json' } }).then(
    async (response) => {
      if (!response.ok) {
        endpoints = undefined;
        throw new Error(`The server's SMART configuration is unavailable (${response.status})`);
      }
      return (await response.json()) as SmartEndpoints;
    },
  );
  return endpoints;
}

/**
 * Sends the browser to the authorization server. Only the PKCE verifier, the state and the page to
 * return to are kept (in sessionStorage, for this tab, until the code comes back): never a token.
 */
export async function startLogin(returnTo: string): Promise<void> {
  const { authorization_endpoint } = await discover();
  const state = randomToken(16);
  const verifier = randomToken(48);
  sessionStorage.setItem(PENDING, JSON.stringify({ state, verifier, returnTo: safeReturn(returnTo) }));
  const url = new URL(authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: redirectUri(),
    scope: SCOPES,
    state,
    aud: fhirBase(),
    code_challenge: await s256(verifier),
    code_challenge_method: 'S256',
  }).toString();
  window.location.assign(url.toString());
}

/** Exchanges the code of the callback URL; returns the tokens and the page to go back to. */
export async function completeLogin(search: string): Promise<{ tokens: TokenResponse; returnTo: string }> {
  const params = new URLSearchParams(search);
  const pending = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  if (params.get('error')) {
    throw new Error(params.get('error_description') ?? params.get('error') ?? 'Sign-in was refused');
  }
  if (!pending) {
    throw new Error('This sign-in was not started in this tab; please sign in again.');
  }
  const { state, verifier, returnTo } = JSON.parse(pending) as { state: string; verifier: string; returnTo: string };
  const code = params.get('code');
  if (!code || params.get('state') !== state) {
    throw new Error('The sign-in response did not match the request; please sign in again.');
  }
  const tokens = await tokenRequest({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri(),
    client_id: CLIENT_ID,
    code_verifier: verifier,
  });
  return { tokens, returnTo: safeReturn(returnTo) };
}

export function refreshTokens(refreshToken: string): Promise<TokenResponse> {
  return tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID });
}

export async function revoke(refreshToken: string): Promise<void> {
  const { revocation_endpoint } = await discover();
  if (!revocation_endpoint) {
    return;
  }
  await fetch(revocation_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token', client_id: CLIENT_ID }),
  }).catch(() => undefined);
}

/** Keeps the login session alive while the user works (the server logs off after 15 idle minutes). */
export async function touchLoginSession(): Promise<boolean> {
  const response = await fetch('/auth/session', { credentials: 'same-origin', redirect: 'manual' });
  return response.status === 204;
}

/** Ends the login session (and with it the server-side validity of online_access refresh tokens). */
export async function endLoginSession(): Promise<void> {
  await fetch('/auth/session', {
    method: 'DELETE',
    credentials: 'same-origin',
    redirect: 'manual',
    headers: { 'X-Requested-With': 'securefhir-clinician-app' },
  }).catch(() => undefined);
}

async function tokenRequest(form: Record<string, string>): Promise<TokenResponse> {
  const { token_endpoint } = await discover();
  const response = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams(form),
  });
  const body = (await response.json().catch(() => ({}))) as TokenResponse & { error?: string; error_description?: string };
  if (!response.ok || !body.access_token) {
    throw new TokenError(body.error ?? `token endpoint answered ${response.status}`, body.error_description);
  }
  return body;
}

export class TokenError extends Error {
  constructor(
    readonly code: string,
    readonly description?: string,
  ) {
    super(description ? `${code}: ${description}` : code);
  }
}

/** Only paths of this app: never an absolute URL (no open redirect through the return page). */
function safeReturn(path: string): string {
  return path.startsWith('/app/') && !path.startsWith('//') && !path.includes('\\') ? path : '/app/';
}
