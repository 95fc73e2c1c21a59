/** What the app reads from its access token (for display and to hide what the role cannot do). */
export type Role = 'physician' | 'nurse' | 'front-desk' | 'billing' | 'auditor' | 'admin' | 'patient' | 'integration';

export interface Claims {
  subject: string;
  roles: Role[];
  scopes: string[];
  fhirUser?: string;
  name?: string;
  expiresAt: number; // epoch ms
}

/**
 * Decodes a JWT's payload without verifying it: the server verifies every token it receives; the
 * app only uses the claims to shape its screens.
 */
export function decodeClaims(accessToken: string, idToken?: string): Claims {
  const payload = decodePayload(accessToken);
  const id = idToken ? decodePayload(idToken) : {};
  const roles = Array.isArray(payload.roles) ? (payload.roles as Role[]) : [];
  const scope = typeof payload.scope === 'string' ? payload.scope : Array.isArray(payload.scope) ? payload.scope.join(' ') : '';
  const fhirUser = (payload.fhirUser ?? id.fhirUser) as string | undefined;
  const name = (id.name ?? id.preferred_username ?? payload.preferred_username) as string | undefined;
  return {
    subject: String(payload.sub ?? ''),
    roles,
    scopes: scope.split(' ').filter(Boolean),
    fhirUser: fhirUser ? relativeReference(fhirUser) : undefined,
    name,
    expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : 0,
  };
}

function decodePayload(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1];
  if (!part) {
    return {};
  }
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

/** `https://host/fhir/Practitioner/x` → `Practitioner/x`. */
export function relativeReference(url: string): string {
  const match = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(url);
  return match ? match[1] : url;
}
