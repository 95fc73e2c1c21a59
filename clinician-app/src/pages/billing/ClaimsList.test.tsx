import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderPage, requests, type FakeResponse } from '../../test/render';
import type { Role } from '../../auth/claims';
import { ClaimsList } from './ClaimsList';
import { nextPath } from '../../api/fhir';

function claim(id: string, extra: object = {}) {
  return {
    resourceType: 'Claim',
    id,
    meta: { versionId: '1' },
    status: 'active',
    created: '2026-11-03',
    patient: { reference: 'Patient/p1' },
    provider: { reference: 'Organization/clinic', display: 'Northside Clinic' },
    insurer: { reference: 'Organization/acme', display: 'Acme Health Insurance' },
    total: { value: 120.5, currency: 'USD' },
    ...extra,
  };
}

const ADA = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Lovelace', given: ['Ada'] }] };

function render(roles: Role[], answer: (method: string, url: string) => FakeResponse | undefined = () => undefined) {
  return renderPage(<ClaimsList />, {
    roles,
    path: '/claims',
    route: '/claims',
    answer: (method, url) =>
      answer(method, url) ?? {
        body: {
          resourceType: 'Bundle',
          type: 'searchset',
          entry: [
            { resource: claim('c1'), search: { mode: 'match' } },
            { resource: claim('c2', { status: 'cancelled', patient: { reference: 'Patient/p2' }, total: undefined }), search: { mode: 'match' } },
            { resource: ADA, search: { mode: 'include' } },
          ],
        },
      },
  });
}

describe('ClaimsList', () => {
  it('when the page opens then it lists claims newest first with the patients included', async () => {
    const { fetchMock } = render(['billing']);
    const table = await screen.findByRole('table');
    expect(requests(fetchMock)).toEqual(['GET Claim?_sort=-created&_count=20&_include=Claim%3Apatient']);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByText('Ada Lovelace')).toBeInTheDocument();
    expect(within(rows[0]).getByText('USD 120.50')).toBeInTheDocument();
    expect(within(rows[0]).getByText('Acme Health Insurance')).toBeInTheDocument();
    expect(within(rows[0]).getByText('Northside Clinic')).toBeInTheDocument();
    expect(within(rows[0]).getByText('Active')).toBeInTheDocument();
    // a patient not included (not readable): the reference
    expect(within(rows[1]).getByText('Patient/p2')).toBeInTheDocument();
    expect(within(rows[1]).getByText('Cancelled')).toBeInTheDocument();
    expect(within(rows[0]).getByRole('link', { name: /Edit claim created 2026-11-03 for Ada Lovelace/ })).toHaveAttribute('href', '/claims/c1');
    // no <style> element at run time (CSP style-src 'self')
    expect(document.querySelectorAll('style[data-mantine-styles="inline"]')).toHaveLength(0);
  });

  it('when the filters are applied then the search sends status, the created period and the patient', async () => {
    const user = userEvent.setup();
    const { fetchMock } = render(['billing']);
    await screen.findByRole('table');
    await user.selectOptions(screen.getByLabelText('Status'), 'cancelled');
    fireEvent.change(screen.getByLabelText('Created from'), { target: { value: '2026-11-01' } });
    fireEvent.change(screen.getByLabelText('Created to'), { target: { value: '2026-11-30' } });
    await user.type(screen.getByLabelText(/Patient id/), 'p1');
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() =>
      expect(requests(fetchMock).at(-1)).toBe(
        'GET Claim?status=cancelled&created=ge2026-11-01&created=le2026-11-30&patient=Patient%2Fp1&_sort=-created&_count=20&_include=Claim%3Apatient',
      ),
    );
  });

  it('when the period ends before it starts then no search is sent', async () => {
    const user = userEvent.setup();
    const { fetchMock } = render(['billing']);
    await screen.findByRole('table');
    fireEvent.change(screen.getByLabelText('Created from'), { target: { value: '2026-11-30' } });
    fireEvent.change(screen.getByLabelText('Created to'), { target: { value: '2026-11-01' } });
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(await screen.findByText('The end of the period is before its start.')).toBeInTheDocument();
    expect(requests(fetchMock)).toHaveLength(1);
  });

  it('when the role is physician then claims are listed without edit links', async () => {
    render(['physician']);
    const table = await screen.findByRole('table');
    expect(within(table).queryByRole('link')).not.toBeInTheDocument();
    expect(within(table).queryByRole('columnheader', { name: 'Action' })).not.toBeInTheDocument();
  });

  it('when the role may not include patients then the search is repeated without the include', async () => {
    const { fetchMock } = render(['billing'], (_method, url) =>
      url.includes('_include') ? { status: 403, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden', diagnostics: '_include' }] } } : undefined,
    );
    await screen.findByRole('table');
    expect(requests(fetchMock)).toEqual(['GET Claim?_sort=-created&_count=20&_include=Claim%3Apatient', 'GET Claim?_sort=-created&_count=20']);
  });

  it('when more claims are available then Load more follows the server’s next link', async () => {
    const user = userEvent.setup();
    const { fetchMock } = render(['billing'], (_method, url) =>
      url.includes('_getpages')
        ? { body: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: claim('c3', { created: '2026-10-01' }), search: { mode: 'match' } }] } }
        : {
            body: {
              resourceType: 'Bundle',
              type: 'searchset',
              link: [{ relation: 'next', url: 'https://localhost:8443/fhir?_getpages=abc&_getpagesoffset=20&_count=20&_bundletype=searchset' }],
              entry: [{ resource: claim('c1'), search: { mode: 'match' } }],
            },
          },
    );
    await screen.findByRole('table');
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByText('2026-10-01');
    expect(requests(fetchMock).at(-1)).toBe('GET ?_getpages=abc&_getpagesoffset=20&_count=20&_bundletype=searchset');
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
  });
});

describe('nextPath', () => {
  it('when the next link is HAPI’s paging URL or a type URL then the path after the base is followed', () => {
    const link = (url: string) => ({ resourceType: 'Bundle' as const, link: [{ relation: 'next', url }] });
    expect(nextPath(link('https://localhost:8443/fhir?_getpages=x&_getpagesoffset=2'))).toBe('?_getpages=x&_getpagesoffset=2');
    expect(nextPath(link('https://localhost:8443/fhir/Claim?_count=2&page=2'))).toBe('Claim?_count=2&page=2');
    expect(nextPath({ resourceType: 'Bundle', link: [{ relation: 'self', url: 'https://localhost:8443/fhir/Claim' }] })).toBeUndefined();
  });
});
