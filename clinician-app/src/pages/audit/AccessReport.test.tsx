import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderPage, requests } from '../../test/render';
import { downloadCsv } from '../../fhir/csv';
import { AccessReport } from './AccessReport';

vi.mock('../../fhir/csv', () => ({ downloadCsv: vi.fn(), toCsv: vi.fn() }));

const CSV =
  'recorded,action,interaction,outcome,user,fhir_user,roles,client,resource,source_ip,purpose\r\n' +
  '2026-10-12T09:30:05Z,R,read,0,u-nurse,Practitioner/nurse-1,nurse,clinician-app,Patient/123,10.1.2.3,TREAT\r\n';

const report = {
  resourceType: 'Bundle',
  type: 'collection',
  total: 1,
  entry: [
    {
      resource: {
        resourceType: 'AuditEvent',
        id: '42',
        type: { code: 'rest' },
        subtype: [{ code: 'read' }],
        action: 'R',
        recorded: '2026-10-12T09:30:05.000+00:00',
        outcome: '0',
        outcomeDesc: '200',
        purposeOfEvent: [{ coding: [{ code: 'TREAT' }], text: 'TREAT' }],
        agent: [
          {
            role: [{ text: 'nurse' }],
            who: { reference: 'Practitioner/nurse-1', identifier: { system: 'urn:securefhir:user', value: 'u-nurse' } },
            altId: 'u-nurse',
            requestor: true,
            network: { address: '10.1.2.3' },
          },
          {
            type: { coding: [{ code: '110150' }] },
            who: { identifier: { system: 'urn:securefhir:client', value: 'clinician-app' } },
            requestor: false,
          },
        ],
        entity: [
          { what: { reference: 'Patient/123' }, role: { code: '1' } },
          { what: { reference: 'Patient/123/_history/2' }, role: { code: '4' } },
        ],
      },
    },
  ],
};

describe('AccessReport', () => {
  beforeEach(() => vi.mocked(downloadCsv).mockClear());

  it('when the auditor asks for a patient and period then the $access-report Bundle is shown as a table', async () => {
    const { fetchMock } = renderPage(<AccessReport />, {
      roles: ['auditor'],
      path: '/audit/access-report',
      route: '/audit/access-report',
      answer: () => ({ body: report }),
    });
    expect(screen.getByText(/HIPAA §164\.528/, { selector: 'p, div' })).toBeInTheDocument();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText(/^Patient/), 'Patient/123');
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2026-10-01' } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2026-10-31' } });
    await user.click(screen.getByRole('button', { name: 'Show report' }));

    const table = await screen.findByRole('table', { name: /Accesses to Patient\/123/ });
    expect(within(table).getByText('Practitioner/nurse-1')).toBeInTheDocument();
    expect(within(table).getByText('10.1.2.3')).toBeInTheDocument();
    expect(within(table).getByText('clinician-app')).toBeInTheDocument();

    const sent = new URL(`https://x/${requests(fetchMock)[0].replace(/^GET /, '')}`);
    expect(sent.pathname).toBe('/Patient/123/$access-report');
    expect(new Date(sent.searchParams.get('start')!).getTime()).toBe(new Date(2026, 9, 1).getTime());
    expect(new Date(sent.searchParams.get('end')!).getTime()).toBe(new Date(2026, 9, 31, 23, 59, 59, 999).getTime());
    expect(sent.searchParams.has('format')).toBe(false);
  });

  it('when Download CSV is clicked then format=csv is fetched with Accept text/csv and saved as a file', async () => {
    const { fetchMock } = renderPage(<AccessReport />, {
      roles: ['auditor'],
      path: '/audit/access-report?patient=123&from=2026-10-01&to=2026-10-31',
      route: '/audit/access-report',
      answer: (_method, url) => (url.includes('format=csv') ? { body: CSV, contentType: 'text/csv' } : { body: report }),
    });
    await screen.findByRole('table', { name: /Accesses to Patient\/123/ });
    await userEvent.setup().click(screen.getByRole('button', { name: /Download CSV/ }));

    await waitFor(() => expect(downloadCsv).toHaveBeenCalledTimes(1));
    const [input, init] = fetchMock.mock.calls[1] as [string, RequestInit];
    const sent = new URL(input, 'https://x');
    expect(sent.pathname).toBe('/fhir/Patient/123/$access-report');
    expect(sent.searchParams.get('format')).toBe('csv');
    expect(sent.searchParams.get('start')).toBeTruthy();
    expect((init.headers as Record<string, string>).Accept).toBe('text/csv');
    expect(init.method).toBe('GET');
    expect(vi.mocked(downloadCsv).mock.calls[0][0]).toBe('access-report-123-2026-10-01-to-2026-10-31.csv');
    expect(vi.mocked(downloadCsv).mock.calls[0][1]).toBe(CSV);
  });
});
