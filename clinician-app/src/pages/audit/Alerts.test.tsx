import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderPage, requests } from '../../test/render';
import { Alerts } from './Alerts';

const alert = {
  resourceType: 'AuditEvent',
  id: '77',
  type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110113', display: 'Security Alert' },
  subtype: [{ system: 'urn:securefhir:security-event', code: 'many-patients' }],
  action: 'E',
  recorded: '2026-11-25T10:00:00.000Z',
  outcome: '8',
  outcomeDesc: '51 distinct patients read within an hour',
  agent: [
    {
      who: { reference: 'Practitioner/doc-1', identifier: { system: 'urn:securefhir:user', value: 'u-doc' } },
      altId: 'u-doc',
      requestor: true,
      network: { address: '10.9.8.7' },
    },
  ],
  entity: [{ what: { reference: 'Patient/p-51' }, role: { code: '1' } }],
};

describe('Alerts', () => {
  it('when a rule is chosen then only security alerts of that rule are searched and shown with their details', async () => {
    const { fetchMock } = renderPage(<Alerts />, {
      roles: ['auditor'],
      path: '/audit/alerts',
      route: '/audit/alerts',
      answer: () => ({ body: { resourceType: 'Bundle', entry: [{ resource: alert }] } }),
    });
    const table = await screen.findByRole('table', { name: /Security alerts/ });
    expect(within(table).getByText('Many patients')).toBeInTheDocument();
    expect(within(table).getByText('51 distinct patients read within an hour')).toBeInTheDocument();
    expect(within(table).getByRole('link', { name: /See this user/ })).toHaveAttribute('href', '/audit/events?agent=u-doc');
    expect(requests(fetchMock)[0]).toBe('GET AuditEvent?type=110113&outcome=8&_sort=-date&_count=50');

    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Rule'), 'repeated-denials');
    await user.click(screen.getByRole('button', { name: 'Show alerts' }));
    await waitFor(() =>
      expect(requests(fetchMock)).toContain('GET AuditEvent?type=110113&outcome=8&subtype=repeated-denials&_sort=-date&_count=50'),
    );
    expect(screen.getByRole('table', { name: 'Alert rules' })).toHaveTextContent('More than 10 requests were refused');
  });
});
