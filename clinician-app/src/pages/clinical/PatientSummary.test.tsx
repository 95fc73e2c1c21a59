import { describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderPage, requests } from '../../test/render';
import { PatientSummary } from '../reports/PatientSummary';

const patient = { resourceType: 'Patient', id: 'p-1', name: [{ family: 'Testerson', given: ['Anna'] }], birthDate: '1980-05-04' };
const heartRate = (id: string, value: number, when: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }], text: 'Heart rate' },
  effectiveDateTime: when,
  valueQuantity: { value, unit: '/min' },
});

function searchset(...resources: object[]) {
  return { resourceType: 'Bundle', type: 'searchset', entry: resources.map((resource) => ({ resource })) };
}

describe('PatientSummary', () => {
  it('when printed, then shows active conditions, the last encounters and the latest value of each observation', async () => {
    const user = userEvent.setup();
    const print = vi.fn();
    vi.stubGlobal('print', print);
    const { fetchMock } = renderPage(<PatientSummary />, {
      path: '/patients/p-1/summary',
      route: '/patients/:id/summary',
      answer: (_method, url) => {
        if (url.includes('/Patient/p-1')) return { body: patient };
        if (url.includes('/Condition?')) return { body: searchset({ resourceType: 'Condition', id: 'c-1', code: { text: 'Hypertension' } }) };
        if (url.includes('/Encounter?'))
          return { body: searchset({ resourceType: 'Encounter', id: 'e-1', status: 'finished', type: [{ text: 'Check-up' }], period: { start: '2026-12-01' } }) };
        return { body: searchset(heartRate('o-2', 80, '2026-12-05T10:00:00Z'), heartRate('o-1', 72, '2026-12-01T10:00:00Z')) };
      },
    });
    expect(await screen.findByRole('heading', { level: 1, name: 'Patient summary' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 2, name: 'Anna Testerson' })).toBeInTheDocument();
    expect(await screen.findByText('Hypertension')).toBeInTheDocument();
    expect(await screen.findByText('Check-up')).toBeInTheDocument();
    const observations = await screen.findByRole('table', { name: /Latest value of each observation/ });
    expect(within(observations).getByText('80 /min')).toBeInTheDocument();
    expect(within(observations).queryByText('72 /min')).not.toBeInTheDocument();
    await waitFor(() =>
      expect(requests(fetchMock)).toEqual(
        expect.arrayContaining([
          'GET Condition?subject=Patient%2Fp-1&clinical-status=active&_count=50',
          'GET Encounter?subject=Patient%2Fp-1&_sort=-date&_count=10',
        ]),
      ),
    );
    await user.click(screen.getByRole('button', { name: 'Print' }));
    expect(print).toHaveBeenCalled();
  });
});
