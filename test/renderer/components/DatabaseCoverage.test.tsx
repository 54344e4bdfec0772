// @vitest-environment jsdom
// The overview's line about databases: the counts, the troubled ones named with why (linking to each), and
// nothing while no database is known.
import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { OverviewPage } from '../../../renderer/pages/OverviewPage';
import { fakeBridge } from '../support/fake-bridge';
import { BILLING_UNHELD, ORDERS_MISSED, databasesFixture } from '../support/fixtures';
import { renderWithBridge } from '../support/render';
import '../support/setup';

describe('DatabaseCoverage on the overview', () => {
  it('counts the databases and names those not ok with why, linking to each and to the Databases page', async () => {
    renderWithBridge(<OverviewPage />, fakeBridge({ databases: async () => databasesFixture() }));
    const coverage = await screen.findByTestId('database-coverage');
    expect(coverage.getAttribute('data-status')).toBe('critical');
    expect(within(coverage).getByText(/^: 2 critical, 1 warning, 1 ok\./, { exact: false })).toBeTruthy();
    expect(within(coverage).getByRole('link', { name: 'See the databases' }).getAttribute('href')).toBe('#/databases');
    const named = within(coverage).getAllByTestId('coverage-database');
    expect(named.map((n) => n.textContent)).toEqual([
      `billing on Shop server: ${BILLING_UNHELD}`,
      `orders on Shop server: ${ORDERS_MISSED}`,
      '(what Reports base backups holds): Reports base backups is warning: no restore drill of Reports base backups has passed yet',
    ]);
    expect(within(named[1]!).getByRole('link', { name: 'orders' }).getAttribute('href')).toBe('#/database/shop-db%2Forders');
  });

  it('says nothing while no database is known', async () => {
    renderWithBridge(<OverviewPage />, fakeBridge({ databases: async () => databasesFixture([]) }));
    await screen.findByTestId('source-table');
    expect(screen.queryByTestId('database-coverage')).toBeNull();
  });
});
