import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Role } from '../../auth/claims';
import { renderPage, requests, type FakeResponse } from '../../test/render';
import { PatientChart } from './PatientChart';
import { choose } from './testSupport';

const notKnown: FakeResponse = {
  status: 404,
  body: {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'processing', diagnostics: 'Resource Patient/p-1 is not known' }],
  },
};

const patient = {
  resourceType: 'Patient',
  id: 'p-1',
  meta: { versionId: '3', security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
  name: [{ family: 'Testerson', given: ['Anna'] }],
  gender: 'female',
  birthDate: '1980-05-04',
  identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: 'MRN-1' }],
};

const encounter = {
  resourceType: 'Encounter',
  id: 'e-1',
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
  type: [{ text: 'Check-up' }],
  period: { start: '2026-12-01T09:00:00+01:00', end: '2026-12-01T09:30:00+01:00' },
  reasonCode: [{ text: 'Annual review' }],
};

function searchset(...resources: object[]) {
  return { resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) };
}

function chart(roles: Role[], answer: (method: string, url: string, body: unknown) => FakeResponse) {
  return renderPage(<PatientChart />, { roles, path: '/patients/p-1', route: '/patients/:id', answer, fhirUser: 'Practitioner/demo-physician' });
}

const found = (_method: string, url: string): FakeResponse =>
  url.includes('/fhir/Patient/p-1') ? { body: patient } : url.includes('/fhir/Encounter?') ? { body: searchset(encounter) } : { body: searchset() };

