// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DatabasesPage } from '../../../renderer/pages/DatabasesPage';
import { fakeBridge } from '../support/fake-bridge';
import { BILLING_UNHELD, ORDERS_MISSED, databaseRows, databasesFixture } from '../support/fixtures';
import { renderWithBridge } from '../support/render';
import '../support/setup';

const rows = () => screen.getAllByTestId('database-row');
const row = (key: string) => rows().find((r) => r.getAttribute('data-key') === key)!;

describe('DatabasesPage', () => {
  it('lists databases worst first, each with its name (or what holds it), server, size and status', async () => {
    renderWithBridge(<DatabasesPage />, fakeBridge());
    await screen.findByTestId('database-table');
    expect(rows().map((r) => r.getAttribute('data-key'))).toEqual(['shop-db/billing', 'shop-db/orders', 'cluster:reports-base', '~/analytics']);
    expect(rows().map((r) => within(r).getByTestId('database-status').textContent)).toEqual(['Critical', 'Critical', 'Warning', 'OK']);
    expect(within(row('shop-db/orders')).getByTestId('database-name').textContent).toBe('orders');
    expect(within(row('shop-db/orders')).getByText('on Shop server · 3.0 GB')).toBeTruthy();
    // A cluster backed up whole, with no server linked: named by what holds it.
    expect(within(row('cluster:reports-base')).getByTestId('database-name').textContent).toBe('(what Reports base backups holds)');
    expect(within(row('cluster:reports-base')).getByText('no known server')).toBeTruthy();
    expect(screen.getByTestId('count-critical').textContent).toBe('2 critical');
    expect(screen.getByTestId('count-warning').textContent).toBe('1 warning');
    expect(screen.getByTestId('count-ok').textContent).toBe('1 ok');
    expect(screen.getByRole('list', { name: 'Databases by status' })).toBeTruthy();
  });

  it('says so when no routine holds a database, and when it misses its objectives, in the finding\'s words', async () => {
    renderWithBridge(<DatabasesPage />, fakeBridge());
    await screen.findByTestId('database-table');
    const billing = row('shop-db/billing');
    expect(within(billing).getByTestId('database-findings').textContent).toBe(BILLING_UNHELD);
    expect(within(billing).getByText('no routine holds it').className).toBe('loud');
    expect(within(billing).getByTestId('database-restore').textContent).toBe('—');
    expect(within(row('shop-db/orders')).getByTestId('database-findings').textContent).toBe(ORDERS_MISSED);
    // Without findings of its own, the routine that is not ok is named.
    expect(within(row('cluster:reports-base')).getByTestId('database-findings').textContent).toBe('Reports base backups is warning: no restore drill of Reports base backups has passed yet');
    expect(within(row('~/analytics')).getByTestId('database-findings').textContent).toBe('All checks pass');
  });

  it("shows its server's own protection when it is not ok (WAL archiving, standbys), as a routine and in what is wrong", async () => {
    const standby = { rule: 'replication' as const, status: 'critical' as const, message: 'standby replica1 is not connected to shop-db: check that it is running and its primary_conninfo', observed: null, limit: null };
    const analytics = databaseRows().find((d) => d.key === '~/analytics')!;
    const guarded = { ...analytics, key: 'shop-db/analytics', server: { id: 'shop-db', name: 'Shop server', status: 'critical' as const, findings: [standby] }, status: 'critical' as const };
    renderWithBridge(<DatabasesPage />, fakeBridge({ databases: async () => ({ ...databasesFixture(), databases: [guarded] }) }));
    await screen.findByTestId('database-table');
    const protection = within(row('shop-db/analytics')).getByTestId('server-protection');
    expect(protection.textContent).toBe(`Critical Shop server WAL archiving and standbys: ${standby.message}`);
    expect(within(protection).getByRole('link', { name: 'Shop server' }).getAttribute('href')).toBe('#/source/shop-db');
    expect(within(row('shop-db/analytics')).getByTestId('database-findings').textContent).toBe(`Shop server: ${standby.message}`);
  });

  it('shows each routine with its status, kind, host and newest backup, linking to its source', async () => {
    renderWithBridge(<DatabasesPage />, fakeBridge());
    await screen.findByTestId('database-table');
    const routines = within(row('shop-db/orders')).getAllByTestId('routine');
    expect(routines.map((r) => r.getAttribute('data-source'))).toEqual(['orders-pitr', 'nightly-dumps']);
    expect(routines[0]!.textContent).toBe('Critical Orders PITR pgBackRest stanza on backup@backup1 · newest 2d ago');
    expect(routines[1]!.textContent).toBe('OK Nightly dumps pg_dump directory · newest 3h ago');
    expect(within(routines[0]!).getByRole('link', { name: 'Orders PITR' }).getAttribute('href')).toBe('#/source/orders-pitr');
    // Following a routine's link opens its source, not the database.
    fireEvent.click(within(routines[1]!).getByRole('link', { name: 'Nightly dumps' }));
    expect(window.location.hash).not.toContain('database');
  });

  it('shows the last successful restore and the best proven recovery point', async () => {
    renderWithBridge(<DatabasesPage />, fakeBridge());
    await screen.findByTestId('database-table');
    const orders = row('shop-db/orders');
    expect(within(orders).getByTestId('database-restore').textContent).toBe('2d ago from Nightly dumps · took 4m 12s');
    // 5h against an rpo of 1h: loud.
    expect(within(orders).getByTestId('database-recovery-point').textContent).toBe('5h (Nightly dumps)');
    expect(within(orders).getByText('5h').className).toBe('loud');
    expect(within(row('~/analytics')).getByText('6h').className).toBe('');
    expect(within(row('cluster:reports-base')).getByTestId('database-restore').textContent).toBe('never test-restored');
    expect(within(row('cluster:reports-base')).getByTestId('database-recovery-point').textContent).toBe('none proven in 8d');
  });

  it('opens a database page when its row is clicked, its key encoded', async () => {
    renderWithBridge(<DatabasesPage />, fakeBridge());
    await screen.findByTestId('database-table');
    fireEvent.click(within(row('shop-db/orders')).getByTestId('database-findings'));
    expect(window.location.hash).toBe('#/database/shop-db%2Forders');
    expect(within(row('cluster:reports-base')).getByTestId('database-name').getAttribute('href')).toBe('#/database/cluster%3Areports-base');
  });

  it('follows the engine: a drill event brings the new status, drill progress does not refetch', async () => {
    let databases = databaseRows();
    const bridge = fakeBridge({ databases: async () => databasesFixture(databases) });
    renderWithBridge(<DatabasesPage />, bridge);
    await screen.findByTestId('database-table');
    act(() => bridge.emit({ type: 'drill-progress', progress: { sourceId: 'orders-pitr', backupKey: 'k', phase: 'restore', done: 1, total: 2 } }));
    databases = databases.map((d) => (d.key === 'shop-db/orders' ? { ...d, status: 'ok', findings: [] } : d));
    act(() =>
      bridge.emit({
        type: 'drill',
        drill: { sourceId: 'orders-pitr', backupKey: 'full-2', startedAt: 1, finishedAt: 2, outcome: 'pass', phases: {}, restoreMs: 1, tables: 1, rows: 1, restoredBytes: 1, checks: [], message: 'ok' },
      }),
    );
    await waitFor(() => expect(within(row('shop-db/orders')).getByTestId('database-status').textContent).toBe('OK'));
    expect(screen.getByTestId('count-critical').textContent).toBe('1 critical');
    expect(bridge.databases).toHaveBeenCalledTimes(2);
  });

  it("shows a name from a dump's header with its control and bidi characters escaped, here and on its page", async () => {
    const evil = 'orders\n\u202eevil';
    const databases = databaseRows().map((d) => (d.key === 'shop-db/orders' ? { ...d, name: evil } : d));
    renderWithBridge(<DatabasesPage />, fakeBridge({ databases: async () => databasesFixture(databases) }));
    await screen.findByTestId('database-table');
    expect(within(row('shop-db/orders')).getByTestId('database-name').textContent).toBe('orders\\n\\u202eevil');
    expect(screen.getByTestId('database-table').textContent).not.toMatch(/[\u0000-\u001f\u202a-\u202e]/u);
  });

  it('explains where databases come from when none is known, and shows an API failure with a retry', async () => {
    let fail = true;
    const bridge = fakeBridge({ databases: async () => (fail ? Promise.reject(new Error('the engine is not running')) : databasesFixture([])) });
    renderWithBridge(<DatabasesPage />, bridge);
    expect((await screen.findByRole('alert')).textContent).toContain('the engine is not running');
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect((await screen.findByTestId('no-databases')).textContent).toContain('dump headers, pgBackRest stanzas');
  });
});
