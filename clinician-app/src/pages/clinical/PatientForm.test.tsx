import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderPage, requests, type FakeResponse } from '../../test/render';
import { PatientForm } from './PatientForm';
import { choose } from './testSupport';

const stored = {
  resourceType: 'Patient',
  id: 'p-1',
  meta: { versionId: '7', security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'REDACTED' }] },
  name: [
    { use: 'official', family: 'Testerson', given: ['Anna'] },
    { use: 'maiden', family: 'Maiden' },
  ],
  birthDate: '1980-05-04',
  gender: 'female',
  identifier: [
    { system: 'urn:other', value: 'X-9' },
    { system: 'urn:oid:2.16.840.1.113883.19.5', value: 'MRN-1' },
  ],
  telecom: [
    { system: 'email', value: 'anna@example.org' },
    { system: 'phone', value: '+1 555 0100' },
  ],
  address: [{ line: ['1 Main St', 'Flat 2'], city: 'Springfield', postalCode: '12345', country: 'US' }],
  generalPractitioner: [{ reference: 'Practitioner/demo-physician' }],
  maritalStatus: { text: 'Married' },
};

function outcome(status: number, issue: object[]): FakeResponse {
  return { status, body: { resourceType: 'OperationOutcome', issue } };
}

describe('PatientForm', () => {
  it('when the server refuses the birth date (expression Patient.birthDate), then shows its message under the birth date field', async () => {
    const user = userEvent.setup();
    renderPage(<PatientForm />, {
      path: '/patients/new',
      route: '/patients/new',
      roles: ['front-desk'],
      answer: (method) =>
        method === 'POST'
          ? outcome(422, [
              { severity: 'error', code: 'invariant', diagnostics: 'Birth date is before the earliest date this hospital accepts', expression: ['Patient.birthDate'] },
              { severity: 'error', code: 'processing', diagnostics: 'Registration desk is closed for maintenance' },
            ])
          : { body: {} },
    });
    await user.type(screen.getByLabelText(/Family name/), 'Testerson');
    fireEvent.change(screen.getByLabelText('Birth date'), { target: { value: '1890-01-01' } });
    await user.click(screen.getByRole('button', { name: 'Register patient' }));

    const birthDate = screen.getByLabelText('Birth date');
    await waitFor(() => expect(birthDate).toHaveAccessibleDescription(/Birth date is before the earliest date this hospital accepts/));
    expect(birthDate).toHaveAttribute('aria-invalid', 'true');
    // the issue without a field goes to the alert, the field's issue is not repeated there
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Registration desk is closed for maintenance');
    expect(alert).not.toHaveTextContent('earliest date');
  });

  it('when HAPI cannot parse a value, then shows its message under the field it names', async () => {
    const user = userEvent.setup();
    renderPage(<PatientForm />, {
      path: '/patients/new',
      route: '/patients/new',
      answer: () =>
        outcome(400, [
          {
            severity: 'error',
            code: 'processing',
            diagnostics: 'HAPI-0450: Failed to parse request body as JSON resource. Error was: HAPI-1821: [element="gender"] Invalid attribute value "x": Unknown AdministrativeGender code \'x\'',
          },
        ]),
    });
    await user.type(screen.getByLabelText(/Family name/), 'Testerson');
    await user.click(screen.getByRole('button', { name: 'Register patient' }));
    await waitFor(() => expect(screen.getByRole('textbox', { name: 'Gender' })).toHaveAccessibleDescription(/Unknown AdministrativeGender code 'x'/));
    expect(screen.getByRole('alert')).toHaveTextContent('see the messages under the fields');
  });

  it('when required values are missing or the birth date is in the future, then says so before sending', async () => {
    const user = userEvent.setup();
    const { fetchMock } = renderPage(<PatientForm />, { path: '/patients/new', route: '/patients/new' });
    fireEvent.change(screen.getByLabelText('Birth date'), { target: { value: '2999-01-01' } });
    await user.click(screen.getByRole('button', { name: 'Register patient' }));
    expect(screen.getByLabelText(/Family name/)).toHaveAccessibleDescription('Enter the family name.');
    expect(screen.getByLabelText('Birth date')).toHaveAccessibleDescription('The birth date cannot be in the future.');
    expect(requests(fetchMock)).toEqual([]);
  });

  it('when registering, then creates the Patient with an MRN of the hospital system and opens the new chart', async () => {
    const user = userEvent.setup();
    const sent: unknown[] = [];
    renderPage(<PatientForm />, {
      path: '/patients/new',
      route: '/patients/new',
      answer: (method, _url, body) => {
        sent.push(body);
        return method === 'POST' ? { status: 201, body: { ...(body as object), id: 'new-1', meta: { versionId: '1' } } } : { body: {} };
      },
    });
    await user.type(screen.getByLabelText(/Family name/), 'Newman');
    await user.type(screen.getByLabelText(/Given names/), 'Nora  Jane');
    fireEvent.change(screen.getByLabelText('Birth date'), { target: { value: '1990-02-03' } });
    await choose(user, 'Gender', 'Female');
    await user.type(screen.getByLabelText('Medical record number'), 'MRN-77');
    await user.type(screen.getByLabelText('Phone'), '+1 555 0199');
    await user.type(screen.getByLabelText('City'), 'Springfield');
    await user.click(screen.getByRole('button', { name: 'Register patient' }));

    expect(await screen.findByTestId('navigated')).toBeInTheDocument();
    expect(sent[0]).toEqual({
      resourceType: 'Patient',
      name: [{ family: 'Newman', given: ['Nora', 'Jane'] }],
      birthDate: '1990-02-03',
      gender: 'female',
      identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: 'MRN-77' }],
      telecom: [{ system: 'phone', value: '+1 555 0199' }],
      address: [{ city: 'Springfield' }],
    });
  });

  it('when editing, then sends If-Match with the loaded version and keeps every element the form does not show', async () => {
    const user = userEvent.setup();
    const puts: { body: unknown }[] = [];
    const { fetchMock } = renderPage(<PatientForm />, {
      path: '/patients/p-1/edit',
      route: '/patients/:id/edit',
      answer: (method, _url, body) => {
        if (method === 'PUT') {
          puts.push({ body });
          return { body: { ...(body as object), meta: { versionId: '8' } } };
        }
        return { body: stored };
      },
    });
    const family = await screen.findByLabelText(/Family name/);
    await waitFor(() => expect(family).toHaveValue('Testerson'));
    expect(screen.getByLabelText('Medical record number')).toHaveValue('MRN-1');
    expect(screen.getByLabelText('Phone')).toHaveValue('+1 555 0100');
    await user.clear(screen.getByLabelText('Phone'));
    await user.type(screen.getByLabelText('Phone'), '+1 555 0111');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    expect(await screen.findByTestId('navigated')).toBeInTheDocument();
    const put = fetchMock.mock.calls.find(([, init]) => (init as RequestInit | undefined)?.method === 'PUT')!;
    expect((put[1] as RequestInit).headers).toMatchObject({ 'If-Match': 'W/"7"' });
    expect(String(put[0])).toBe('/fhir/Patient/p-1');
    expect(puts[0].body).toEqual({
      ...stored,
      meta: { versionId: '7' },
      telecom: [
        { system: 'email', value: 'anna@example.org' },
        { system: 'phone', value: '+1 555 0111' },
      ],
    });
  });

  it('when someone else saved the patient first (409), then says so and offers to reload', async () => {
    const user = userEvent.setup();
    let reads = 0;
    renderPage(<PatientForm />, {
      path: '/patients/p-1/edit',
      route: '/patients/:id/edit',
      answer: (method) => {
        if (method === 'PUT') {
          return outcome(409, [
            { severity: 'error', code: 'processing', diagnostics: 'HAPI-0550: HAPI-0989: Trying to update Patient/p-1/_history/7 but this is not the current version' },
          ]);
        }
        reads += 1;
        return { body: reads === 1 ? stored : { ...stored, meta: { versionId: '8' }, birthDate: '1980-05-05' } };
      },
    });
    await waitFor(() => expect(screen.getByLabelText(/Family name/)).toHaveValue('Testerson'));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('changed by someone else since you opened it');
    await user.click(screen.getByRole('button', { name: 'Reload the latest version' }));
    await waitFor(() => expect(screen.getByLabelText('Birth date')).toHaveValue('1980-05-05'));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
