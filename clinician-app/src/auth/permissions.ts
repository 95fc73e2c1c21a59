import type { Claims, Role } from './claims';

/**
 * What the screens offer to a role: the server's access policy (docs/access-control.md) decides,
 * this only hides what it would refuse anyway. Keep in step with interceptors'
 * access-policy.yaml; a 403 from the server is still shown if they drift.
 */
export type Capability =
  | 'patients.search'
  | 'patients.register'
  | 'patients.edit'
  | 'chart.clinical'
  | 'encounters.write'
  | 'observations.write'
  | 'breakGlass'
  | 'consents.manage'
  | 'claims.read'
  | 'claims.write'
  | 'reports.clinical'
  | 'reports.billing'
  | 'audit';

const BY_ROLE: Record<Role, Capability[]> = {
  physician: [
    'patients.search',
    'patients.register',
    'patients.edit',
    'chart.clinical',
    'encounters.write',
    'observations.write',
    'breakGlass',
    'claims.read',
    'reports.clinical',
  ],
  nurse: ['patients.search', 'chart.clinical', 'encounters.write', 'observations.write', 'breakGlass', 'reports.clinical'],
  'front-desk': ['patients.search', 'patients.register', 'patients.edit', 'encounters.write', 'consents.manage', 'reports.clinical'],
  billing: ['patients.search', 'claims.read', 'claims.write', 'reports.billing'],
  auditor: ['audit'],
  admin: [],
  patient: [],
  integration: [],
};

export const ROLE_LABELS: Record<Role, string> = {
  physician: 'Physician',
  nurse: 'Nurse',
  'front-desk': 'Front desk',
  billing: 'Billing',
  auditor: 'Auditor',
  admin: 'Administrator',
  patient: 'Patient',
  integration: 'Integration',
};

export function can(claims: Claims | undefined, capability: Capability): boolean {
  if (!claims) {
    return false;
  }
  return claims.roles.some((role) => BY_ROLE[role]?.includes(capability)) && scopesAllow(claims.scopes, capability);
}

/** The app asks for `user/*.cruds`; a narrower grant (a user who deselected scopes) hides writes. */
function scopesAllow(scopes: string[], capability: Capability): boolean {
  const writes = ['patients.register', 'patients.edit', 'encounters.write', 'observations.write', 'consents.manage', 'claims.write'];
  if (!writes.includes(capability)) {
    return scopes.some((scope) => scope.startsWith('user/'));
  }
  return scopes.some((scope) => /^user\/\*\.(c?r?u?d?s?|write|\*)$/.test(scope) && /c|u|write|\*/.test(scope.split('.')[1]));
}

export function primaryRole(claims: Claims | undefined): Role | undefined {
  return claims?.roles.find((role) => role in BY_ROLE);
}
