import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Role } from '../../auth/claims';
import { renderPage, type FakeResponse } from '../../test/render';
import { EncounterForm } from './EncounterForm';
import { fromLocalInput } from './formSupport';
import { choose } from './testSupport';

const patient = { resourceType: 'Patient', id: 'p-1', name: [{ family: 'Testerson', given: ['Anna'] }] };

function newEncounter(roles: Role[], answer: (method: string, url: string, body: unknown) => FakeResponse, fhirUser?: string) {
  return renderPage(<EncounterForm />, { roles, path: '/patients/p-1/encounters/new', route: '/patients/:id/encounters/new', answer, fhirUser });
}

describe('EncounterForm', () => {
  it('when a physician documents an encounter, then POSTs it for the patient with class, period with offset, reason and themself as participant', async () => {
    const user = userEvent.setup();
    const posted: unknown[] = [];
    newEncounter(
      ['physician'],
      (method, _url, body) => {
        if (method === 'POST') {
          posted.push(body);
          return { status: 201, body: { ...(body as object), id: 'e-1' } };
        }
        return { body: patient };
      },
      'Practitioner/demo-physician',
    );
    expect(await screen.findByRole('heading', { level: 1, name: 'New encounter for Anna Testerson' })).toBeInTheDocument();
    await choose(user, 'Class', 'Emergency');
    await user.type(screen.getByLabelText(/Type/), 'Chest pain assessment');
    await user.type(screen.getByLabelText('Reason'), 'Chest pain');
    fireEvent.change(screen.getByLabelText('Start'), { target: { value: '2026-12-07T09:30' } });
    await user.click(screen.getByRole('button', { name: 'Create encounter' }));

    expect(await screen.findByTestId('navigated')).toBeInTheDocument();
    expect(posted[0]).toEqual({
      resourceType: 'Encounter',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER', display: 'Emergency' },
      type: [{ text: 'Chest pain assessment' }],
      subject: { reference: 'Patient/p-1' },
      period: { start: fromLocalInput('2026-12-07T09:30') },
      reasonCode: [{ text: 'Chest pain' }],
      participant: [{ individual: { reference: 'Practitioner/demo-physician' } }],
    });
    expect(fromLocalInput('2026-12-07T09:30')).toMatch(/^2026-12-07T09:30:00[+-]\d{2}:\d{2}$/);
  });

  it('when the role is front desk, then the reason field is not offered', async () => {
    newEncounter(['front-desk'], () => ({ body: patient }));
    expect(await screen.findByRole('heading', { level: 1, name: /New encounter/ })).toBeInTheDocument();
    expect(screen.queryByLabelText('Reason')).not.toBeInTheDocument();
    expect(screen.queryByLabelText(/Record me/)).not.toBeInTheDocument();
  });

  it('when the server refuses a self-made treatment relationship, then explains it', async () => {
    const user = userEvent.setup();
    newEncounter(
      ['nurse'],
      (method) =>
        method === 'POST'
          ? {
              status: 403,
              body: {
                resourceType: 'OperationOutcome',
                issue: [
                  {
                    severity: 'error',
                    code: 'processing',
                    diagnostics:
                      'Access denied: a treatment relationship is registered by someone else (front desk, the EHR, a colleague who treats the patient), not by the clinician it would let in',
                  },
                ],
              },
            }
          : { body: patient },
      'Practitioner/demo-nurse',
    );
    await user.click(await screen.findByRole('button', { name: 'Create encounter' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('a treatment relationship is registered by someone else');
    expect(screen.getByText(/Untick "Record me as a participant"/)).toBeInTheDocument();
  });

  it('when the end is before the start, then says so before sending', async () => {
    const user = userEvent.setup();
    newEncounter(['physician'], () => ({ body: patient }));
    fireEvent.change(await screen.findByLabelText('Start'), { target: { value: '2026-12-07T10:00' } });
    fireEvent.change(screen.getByLabelText('End'), { target: { value: '2026-12-07T09:00' } });
    await user.click(screen.getByRole('button', { name: 'Create encounter' }));
    expect(screen.getByLabelText('End')).toHaveAccessibleDescription('The end is before the start.');
  });

  it('when editing, then keeps the stored period values it did not change and sends If-Match', async () => {
    const user = userEvent.setup();
    const stored = {
      resourceType: 'Encounter',
      id: 'e-1',
      meta: { versionId: '2' },
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
      subject: { reference: 'Patient/p-1' },
      period: { start: '2026-12-01T09:00:00.123+01:00' },
      hospitalization: { admitSource: { text: 'referral' } },
    };
    const puts: unknown[] = [];
    const { fetchMock } = renderPage(<EncounterForm />, {
      path: '/patients/p-1/encounters/e-1',
      route: '/patients/:id/encounters/:encounterId',
      answer: (method, url, body) => {
        if (method === 'PUT') {
          puts.push(body);
          return { body: body as object };
        }
        return { body: url.includes('/Encounter/') ? stored : patient };
      },
    });
    await waitFor(() => expect(screen.getByRole('textbox', { name: /Status/ })).toHaveValue('In progress'));
    await choose(user, /Status/, 'Finished');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByTestId('navigated')).toBeInTheDocument();
    expect(puts[0]).toEqual({ ...stored, status: 'finished' });
    const put = fetchMock.mock.calls.find(([, init]) => (init as RequestInit | undefined)?.method === 'PUT')!;
    expect((put[1] as RequestInit).headers).toMatchObject({ 'If-Match': 'W/"2"' });
  });
});
