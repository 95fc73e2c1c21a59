import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderPage } from '../../test/render';
import { ObservationForm } from './ObservationForm';
import { fromLocalInput } from './formSupport';
import { choose } from './testSupport';

const patient = { resourceType: 'Patient', id: 'p-1', name: [{ family: 'Testerson', given: ['Anna'] }] };

describe('ObservationForm', () => {
  it('when a nurse records a heart rate, then POSTs a LOINC-coded observation with a UCUM quantity and themself as performer', async () => {
    const user = userEvent.setup();
    const posted: unknown[] = [];
    renderPage(<ObservationForm />, {
      roles: ['nurse'],
      fhirUser: 'Practitioner/demo-nurse',
      path: '/patients/p-1/observations/new',
      route: '/patients/:id/observations/new',
      answer: (method, _url, body) => {
        if (method === 'POST') {
          posted.push(body);
          return { status: 201, body: { ...(body as object), id: 'o-1' } };
        }
        return { body: patient };
      },
    });
    await choose(user, /Measurement/, 'Heart rate (LOINC 8867-4)');
    await user.type(screen.getByLabelText(/Value/), '72');
    fireEvent.change(screen.getByLabelText(/Measured at/), { target: { value: '2026-12-07T08:15' } });
    await user.type(screen.getByLabelText('Note'), 'At rest');
    await user.click(screen.getByRole('button', { name: 'Record observation' }));

    expect(await screen.findByTestId('navigated')).toBeInTheDocument();
    expect(posted[0]).toEqual({
      resourceType: 'Observation',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' },
      subject: { reference: 'Patient/p-1' },
      effectiveDateTime: fromLocalInput('2026-12-07T08:15'),
      valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
      note: [{ text: 'At rest' }],
      performer: [{ reference: 'Practitioner/demo-nurse' }],
    });
  });

  it('when the server answers 422 with location Observation.status, then shows it under the status field', async () => {
    const user = userEvent.setup();
    renderPage(<ObservationForm />, {
      path: '/patients/p-1/observations/new',
      route: '/patients/:id/observations/new',
      answer: (method) =>
        method === 'POST'
          ? {
              status: 422,
              body: {
                resourceType: 'OperationOutcome',
                issue: [{ severity: 'error', code: 'required', diagnostics: 'Missing required element: Observation.status', location: ['Observation.status'] }],
              },
            }
          : { body: patient },
    });
    await choose(user, /Measurement/, 'Body weight (LOINC 29463-7)');
    await user.type(screen.getByLabelText(/Value/), '70.5');
    await user.click(screen.getByRole('button', { name: 'Record observation' }));
    await waitFor(() =>
      expect(screen.getByRole('textbox', { name: /Status/ })).toHaveAccessibleDescription('Missing required element: Observation.status'),
    );
  });

  it('when the value is not a number, then says so before sending', async () => {
    const user = userEvent.setup();
    renderPage(<ObservationForm />, { path: '/patients/p-1/observations/new', route: '/patients/:id/observations/new', answer: () => ({ body: patient }) });
    await choose(user, /Measurement/, 'Body temperature (LOINC 8310-5)');
    await user.type(screen.getByLabelText(/Value/), 'warm');
    await user.click(screen.getByRole('button', { name: 'Record observation' }));
    expect(screen.getByLabelText(/Value/)).toHaveAccessibleDescription('Enter a number (e.g. 72 or 37.5).');
  });
});
