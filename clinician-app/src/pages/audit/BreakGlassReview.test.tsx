import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderPage, requests } from '../../test/render';
import { BreakGlassReview } from './BreakGlassReview';

const ID = '7c0e2a4e-1111-4a5b-9c3d-2e6f8a9b0c1d';

function declaration(reviewed: boolean) {
  return {
    name: 'declaration',
    part: [
      { name: 'id', valueString: ID },
      { name: 'patient', valueReference: { reference: 'Patient/p-9' } },
      { name: 'user', valueString: 'u-doc' },
      { name: 'practitioner', valueReference: { reference: 'Practitioner/doc-1' } },
      { name: 'client', valueString: 'clinician-app' },
      {
        name: 'reason',
        valueCoding: { system: 'https://securefhir.org/fhir/CodeSystem/break-glass-reason', code: 'patient-unable-to-consent' },
      },
      { name: 'text', valueString: 'Unconscious in the ED, no relatives reachable' },
      { name: 'declared', valueInstant: '2026-12-01T08:00:00.000Z' },
      { name: 'expires', valueInstant: '2026-12-01T09:00:00.000Z' },
      { name: 'reviewed', valueBoolean: reviewed },
      ...(reviewed
        ? [
            { name: 'reviewed-at', valueInstant: '2026-12-02T10:00:00.000Z' },
            { name: 'reviewer', valueString: 'u-auditor' },
            { name: 'note', valueString: 'Justified: ED admission confirmed' },
          ]
        : []),
    ],
  };
}

const queue = (items: unknown[]) => ({
  resourceType: 'Parameters',
  parameter: [{ name: 'count', valueInteger: items.length }, ...items],
});

describe('BreakGlassReview', () => {
  it('when the queue loads then each declaration shows patient, practitioner, reason in plain words and a link to its accesses', async () => {
    const { fetchMock } = renderPage(<BreakGlassReview />, {
      roles: ['auditor'],
      path: '/audit/break-glass',
      route: '/audit/break-glass',
      answer: () => ({ body: queue([declaration(false)]) }),
    });
    const row = await screen.findByTestId('declaration-row');
    expect(within(row).getByText('Patient/p-9')).toBeInTheDocument();
    expect(within(row).getByText('Practitioner/doc-1')).toBeInTheDocument();
    expect(within(row).getByText('Patient unable to consent')).toBeInTheDocument();
    expect(within(row).getByText('Unconscious in the ED, no relatives reachable')).toBeInTheDocument();
    expect(within(row).getByText('Not reviewed')).toBeInTheDocument();
    expect(within(row).getByRole('link', { name: 'See accesses' })).toHaveAttribute('href', '/audit/events?patient=p-9');
    expect(requests(fetchMock)).toEqual(['GET $break-glass-review']);

    await userEvent.setup().click(screen.getByRole('switch', { name: /Show all/ }));
    await waitFor(() => expect(requests(fetchMock)).toContain('GET $break-glass-review?status=all'));
  });

  it('when the auditor marks a declaration reviewed with a note then the note is posted and the queue refreshed', async () => {
    let reviewed = false;
    const { fetchMock } = renderPage(<BreakGlassReview />, {
      roles: ['auditor'],
      path: '/audit/break-glass',
      route: '/audit/break-glass',
      answer: (method, _url, body) => {
        if (method === 'POST') {
          reviewed = true;
          expect(body).toEqual({
            resourceType: 'Parameters',
            parameter: [
              { name: 'declaration', valueString: ID },
              { name: 'note', valueString: 'Justified: ED admission confirmed' },
            ],
          });
          return { body: { resourceType: 'Parameters', parameter: declaration(true).part } };
        }
        return { body: queue(reviewed ? [] : [declaration(false)]) };
      },
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Mark reviewed' }));
    const dialog = await screen.findByRole('dialog');
    // the note is required
    await user.click(within(dialog).getByRole('button', { name: 'Mark reviewed' }));
    expect(await within(dialog).findByText(/review note is required/)).toBeInTheDocument();
    expect(requests(fetchMock).filter((r) => r.startsWith('POST'))).toHaveLength(0);

    await user.type(within(dialog).getByLabelText(/Review note/), 'Justified: ED admission confirmed');
    await user.click(within(dialog).getByRole('button', { name: 'Mark reviewed' }));

    expect(await screen.findByText('Review recorded')).toBeInTheDocument();
    expect(requests(fetchMock)).toContain('POST $break-glass-review');
    await screen.findByText('Nothing to review: every declaration has been reviewed.');
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('when the declaration was already reviewed (409) then the auditor is told someone else reviewed it and the list refreshes', async () => {
    let gets = 0;
    const { fetchMock } = renderPage(<BreakGlassReview />, {
      roles: ['auditor'],
      path: '/audit/break-glass',
      route: '/audit/break-glass',
      answer: (method) => {
        if (method === 'POST') {
          return {
            status: 409,
            body: {
              resourceType: 'OperationOutcome',
              issue: [{ severity: 'error', code: 'conflict', diagnostics: `Break-glass declaration ${ID} is reviewed already` }],
            },
          };
        }
        gets++;
        return { body: queue([declaration(false)]) };
      },
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Mark reviewed' }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText(/Review note/), 'Checked the ED record');
    await user.click(within(dialog).getByRole('button', { name: 'Mark reviewed' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Already reviewed by someone else');
    await waitFor(() => expect(gets).toBe(2));
    expect(requests(fetchMock).filter((r) => r.startsWith('POST'))).toEqual(['POST $break-glass-review']);
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });
});
