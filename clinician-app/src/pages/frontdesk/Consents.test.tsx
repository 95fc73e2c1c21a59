import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderPage, requests, type FakeResponse } from '../../test/render';
import { Consents } from './Consents';
import { describeConsent, type Consent } from './consentModel';

const PATIENT = { resourceType: 'Patient', id: 'p1', meta: { versionId: '1' }, name: [{ family: 'Lovelace', given: ['Ada'] }] };

const SCOPE = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] };
const category = (code: string) => [{ coding: [{ system: 'urn:securefhir:consent-category', code }] }];

const NO_PSY: Consent = {
  resourceType: 'Consent',
  id: 'c1',
  meta: { versionId: '3', lastUpdated: '2026-12-01T10:00:00Z' },
  status: 'active',
  scope: SCOPE,
  category: category('general'),
  patient: { reference: 'Patient/p1' },
  dateTime: '2026-12-01',
  provision: { type: 'deny', securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' }] },
};

const ONLY_DR_JONES: Consent = {
  resourceType: 'Consent',
  id: 'c2',
  meta: { versionId: '1', lastUpdated: '2026-11-02T10:00:00Z' },
  status: 'active',
  scope: SCOPE,
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }, { system: 'urn:securefhir:consent-category', code: 'treatment' }] }],
  patient: { reference: 'Patient/p1' },
  dateTime: '2026-11-02',
  provision: {
    type: 'deny',
    provision: [
      {
        type: 'permit',
        actor: [
          {
            role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] },
            reference: { reference: 'Practitioner/dr-jones', display: 'Dr Jones' },
          },
        ],
      },
    ],
  },
};

const RESEARCH_REVOKED: Consent = {
  resourceType: 'Consent',
  id: 'c3',
  meta: { versionId: '2', lastUpdated: '2026-11-20T10:00:00Z' },
  status: 'inactive',
  scope: SCOPE,
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentcategorycodes', code: 'research' }] }],
  patient: { reference: 'Patient/p1' },
  dateTime: '2026-10-01',
  provision: { type: 'permit' },
};

const NOT_HIV: Consent = {
  resourceType: 'Consent',
  id: 'c4',
  status: 'active',
  scope: SCOPE,
  category: category('treatment'),
  patient: { reference: 'Patient/p1' },
  dateTime: '2026-09-01',
  provision: { type: 'permit', provision: [{ type: 'deny', securityLabel: [{ code: 'HIV' }] }] },
};

function bundle(...resources: object[]) {
  return { resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })) };
}

