import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderPage, requests, type FakeResponse } from '../../test/render';
import type { Role } from '../../auth/claims';
import { PanelReports } from './PanelReports';

const download = vi.hoisted(() => vi.fn());
vi.mock('../../fhir/csv', async (original) => ({ ...(await original<typeof import('../../fhir/csv')>()), downloadCsv: download }));

beforeEach(() => download.mockReset());

const encounter = (id: string, code: string, status: string) => ({
  resourceType: 'Encounter',
  id,
  status,
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code },
});

const page = (resources: object[], next?: string, included: object[] = []) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  link: next ? [{ relation: 'next', url: next }] : [],
  entry: [...resources.map((resource) => ({ resource, search: { mode: 'match' } })), ...included.map((resource) => ({ resource, search: { mode: 'include' } }))],
});

function render(roles: Role[], answer: (method: string, url: string) => FakeResponse) {
  return renderPage(<PanelReports />, { roles, path: '/reports', route: '/reports', answer });
}

async function run(user: ReturnType<typeof userEvent.setup>, from = '2026-11-01', to = '2026-11-30') {
  fireEvent.change(screen.getByLabelText(/First day/), { target: { value: from } });
  fireEvent.change(screen.getByLabelText(/Last day/), { target: { value: to } });
  await user.click(screen.getByRole('button', { name: 'Run report' }));
}

