import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND } from './accounts';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Data the role specs work on, written as an interface engine would (the demo backend service):
 * a patient nobody treats (break-glass), a claim of the demo patient (billing). Their ids go to
 * target/e2e-fixtures.json. The specs' own work (registrations, observations, consents) is done
 * through the app.
 */
export default async function globalSetup() {
  const origin = process.env.APP_ORIGIN ?? 'https://localhost:8443';
  const tokenResponse = await fetch(`${origin}/auth/oauth2/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${BACKEND.id}:${BACKEND.secret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=system/*.cruds',
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const create = async (resource: object) => {
    const response = await fetch(`${origin}/fhir/${(resource as { resourceType: string }).resourceType}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/fhir+json',
        Accept: 'application/fhir+json',
      },
      body: JSON.stringify(resource),
    });
    if (response.status !== 201) {
      throw new Error(`setup: ${response.status} ${await response.text()}`);
    }
    return ((await response.json()) as { id: string }).id;
  };
  const run = Date.now().toString(36);
  const untreated = await create({
    resourceType: 'Patient',
    name: [{ family: `Emergency${run}`, given: ['Alex'] }],
    gender: 'female',
    birthDate: '1984-03-02',
    identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: `E2E-${run}` }],
  });
  const insurer = await create({ resourceType: 'Organization', name: 'Acme Health Insurance' });
  const claim = await create({
    resourceType: 'Claim',
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
    use: 'claim',
    patient: { reference: 'Patient/demo-patient' },
    created: new Date().toISOString().slice(0, 10),
    provider: { reference: 'Practitioner/demo-physician' },
    insurer: { reference: `Organization/${insurer}`, display: 'Acme Health Insurance' },
    priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
    insurance: [{ sequence: 1, focal: true, coverage: { display: 'Acme PPO' } }],
    total: { value: 180, currency: 'USD' },
  });
  writeFileSync(
    join(here, '..', 'target', 'e2e-fixtures.json'),
    JSON.stringify({ run, untreatedPatient: untreated, untreatedFamily: `Emergency${run}`, claim, insurer }),
  );
}
