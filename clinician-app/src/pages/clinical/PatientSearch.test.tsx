import { describe, expect, it } from 'vitest';
import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderPage, requests } from '../../test/render';
import { PatientSearch } from './PatientSearch';

const anna = {
  resourceType: 'Patient',
  id: 'p-anna',
  name: [{ family: 'Testerson', given: ['Anna'] }],
  gender: 'female',
  birthDate: '1980-05-04',
  identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: 'MRN-1' }],
};

function bundle(entries: object[], next?: string) {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [{ relation: 'self', url: 'https://localhost:8443/fhir/Patient' }, ...(next ? [{ relation: 'next', url: next }] : [])],
    entry: entries.map((resource) => ({ resource, search: { mode: 'match' } })),
  };
}

describe('PatientSearch', () => {
  it('when searching by family, given names and birth date, then sends exact-match parameters and lists the matches', async () => {
    const user = userEvent.setup();
    const { fetchMock } = renderPage(<PatientSearch />, {
      path: '/patients',
      route: '/patients',
      answer: () => ({ body: bundle([anna]) }),
    });
    await user.type(screen.getByLabelText('Family name'), 'Testerson');
    await user.type(screen.getByLabelText(/Given name/), 'Anna Maria');
    fireEvent.change(screen.getByLabelText('Birth date'), { target: { value: '1980-05-04' } });
    await user.type(screen.getByLabelText(/Identifier/), 'urn:oid:2.16.840.1.113883.19.5|MRN-1');
    await user.click(screen.getByRole('button', { name: 'Search' }));

    const table = await screen.findByRole('table');
    const [request] = requests(fetchMock);
    const url = new URL(`https://x/${request.replace(/^GET /, '')}`);
    expect(url.pathname).toBe('/Patient');
    expect(url.searchParams.get('family')).toBe('Testerson');
    expect(url.searchParams.getAll('given')).toEqual(['Anna', 'Maria']);
    expect(url.searchParams.get('birthdate')).toBe('1980-05-04');
    expect(url.searchParams.get('identifier')).toBe('urn:oid:2.16.840.1.113883.19.5|MRN-1');
    // never a modifier the server refuses on encrypted fields, never a count
    expect(request).not.toMatch(/:contains|:missing|_summary|_total|_sort/);

    const link = within(table).getByRole('link', { name: 'Anna Testerson' });
    expect(link).toHaveAttribute('href', '/patients/p-anna');
    expect(within(table).getByText('1980-05-04')).toBeInTheDocument();
    expect(within(table).getByText('Female')).toBeInTheDocument();
    expect(within(table).getByText('MRN MRN-1')).toBeInTheDocument();
  });

  it('when the server refuses the search, then shows its reason and explains exact matching', async () => {
    const user = userEvent.setup();
    renderPage(<PatientSearch />, {
      path: '/patients',
      route: '/patients',
      answer: () => ({
        status: 400,
        body: {
          resourceType: 'OperationOutcome',
          issue: [
            {
              severity: 'error',
              code: 'processing',
              diagnostics:
                "Search on family:contains is not available: 'family' is encrypted at rest; only exact matches are available, not :contains. See docs/encryption.md, 'Searching encrypted fields'.",
            },
          ],
        },
      }),
    });
    await user.type(screen.getByLabelText('Family name'), 'Test');
    await user.click(screen.getByRole('button', { name: 'Search' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent("Search on family:contains is not available: 'family' is encrypted at rest");
    expect(alert).toHaveTextContent(/stored encrypted, so they can only be matched exactly/);
    expect(alert).not.toHaveTextContent('docs/encryption.md');
  });

  it('when the results have a next link, then "Load more" follows it and appends the page', async () => {
    const user = userEvent.setup();
    const bert = { ...anna, id: 'p-bert', name: [{ family: 'Testerson', given: ['Bert'] }] };
    const { fetchMock } = renderPage(<PatientSearch />, {
      path: '/patients',
      route: '/patients',
      answer: (_method, url) =>
        url.includes('_getpages')
          ? { body: bundle([bert]) }
          : { body: bundle([anna], 'https://localhost:8443/fhir?_getpages=abc&_getpagesoffset=20&_count=20') },
    });
    await user.type(screen.getByLabelText('Family name'), 'Testerson');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    await user.click(await screen.findByRole('button', { name: 'Load more' }));

    expect(await screen.findByRole('link', { name: 'Bert Testerson' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Anna Testerson' })).toBeInTheDocument();
    expect(requests(fetchMock)[1]).toBe('GET ?_getpages=abc&_getpagesoffset=20&_count=20');
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
  });

  it('when nothing is entered, then does not search and says what to enter', async () => {
    const user = userEvent.setup();
    const { fetchMock } = renderPage(<PatientSearch />, { path: '/patients', route: '/patients' });
    await user.click(screen.getByRole('button', { name: 'Search' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Enter at least one of');
    expect(requests(fetchMock)).toEqual([]);
  });

  it('when results are shown, then explains that untreated and withheld patients are not listed', async () => {
    const user = userEvent.setup();
    renderPage(<PatientSearch />, { path: '/patients', route: '/patients', answer: () => ({ body: bundle([]) }) });
    await user.type(screen.getByLabelText('Family name'), 'Nobody');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByText('No patient matches exactly.')).toBeInTheDocument();
    expect(screen.getByText(/Patients you do not treat, and patients whose consent withholds/)).toBeInTheDocument();
  });

  it('when opening a record by id, then navigates to its chart', async () => {
    const user = userEvent.setup();
    renderPage(<PatientSearch />, { path: '/patients', route: '/patients' });
    await user.type(screen.getByLabelText('Record id'), 'abc-123');
    await user.click(screen.getByRole('button', { name: 'Open record' }));
    expect(await screen.findByTestId('navigated')).toBeInTheDocument();
  });

  it('when the role may register patients, then offers "Register patient"', () => {
    renderPage(<PatientSearch />, { path: '/patients', route: '/patients', roles: ['front-desk'] });
    expect(screen.getByRole('link', { name: 'Register patient' })).toHaveAttribute('href', '/patients/new');
  });

  it('when the role is billing, then there is no "Register patient" button', () => {
    renderPage(<PatientSearch />, { path: '/patients', route: '/patients', roles: ['billing'] });
    expect(screen.queryByRole('link', { name: 'Register patient' })).not.toBeInTheDocument();
  });
});