describe('PanelReports', () => {
  it('when the encounter report spans two pages then it follows the next link, counts class × status and the CSV matches', async () => {
    const user = userEvent.setup();
    const { fetchMock } = render(['nurse'], (_method, url) =>
      url.includes('_getpages')
        ? { body: page([encounter('e4', 'IMP', 'in-progress'), encounter('e5', 'AMB', 'cancelled'), encounter('e6', 'EMER', 'finished')]) }
        : {
            body: page(
              [encounter('e1', 'AMB', 'finished'), encounter('e2', 'AMB', 'finished'), encounter('e3', 'IMP', 'finished')],
              'https://localhost:8443/fhir?_getpages=p1&_getpagesoffset=100&_count=100&_bundletype=searchset&_elements=class,status',
            ),
          },
    );
    expect(screen.queryByText(/Claims by status and payer/)).not.toBeInTheDocument();
    await run(user);

    const table = await screen.findByRole('table', { name: 'Encounters by class and status, 2026-11-01 to 2026-11-30' });
    expect(requests(fetchMock)).toEqual([
      'GET Encounter?date=ge2026-11-01&date=le2026-11-30&_count=100&_elements=class%2Cstatus',
      'GET ?_getpages=p1&_getpagesoffset=100&_count=100&_bundletype=searchset&_elements=class,status',
    ]);
    const cells = within(table)
      .getAllByRole('row')
      .map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent));
    expect(cells).toEqual([
      ['Class', 'In progress', 'Finished', 'Cancelled', 'Total'],
      ['Ambulatory (AMB)', '0', '2', '1', '3'],
      ['Inpatient (IMP)', '1', '1', '0', '2'],
      ['Emergency (EMER)', '0', '1', '0', '1'],
      ['All classes', '1', '4', '1', '6'],
    ]);

    await user.click(screen.getByRole('button', { name: 'Download CSV' }));
    expect(download).toHaveBeenCalledTimes(1);
    expect(download).toHaveBeenCalledWith(
      'encounters-by-class-2026-11-01-to-2026-11-30.csv',
      [
        'Class,Class code,In progress,Finished,Cancelled,Total',
        'Ambulatory,AMB,0,2,1,3',
        'Inpatient,IMP,1,1,0,2',
        'Emergency,EMER,0,1,0,1',
        'All classes,,1,4,1,6',
        '',
      ].join('\r\n'),
    );
    expect(screen.getByText(/are not counted/)).toBeInTheDocument();
    expect(screen.getByText(/recorded in the audit trail/)).toBeInTheDocument();
    // no <style> element at run time (CSP style-src 'self')
    expect(document.querySelectorAll('style[data-mantine-styles="inline"]')).toHaveLength(0);
  });

  it('when billing runs the report then claims are counted by payer and status with their totals and the CSV matches', async () => {
    const user = userEvent.setup();
    const claim = (id: string, status: string, insurer: object, value?: number) => ({
      resourceType: 'Claim',
      id,
      status,
      insurer,
      ...(value === undefined ? {} : { total: { value, currency: 'USD' } }),
    });
    const acme = { reference: 'Organization/acme', display: 'Acme Health' };
    const { fetchMock } = render(['billing'], (_method, url) =>
      url.includes('_getpages')
        ? { body: page([claim('c4', 'cancelled', acme, 45.25), claim('c5', 'active', { reference: 'Organization/beta' }, 0.1)], undefined, [{ resourceType: 'Organization', id: 'beta', name: '=Beta Mutual' }]) }
        : {
            body: page(
              [claim('c1', 'active', acme, 120.5), claim('c2', 'active', acme, 0.2), claim('c3', 'draft', acme)],
              'https://localhost:8443/fhir?_getpages=q1&_getpagesoffset=100&_count=100&_bundletype=searchset',
            ),
          },
    );
    expect(screen.queryByText(/Encounters by class/)).not.toBeInTheDocument();
    await run(user, '2026-12-01', '2026-12-31');

    const table = await screen.findByRole('table', { name: 'Claims by status and payer, 2026-12-01 to 2026-12-31' });
    expect(requests(fetchMock)).toEqual([
      'GET Claim?created=ge2026-12-01&created=le2026-12-31&_count=100&_elements=status%2Cinsurer%2Ctotal&_include=Claim%3Ainsurer',
      'GET ?_getpages=q1&_getpagesoffset=100&_count=100&_bundletype=searchset',
    ]);
    const cells = within(table)
      .getAllByRole('row')
      .map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent));
    expect(cells).toEqual([
      ['Payer', 'Status', 'Claims', 'Total amount'],
      ['=Beta MutualOrganization/beta', 'Active', '1', 'USD 0.10'],
      ['Acme HealthOrganization/acme', 'Active', '2', 'USD 120.70'],
      ['Acme HealthOrganization/acme', 'Draft', '1', '—'],
      ['Acme HealthOrganization/acme', 'Cancelled', '1', 'USD 45.25'],
      ['All payers', 'All statuses', '5', 'USD 166.05'],
    ]);

    await user.click(screen.getByRole('button', { name: 'Download CSV' }));
    expect(download).toHaveBeenCalledWith(
      'claims-by-status-and-payer-2026-12-01-to-2026-12-31.csv',
      [
        'Payer,Payer reference,Status,Claims,Total amount,Currency',
        "'=Beta Mutual,Organization/beta,Active,1,0.10,USD",
        'Acme Health,Organization/acme,Active,2,120.70,USD',
        'Acme Health,Organization/acme,Draft,1,,',
        'Acme Health,Organization/acme,Cancelled,1,45.25,USD',
        'All payers,,All statuses,5,166.05,USD',
        '',
      ].join('\r\n'),
    );
  });

  it('when the period holds more than the limit then the report stops and says it is incomplete', async () => {
    const user = userEvent.setup();
    let served = 0;
    const { fetchMock } = render(['front-desk'], () => {
      const batch = Array.from({ length: 100 }, (_, i) => encounter(`e${served + i}`, 'AMB', 'finished'));
      served += 100;
      return { body: page(batch, `https://localhost:8443/fhir?_getpages=big&_getpagesoffset=${served}&_count=100`) };
    });
    await run(user);
    expect(await screen.findByText('Incomplete count')).toBeInTheDocument();
    expect(requests(fetchMock)).toHaveLength(20);
    expect(screen.getByTestId('encounters-total')).toHaveTextContent('2000');
  });

  it('when the period ends before it starts then nothing is asked', async () => {
    const user = userEvent.setup();
    const { fetchMock } = render(['physician'], () => ({ body: page([]) }));
    await run(user, '2026-11-30', '2026-11-01');
    expect(await screen.findByText('The last day is before the first day.')).toBeInTheDocument();
    expect(requests(fetchMock)).toHaveLength(0);
  });

  it('when the role has no panel report then the page says so', () => {
    render(['auditor'], () => ({ body: page([]) }));
    expect(screen.getByRole('heading', { level: 1, name: 'Reports' })).toBeInTheDocument();
    expect(screen.getByText(/has no panel reports/)).toBeInTheDocument();
  });
});