describe('PatientChart', () => {
  it('when the patient read answers 404, then explains "not found, or withheld" and offers break-glass to a physician', async () => {
    chart(['physician'], () => notKnown);
    expect(await screen.findByRole('heading', { level: 1, name: 'Not found, or withheld from you' })).toBeInTheDocument();
    expect(screen.getByText(/no treatment relationship with the patient/)).toBeInTheDocument();
    expect(screen.getByText(/consent, or a sensitivity label on the record, restricts access/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Break the glass (emergency access)' })).toBeInTheDocument();
  });

  it.each([['billing'], ['front-desk']] as [Role][])('when the patient read answers 404 for %s, then there is no break-glass button', async (role) => {
    chart([role], () => notKnown);
    expect(await screen.findByRole('heading', { level: 1, name: 'Not found, or withheld from you' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Break the glass/ })).not.toBeInTheDocument();
  });

  it('when the break-glass justification is too short, then says so and sends nothing', async () => {
    const user = userEvent.setup();
    const { fetchMock } = chart(['physician'], () => notKnown);
    await user.click(await screen.findByRole('button', { name: 'Break the glass (emergency access)' }));
    const dialog = await screen.findByRole('dialog', { name: 'Break the glass (emergency access)' });
    expect(within(dialog).getByText(/recorded in the audit trail with your name and\s+reviewed by compliance/)).toBeInTheDocument();

    await choose(user, /Reason/, 'Emergency treatment', dialog);
    await user.type(within(dialog).getByRole('textbox', { name: /Justification/ }), 'too short');
    await user.click(within(dialog).getByRole('button', { name: 'Declare emergency access' }));

    expect(within(dialog).getByText('Explain the emergency in at least 10 characters (9 so far).')).toBeInTheDocument();
    expect(requests(fetchMock).filter((r) => r.startsWith('POST'))).toEqual([]);
  });

  it('when break-glass is declared, then POSTs Parameters with reason and text and shows the emergency access notice', async () => {
    const user = userEvent.setup();
    const expires = new Date(Date.now() + 60 * 60 * 1000);
    let declared = false;
    const bodies: unknown[] = [];
    const { fetchMock } = chart(['physician'], (method, url, body) => {
      if (method === 'POST' && url.endsWith('/fhir/Patient/p-1/$break-glass')) {
        bodies.push(body);
        declared = true;
        return {
          body: {
            resourceType: 'Parameters',
            parameter: [
              { name: 'id', valueString: 'decl-1' },
              { name: 'patient', valueReference: { reference: 'Patient/p-1' } },
              { name: 'expires', valueInstant: expires.toISOString() },
            ],
          },
        };
      }
      return declared ? found(method, url) : notKnown;
    });
    await user.click(await screen.findByRole('button', { name: 'Break the glass (emergency access)' }));
    const dialog = await screen.findByRole('dialog');
    await choose(user, /Reason/, 'Patient unable to consent', dialog);
    await user.type(within(dialog).getByRole('textbox', { name: /Justification/ }), 'Unconscious in the emergency department');
    await user.click(within(dialog).getByRole('button', { name: 'Declare emergency access' }));

    expect(await screen.findByRole('heading', { level: 1, name: /Anna Testerson/ })).toBeInTheDocument();
    expect(bodies).toEqual([
      {
        resourceType: 'Parameters',
        parameter: [
          { name: 'reason', valueCode: 'patient-unable-to-consent' },
          { name: 'text', valueString: 'Unconscious in the emergency department' },
        ],
      },
    ]);
    const hhmm = `${String(expires.getHours()).padStart(2, '0')}:${String(expires.getMinutes()).padStart(2, '0')}`;
    expect(screen.getByText(new RegExp(`Emergency access until ${hhmm}`))).toBeInTheDocument();
    expect(requests(fetchMock).filter((r) => r === 'GET Patient/p-1')).toHaveLength(2);
  });

  it('when the server refuses break-glass, then shows its reason in the dialog', async () => {
    const user = userEvent.setup();
    chart(['nurse'], (method) =>
      method === 'POST'
        ? { status: 403, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden', diagnostics: 'break-glass needs a Practitioner fhirUser' }] } }
        : notKnown,
    );
    await user.click(await screen.findByRole('button', { name: 'Break the glass (emergency access)' }));
    const dialog = await screen.findByRole('dialog');
    await choose(user, /Reason/, 'Other', dialog);
    await user.type(within(dialog).getByRole('textbox', { name: /Justification/ }), 'Needed for the transfer now');
    await user.click(within(dialog).getByRole('button', { name: 'Declare emergency access' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('break-glass needs a Practitioner fhirUser');
  });

  it('when a physician opens a restricted chart, then shows the banner, a restricted badge, the actions and the encounters', async () => {
    const { fetchMock } = chart(['physician'], found);
    expect(await screen.findByRole('heading', { level: 1, name: 'Anna Testerson' })).toBeInTheDocument();
    expect(within(screen.getByTestId('patient-banner')).getByText('Restricted')).toBeInTheDocument();
    expect(screen.getByText('MRN MRN-1')).toBeInTheDocument();
    for (const name of ['Edit patient', 'New encounter', 'Record observation', 'Printable summary']) {
      expect(screen.getByRole('link', { name })).toBeInTheDocument();
    }
    expect(screen.queryByRole('link', { name: 'Consents' })).not.toBeInTheDocument();
    for (const name of ['Encounters', 'Observations', 'Conditions', 'Claims']) {
      expect(screen.getByRole('tab', { name })).toBeInTheDocument();
    }
    const table = await screen.findByRole('table', { name: /Encounters/ });
    expect(within(table).getByText('Annual review')).toBeInTheDocument();
    expect(within(table).getByRole('link', { name: /Edit encounter/ })).toHaveAttribute('href', '/patients/p-1/encounters/e-1');
    await waitFor(() => expect(requests(fetchMock)).toContain('GET Encounter?subject=Patient%2Fp-1&_sort=-date&_count=50'));
  });

  it('when a nurse opens a chart, then there is no "Edit patient" button and no Claims tab', async () => {
    chart(['nurse'], found);
    expect(await screen.findByRole('heading', { level: 1, name: 'Anna Testerson' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Edit patient' })).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Record observation' })).toBeInTheDocument();
    expect(screen.queryByRole('tab', { name: 'Claims' })).not.toBeInTheDocument();
  });

  it('when the front desk opens a chart, then sees encounters without reasons and no clinical tabs', async () => {
    chart(['front-desk'], found);
    expect(await screen.findByRole('heading', { level: 1, name: 'Anna Testerson' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Consents' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Edit patient' })).toBeInTheDocument();
    expect(screen.queryByRole('tab', { name: 'Observations' })).not.toBeInTheDocument();
    expect(screen.queryByRole('tab', { name: 'Conditions' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Printable summary' })).not.toBeInTheDocument();
    const table = await screen.findByRole('table', { name: /Encounters/ });
    expect(within(table).queryByRole('columnheader', { name: 'Reason' })).not.toBeInTheDocument();
  });
});
