import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderPage, requests } from '../../test/render';
import { ChainStatus } from './ChainStatus';

const intact = {
  resourceType: 'Parameters',
  parameter: [
    { name: 'intact', valueBoolean: true },
    { name: 'checked', valueInteger: 1234 },
  ],
};

const broken = {
  resourceType: 'Parameters',
  parameter: [
    { name: 'intact', valueBoolean: false },
    { name: 'checked', valueInteger: 998 },
    { name: 'firstBroken', valueString: 'node-a records #5–#7 missing: a gap in the chain' },
    { name: 'finding', valueString: 'node-a records #5–#7 missing: a gap in the chain' },
    { name: 'finding', valueString: 'node-a record #12: content changed' },
  ],
};

describe('ChainStatus', () => {
  it('when the server reports the chain intact then Intact is shown with the records checked', async () => {
    const { fetchMock } = renderPage(<ChainStatus />, {
      roles: ['auditor'],
      path: '/audit/chain',
      route: '/audit/chain',
      answer: () => ({ body: intact }),
    });
    expect(await screen.findByTestId('chain-intact')).toHaveTextContent('Intact');
    expect(screen.getByRole('status')).toHaveTextContent('The audit trail is intact');
    expect(screen.queryByTestId('chain-broken')).not.toBeInTheDocument();
    expect(screen.getByText((1234).toLocaleString())).toBeInTheDocument();
    expect(requests(fetchMock)).toEqual(['GET $verify-audit-chain']);
  });

  it('when the server reports a broken chain then Broken is shown as an alert with the first broken record and every finding', async () => {
    renderPage(<ChainStatus />, {
      roles: ['auditor'],
      path: '/audit/chain',
      route: '/audit/chain',
      answer: () => ({ body: broken }),
    });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Broken');
    expect(screen.queryByTestId('chain-intact')).not.toBeInTheDocument();
    expect(screen.getAllByText('node-a records #5–#7 missing: a gap in the chain')).toHaveLength(2);
    expect(screen.getByText('node-a record #12: content changed')).toBeInTheDocument();
    expect(screen.getByText('998')).toBeInTheDocument();
  });

  it('when Check again is clicked then the chain is verified again', async () => {
    let calls = 0;
    const { fetchMock } = renderPage(<ChainStatus />, {
      roles: ['auditor'],
      path: '/audit/chain',
      route: '/audit/chain',
      answer: () => ({ body: calls++ === 0 ? intact : broken }),
    });
    await screen.findByTestId('chain-intact');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Check again' }));
    await screen.findByTestId('chain-broken');
    await waitFor(() => expect(requests(fetchMock)).toEqual(['GET $verify-audit-chain', 'GET $verify-audit-chain']));
  });
});