function today(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function render(answer: (method: string, url: string, body: unknown) => FakeResponse | undefined) {
  return renderPage(<Consents />, {
    roles: ['front-desk'],
    path: '/patients/p1/consents',
    route: '/patients/:id/consents',
    answer: (method, url, body) =>
      answer(method, url, body) ??
      (url.includes('/fhir/Patient/p1') ? { body: PATIENT } : url.includes('/fhir/Consent?') ? { body: bundle() } : { status: 404, body: {} }),
  });
}

function bodiesOf(fetchMock: ReturnType<typeof renderPage>['fetchMock'], method: string) {
  return fetchMock.mock.calls
    .filter(([, init]) => (init as RequestInit | undefined)?.method === method)
    .map(([input, init]) => ({
      url: String(input),
      headers: (init as RequestInit).headers as Record<string, string>,
      body: JSON.parse(String((init as RequestInit).body)),
    }));
}

describe('Consents', () => {
  it('when the page opens then it reads the patient and searches their consents', async () => {
    const { fetchMock } = render(() => undefined);
    expect(await screen.findByRole('heading', { level: 1, name: 'Consents of Ada Lovelace' })).toBeInTheDocument();
    await waitFor(() => expect(requests(fetchMock)).toContain('GET Consent?patient=Patient%2Fp1&_count=100'));
    expect(requests(fetchMock)).toContain('GET Patient/p1');
  });

  it('when consents are listed then each reads in plain language with its status', async () => {
    render((method, url) => (method === 'GET' && url.includes('/fhir/Consent?') ? { body: bundle(RESEARCH_REVOKED, ONLY_DR_JONES, NO_PSY, NOT_HIV) } : undefined));
    const table = await screen.findByRole('table', { name: 'Consents of Ada Lovelace' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell')[0].textContent)).toEqual([
      'Shares no psychiatric records (PSY) with anyone — active since 2026-12-01',
      'Shares records for treatment only with Dr Jones (Practitioner/dr-jones) — active since 2026-11-02',
      'Shares records for treatment, except: shares no HIV records (HIV) — active since 2026-09-01',
      'Agrees to the use of their records for research — revoked on 2026-11-20',
    ]);
    expect(within(rows[0]).getByText('Active')).toBeInTheDocument();
    expect(within(rows[3]).getByText('Revoked')).toBeInTheDocument();
    expect(within(rows[3]).queryByRole('button', { name: /Revoke/ })).not.toBeInTheDocument();
    // no <style> element at run time (CSP style-src 'self')
    expect(document.querySelectorAll('style[data-mantine-styles="inline"]')).toHaveLength(0);
  });

  it('when a sensitive category is withheld then it POSTs exactly the Consent the server accepts', async () => {
    const user = userEvent.setup();
    const { fetchMock } = render((method, _url, body) =>
      method === 'POST' ? { status: 201, body: { ...(body as object), id: 'new-1', meta: { versionId: '1' } } } : undefined,
    );
    await screen.findByRole('heading', { level: 1, name: 'Consents of Ada Lovelace' });
    await user.selectOptions(screen.getByLabelText('The patient’s choice'), 'withhold-sensitive');
    await user.selectOptions(screen.getByLabelText('Kind of record'), 'PSY');
    expect(screen.getByTestId('consent-preview')).toHaveTextContent(`Shares no psychiatric records (PSY) with anyone — active since ${today()}`);
    await user.click(screen.getByLabelText(/made this choice/));
    await user.click(screen.getByRole('button', { name: 'Record consent' }));

    await screen.findByText('Consent recorded');
    const posts = bodiesOf(fetchMock, 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0].url).toBe('/fhir/Consent');
    expect(posts[0].headers['Content-Type']).toBe('application/fhir+json');
    expect(posts[0].body).toEqual({
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'urn:securefhir:consent-category', code: 'general' }] }],
      patient: { reference: 'Patient/p1' },
      dateTime: today(),
      performer: [{ reference: 'Patient/p1' }],
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
      provision: { type: 'deny', securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' }] },
    });
  });

  it('when only a named clinician may treat then it POSTs a treatment deny with a nested permit for that Practitioner', async () => {
    const user = userEvent.setup();
    const { fetchMock } = render((method, _url, body) => (method === 'POST' ? { status: 201, body: { ...(body as object), id: 'new-2' } } : undefined));
    await screen.findByRole('heading', { level: 1, name: 'Consents of Ada Lovelace' });
    await user.selectOptions(screen.getByLabelText('The patient’s choice'), 'only-clinicians');
    await user.type(screen.getByLabelText(/Record id of the clinician/), 'dr-jones');
    await user.type(screen.getByLabelText(/Name as the patient knows them/), 'Dr Jones');
    fireEvent.change(screen.getByLabelText(/In force from/), { target: { value: '2027-01-01' } });
    fireEvent.change(screen.getByLabelText(/^Until/), { target: { value: '2027-12-31' } });
    await user.click(screen.getByLabelText(/made this choice/));
    await user.click(screen.getByRole('button', { name: 'Record consent' }));

    await screen.findByText('Consent recorded');
    const [post] = bodiesOf(fetchMock, 'POST');
    expect(post.body.category).toEqual([{ coding: [{ system: 'urn:securefhir:consent-category', code: 'treatment' }] }]);
    expect(post.body.policyRule).toEqual({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] });
    expect(post.body.provision).toEqual({
      type: 'deny',
      period: { start: '2027-01-01', end: '2027-12-31' },
      provision: [
        {
          type: 'permit',
          actor: [
            {
              role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
              reference: { reference: 'Practitioner/dr-jones', display: 'Dr Jones' },
            },
          ],
        },
      ],
    });
  });

  it('when the choice is not confirmed or incomplete then nothing is sent', async () => {
    const user = userEvent.setup();
    const { fetchMock } = render(() => undefined);
    await screen.findByRole('heading', { level: 1, name: 'Consents of Ada Lovelace' });
    await user.selectOptions(screen.getByLabelText('The patient’s choice'), 'refuse-actor');
    await user.click(screen.getByRole('button', { name: 'Record consent' }));
    expect(await screen.findByText('Enter the record id of the person.')).toBeInTheDocument();
    expect(screen.getByText(/Confirm that the patient/)).toBeInTheDocument();
    expect(bodiesOf(fetchMock, 'POST')).toHaveLength(0);
  });

  it('when the server refuses a consent then its OperationOutcome is shown', async () => {
    const user = userEvent.setup();
    render((method) =>
      method === 'POST'
        ? {
            status: 400,
            body: {
              resourceType: 'OperationOutcome',
              issue: [{ severity: 'error', code: 'processing', diagnostics: 'HAPI-1094: Resource RelatedPerson/nobody not found, specified in path: Consent.provision.actor.reference' }],
            },
          }
        : undefined,
    );
    await screen.findByRole('heading', { level: 1, name: 'Consents of Ada Lovelace' });
    await user.selectOptions(screen.getByLabelText('The patient’s choice'), 'refuse-actor');
    await user.selectOptions(screen.getByLabelText('Who'), 'RelatedPerson');
    await user.type(screen.getByLabelText(/Record id of the relative/), 'nobody');
    await user.click(screen.getByLabelText(/made this choice/));
    await user.click(screen.getByRole('button', { name: 'Record consent' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The server did not record the consent');
    expect(alert).toHaveTextContent('RelatedPerson/nobody not found');
  });

  it('when a consent is revoked then it PUTs the same Consent with status inactive and If-Match', async () => {
    const user = userEvent.setup();
    const { fetchMock } = render((method, url, body) => {
      if (method === 'GET' && url.includes('/fhir/Consent?')) {
        return { body: bundle(NO_PSY) };
      }
      if (method === 'PUT') {
        return { body: { ...(body as object), meta: { versionId: '4', lastUpdated: '2026-12-07T10:00:00Z' } } };
      }
      return undefined;
    });
    await user.click(await screen.findByRole('button', { name: /^Revoke: Shares no psychiatric records/ }));
    await user.click(screen.getByRole('button', { name: /^Confirm revoking/ }));
    expect(await screen.findByText('Consent revoked')).toBeInTheDocument();

    const puts = bodiesOf(fetchMock, 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0].url).toBe('/fhir/Consent/c1');
    expect(puts[0].headers['If-Match']).toBe('W/"3"');
    expect(puts[0].body).toEqual({ ...NO_PSY, status: 'inactive' });
  });

  it('when someone else changed the consent then revoking says so and reloads the list', async () => {
    const user = userEvent.setup();
    const { fetchMock } = render((method, url) => {
      if (method === 'GET' && url.includes('/fhir/Consent?')) {
        return { body: bundle(NO_PSY) };
      }
      if (method === 'PUT') {
        return {
          status: 409,
          body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: 'HAPI-0989: not the current version' }] },
        };
      }
      return undefined;
    });
    await user.click(await screen.findByRole('button', { name: /^Revoke: / }));
    await user.click(screen.getByRole('button', { name: /^Confirm revoking/ }));
    expect(await screen.findByText('Changed by someone else')).toBeInTheDocument();
    await waitFor(() => expect(requests(fetchMock).filter((r) => r.startsWith('GET Consent?'))).toHaveLength(2));
  });

  it('when the patient record is withheld then the consents are still listed', async () => {
    render((method, url) => {
      if (url.includes('/fhir/Patient/p1')) {
        return { status: 404, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: 'Resource Patient/p1 is not known' }] } };
      }
      if (method === 'GET' && url.includes('/fhir/Consent?')) {
        return { body: bundle(ONLY_DR_JONES) };
      }
      return undefined;
    });
    expect(await screen.findByText('The patient’s record is not shown to you')).toBeInTheDocument();
    expect(await screen.findByRole('table', { name: 'Consents of Patient/p1' })).toBeInTheDocument();
  });
});

describe('describeConsent', () => {
  it('when a consent names an app or purposes then it says so', () => {
    expect(
      describeConsent({
        resourceType: 'Consent',
        status: 'active',
        category: category('third-party'),
        dateTime: '2026-12-01',
        provision: {
          type: 'permit',
          actor: [{ reference: { identifier: { system: 'https://securefhir.org/fhir/sid/oauth-client', value: 'insurer-app' } } }],
          class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Claim' }],
        },
      }),
    ).toBe('Shares Claim records with the app “insurer-app” — active since 2026-12-01');
    expect(
      describeConsent({
        resourceType: 'Consent',
        status: 'active',
        category: category('data-sharing'),
        dateTime: '2026-12-01',
        provision: {
          type: 'deny',
          purpose: [
            { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HPAYMT' },
            { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'COVERAGE' },
          ],
        },
      }),
    ).toBe('Shares no records for payment or insurance coverage — active since 2026-12-01');
  });
});
