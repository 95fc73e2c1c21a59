import { describe, expect, it } from 'vitest';
import { can } from './permissions';
import type { Claims } from './claims';

const claims = (roles: Claims['roles'], scopes = ['user/*.cruds']): Claims => ({
  subject: 'u',
  roles,
  scopes,
  expiresAt: Date.now() + 60_000,
});

describe('permissions', () => {
  it('when a nurse then observations may be written but no patient registered', () => {
    expect(can(claims(['nurse']), 'observations.write')).toBe(true);
    expect(can(claims(['nurse']), 'patients.register')).toBe(false);
  });

  it('when billing then claims but nothing clinical', () => {
    expect(can(claims(['billing']), 'claims.write')).toBe(true);
    expect(can(claims(['billing']), 'chart.clinical')).toBe(false);
  });

  it('when the user granted only read scopes then no write is offered', () => {
    expect(can(claims(['physician'], ['user/*.rs']), 'patients.edit')).toBe(false);
    expect(can(claims(['physician'], ['user/*.rs']), 'patients.search')).toBe(true);
  });

  it('when the auditor then only the audit console', () => {
    expect(can(claims(['auditor']), 'audit')).toBe(true);
    expect(can(claims(['auditor']), 'patients.search')).toBe(false);
  });
});
