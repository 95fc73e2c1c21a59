import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderPage, requests, type FakeResponse } from '../../test/render';
import { ClaimEdit } from './ClaimEdit';

const CLAIM = {
  resourceType: 'Claim',
  id: 'c1',
  meta: { versionId: '7', lastUpdated: '2026-12-01T10:00:00Z' },
  status: 'draft',
  type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
  use: 'claim',
  patient: { reference: 'Patient/p1' },
  created: '2026-11-15',
  billablePeriod: { start: '2026-11-15T08:00:00Z', end: '2026-11-15T09:00:00Z' },
  provider: { reference: 'Organization/clinic', display: 'Northside Clinic' },
  insurer: { reference: 'Organization/acme', display: 'Acme Health Insurance' },
  priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
  insurance: [{ sequence: 1, focal: true, coverage: { reference: 'Coverage/cov1' } }],
  item: [{ sequence: 1, productOrService: { text: 'Consultation' }, net: { value: 80, currency: 'USD' } }],
  total: { value: 80, currency: 'USD' },
};

function render(answer: (method: string, url: string, body: unknown) => FakeResponse | undefined) {
  return renderPage(<ClaimEdit />, {
    roles: ['billing'],
    path: '/claims/c1',
    route: '/claims/:claimId',
    answer: (method, url, body) => answer(method, url, body) ?? (method === 'GET' ? { body: CLAIM } : { status: 500, body: {} }),
  });
}

function puts(fetchMock: ReturnType<typeof renderPage>['fetchMock']) {
  return fetchMock.mock.calls
    .filter(([, init]) => (init as RequestInit | undefined)?.method === 'PUT')
    .map(([input, init]) => ({ url: String(input), headers: (init as RequestInit).headers as Record<string, string>, body: JSON.parse(String((init as RequestInit).body)) }));
}

describe('ClaimEdit', () => {
  it('when fields are changed then the PUT keeps every other field and sends If-Match', async () => {
    const user = userEvent.setup();
    const { fetchMock } = render((method, _url, body) => (method === 'PUT' ? { body: { ...(body as object), meta: { versionId: '8' } } } : undefined));
    await user.selectOptions(await screen.findByLabelText(/^Status/), 'active');
    await user.selectOptions(screen.getByLabelText('Priority'), 'stat');
    await user.clear(screen.getByLabelText('Total amount'));
    await user.type(screen.getByLabelText('Total amount'), '95.25');
    fireEvent.change(screen.getByLabelText('Billable period end'), { target: { value: '2026-11-16' } });
    await user.clear(screen.getByLabelText(/Insurer name/));
    await user.type(screen.getByLabelText(/Insurer name/), 'Acme PPO');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    expect(await screen.findByText('Saved (version 8).')).toBeInTheDocument();
    const [put] = puts(fetchMock);
    expect(put.url).toBe('/fhir/Claim/c1');
    expect(put.headers['If-Match']).toBe('W/"7"');
    // no <style> element at run time (CSP style-src 'self')
    expect(document.querySelectorAll('style[data-mantine-styles="inline"]')).toHaveLength(0);
    expect(put.body).toEqual({
      ...CLAIM,
      status: 'active',
      priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'stat' }] },
      total: { value: 95.25, currency: 'USD' },
      // the unchanged start keeps its exact time
      billablePeriod: { start: '2026-11-15T08:00:00Z', end: '2026-11-16' },
      insurer: { reference: 'Organization/acme', display: 'Acme PPO' },
    });
  });

  it('when the server reports an issue on Claim.status then it is shown under the status field', async () => {
    const user = userEvent.setup();
    render((method) =>
      method === 'PUT'
        ? {
            status: 422,
            body: {
              resourceType: 'OperationOutcome',
              issue: [
                { severity: 'error', code: 'code-invalid', diagnostics: 'A submitted claim cannot go back to draft', expression: ['Claim.status'] },
                { severity: 'error', code: 'business-rule', diagnostics: 'The claim is locked for month-end closing' },
              ],
            },
          }
        : undefined,
    );
    await user.click(await screen.findByRole('button', { name: 'Save changes' }));
    const status = screen.getByLabelText(/^Status/);
    await waitFor(() => expect(status).toHaveAttribute('aria-invalid', 'true'));
    expect(status).toHaveAccessibleDescription('A submitted claim cannot go back to draft');
    // the issue of no field: in the alert, not under a field
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('The claim is locked for month-end closing');
    expect(alert).not.toHaveTextContent('cannot go back to draft');
  });

  it('when the server answers 412 then the page says someone else changed the claim and offers a reload', async () => {
    const user = userEvent.setup();
    let version = 7;
    const { fetchMock } = render((method) => {
      if (method === 'PUT') {
        return { status: 412, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'conflict', diagnostics: 'HAPI-0989: version conflict' }] } };
      }
      return { body: { ...CLAIM, meta: { versionId: String(version) }, status: version === 7 ? 'draft' : 'cancelled' } };
    });
    await user.selectOptions(await screen.findByLabelText(/^Status/), 'active');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Changed by someone else');
    expect(alert).toHaveTextContent('changed by someone else since you opened it');

    version = 9;
    await user.click(screen.getByRole('button', { name: 'Reload the claim' }));
    await waitFor(() => expect(screen.getByLabelText(/^Status/)).toHaveValue('cancelled'));
    expect(screen.queryByText('Changed by someone else')).not.toBeInTheDocument();
    expect(requests(fetchMock).filter((r) => r === 'GET Claim/c1')).toHaveLength(2);
  });

  it('when the amount or currency is malformed then nothing is sent', async () => {
    const user = userEvent.setup();
    const { fetchMock } = render(() => undefined);
    await user.clear(await screen.findByLabelText('Total amount'));
    await user.type(screen.getByLabelText('Total amount'), '12,5');
    await user.clear(screen.getByLabelText(/Currency/));
    await user.type(screen.getByLabelText(/Currency/), 'U$');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText(/An amount such as 120.50/)).toBeInTheDocument();
    expect(screen.getByText(/three-letter ISO 4217 code/)).toBeInTheDocument();
    expect(puts(fetchMock)).toHaveLength(0);
  });
});
