import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderPage, requests } from '../../test/render';
import { AuditEvents } from './AuditEvents';

const denied = {
  resourceType: 'AuditEvent',
  id: '11',
  type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
  subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
  action: 'R',
  recorded: '2026-10-12T09:30:05.000+00:00',
  outcome: '4',
  outcomeDesc: '403 Access denied by consent',
  purposeOfEvent: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }], text: 'TREAT' }],
  agent: [
    {
      role: [{ text: 'nurse' }],
      who: { reference: 'Practitioner/nurse-1', identifier: { system: 'urn:securefhir:user', value: 'u-nurse' } },
      altId: 'u-nurse',
      requestor: true,
      network: { address: '10.1.2.3', type: '2' },
    },
    {
      type: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110150', display: 'Application' }] },
      who: { identifier: { system: 'urn:securefhir:client', value: 'clinician-app' } },
      requestor: false,
    },
  ],
  entity: [
    { what: { reference: 'Patient/123' }, role: { code: '1', display: 'Patient' } },
    { what: { reference: 'Observation/9' }, role: { code: '4', display: 'Domain Resource' } },
    {
      type: { system: 'http://hl7.org/fhir/resource-types', code: 'Consent' },
      what: { reference: 'Consent/12' },
      description: 'deny consent Consent/12',
      detail: [{ type: 'consent-decision', valueString: 'deny consent Consent/12' }],
    },
  ],
};

function bundle(entries: unknown[], next?: string) {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: next ? [{ relation: 'next', url: next }] : [],
    entry: entries.map((resource) => ({ resource })),
  };
}

describe('AuditEvents', () => {
  it('when the auditor searches with filters then they are sent as AuditEvent search params', async () => {
    const { fetchMock } = renderPage(<AuditEvents />, {
      roles: ['auditor'],
      path: '/audit/events',
      route: '/audit/events',
      answer: () => ({ body: bundle([denied]) }),
    });
    await screen.findByText('Denied 403');
    await waitFor(() => expect(requests(fetchMock).length).toBeGreaterThan(0));
    expect(requests(fetchMock)[0]).toBe('GET AuditEvent?_sort=-date&_count=50');

    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Patient', { exact: false }), '123');
    await user.type(screen.getByLabelText('User or client', { exact: false }), 'u-nurse');
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2026-10-01' } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2026-10-31' } });
    await user.selectOptions(screen.getByLabelText('Action'), 'R');
    await user.selectOptions(screen.getByLabelText('Outcome'), '4');
    await user.selectOptions(screen.getByLabelText('Kind of record'), 'rest');
    await user.type(screen.getByLabelText('Interaction or event', { exact: false }), 'read');
    await user.click(screen.getByRole('button', { name: 'Search' }));

    await waitFor(() => expect(requests(fetchMock).length).toBe(2));
    const sent = new URL(`https://x/${requests(fetchMock)[1].replace(/^GET /, '')}`);
    expect(sent.pathname).toBe('/AuditEvent');
    expect(sent.searchParams.get('patient')).toBe('Patient/123');
    expect(sent.searchParams.get('agent')).toBe('u-nurse');
    expect(sent.searchParams.get('action')).toBe('R');
    expect(sent.searchParams.get('outcome')).toBe('4');
    expect(sent.searchParams.get('type')).toBe('rest');
    expect(sent.searchParams.get('subtype')).toBe('read');
    expect(sent.searchParams.get('_sort')).toBe('-date');
    expect(sent.searchParams.get('_count')).toBe('50');
    const [ge, le] = sent.searchParams.getAll('date');
    expect(ge.slice(0, 2)).toBe('ge');
    expect(new Date(ge.slice(2)).getTime()).toBe(new Date(2026, 9, 1).getTime());
    expect(le.slice(0, 2)).toBe('le');
    expect(new Date(le.slice(2)).getTime()).toBe(new Date(2026, 9, 31, 23, 59, 59, 999).getTime());
  });

  it('when a request was denied then its row has a red Denied badge and its details show the consent decision', async () => {
    renderPage(<AuditEvents />, {
      roles: ['auditor'],
      path: '/audit/events',
      route: '/audit/events',
      answer: () => ({ body: bundle([denied]) }),
    });
    const table = await screen.findByRole('table', { name: /Audit records/ });
    const badge = within(table).getByText('Denied 403');
    const root = badge.closest('[data-outcome]') as HTMLElement;
    expect(root).toHaveAttribute('data-outcome', 'denied');
    expect(root.getAttribute('style')).toContain('red');
    expect(within(table).getByText('Patient/123')).toBeInTheDocument();
    expect(within(table).getByText('Practitioner/nurse-1 (u-nurse)')).toBeInTheDocument();
    expect(within(table).getByText('10.1.2.3')).toBeInTheDocument();
    expect(within(table).getByText('Treatment')).toBeInTheDocument();

    await userEvent.setup().click(screen.getByRole('button', { name: 'Show details of record 11' }));
    const details = await screen.findByRole('table', { name: 'Audit record 11 details' });
    expect(within(details).getByText('deny consent Consent/12')).toBeInTheDocument();
    expect(within(details).getByText('clinician-app')).toBeInTheDocument();
  });

  it('when the page is opened with ?patient= then the search is filtered by that patient', async () => {
    const { fetchMock } = renderPage(<AuditEvents />, {
      roles: ['auditor'],
      path: '/audit/events?patient=p-7',
      route: '/audit/events',
      answer: () => ({ body: bundle([]) }),
    });
    await screen.findByText('No audit records match these filters.');
    expect(requests(fetchMock)).toEqual(['GET AuditEvent?patient=Patient%2Fp-7&_sort=-date&_count=50']);
    expect(screen.getByLabelText('Patient', { exact: false })).toHaveValue('p-7');
  });

  it('when the server has a next page then Load more follows the next link', async () => {
    const next = 'https://localhost:8443/fhir?_getpages=audit-abc&_getpagesoffset=50&_count=50&_bundletype=searchset';
    const { fetchMock } = renderPage(<AuditEvents />, {
      roles: ['auditor'],
      path: '/audit/events',
      route: '/audit/events',
      answer: (_method, url) =>
        url.includes('_getpages') ? { body: bundle([{ ...denied, id: '10' }]) } : { body: bundle([denied], next) },
    });
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(2));
    // the server's paging link is https://host/fhir?_getpages=…: fetched as /fhir/?_getpages=…
    expect(String(fetchMock.mock.calls[1][0])).toBe('/fhir/?_getpages=audit-abc&_getpagesoffset=50&_count=50&_bundletype=searchset');
  });
});
