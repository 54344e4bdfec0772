// @vitest-environment jsdom
// Settings: the recovery objectives per database, as the config file has them: one row each (database on server,
// RPO, RTO, drill age), removed only after confirmation, reloaded when the config changes, and a word on what to
// do first when there is no postgres source to put a database on.
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { DatabaseObjectiveSettings } from '../../../../shared/api';
import { ObjectivesSection } from '../../../../renderer/components/settings/ObjectivesSection';
import { SettingsPage } from '../../../../renderer/pages/SettingsPage';
import { fakeBridge } from '../../support/fake-bridge';
import { renderWithBridge } from '../../support/render';
import '../../support/setup';

const CONFIG = '/etc/backup-health/config.yml';

function objectives(overrides: Partial<DatabaseObjectiveSettings> = {}): DatabaseObjectiveSettings {
  return {
    configFile: CONFIG,
    objectives: [
      { name: 'orders', server: 'orders-db', rpo: '15m', rto: '1h', drillAge: '2d' },
      { name: 'crm', server: 'crm-db', rto: '2h' },
    ],
    servers: ['orders-db', 'crm-db'],
    ...overrides,
  };
}

describe('Settings: recovery objectives', () => {
  it('lists each database on its server with its RPO, RTO and drill age, on the settings page, with no form open', async () => {
    renderWithBridge(<SettingsPage />, fakeBridge({ databaseObjectives: async () => objectives() }));
    const orders = await screen.findByTestId('objective-orders on orders-db');
    expect(orders.querySelector('strong')!.textContent).toBe('orders');
    expect(orders.textContent).toContain('orders on orders-db');
    expect(screen.getByTestId('objective-words-orders on orders-db').textContent).toBe('RPO 15m · RTO 1h · drill within 2d');
    expect(screen.getByTestId('objective-words-crm on crm-db').textContent).toBe('RPO not set · RTO 2h · drill within 8d (default)');
    const hint = screen.getByTestId('objectives-hint').textContent!;
    expect(hint).toContain(CONFIG);
    expect(hint).toContain('under databases:');
    const section = screen.getByTestId('objective-settings');
    expect(within(section).getByRole('heading', { name: 'Recovery objectives' })).toBeTruthy();
    expect(within(section).queryAllByRole('textbox')).toHaveLength(0);
    expect(within(section).getByRole('button', { name: 'Edit objectives of orders on orders-db' })).toBeTruthy();
    expect(within(section).getByRole('button', { name: 'Remove the objectives of crm on crm-db' })).toBeTruthy();
  });

  it('removes an entry only after confirmation, says so, and the list shows what the file now has', async () => {
    const user = userEvent.setup();
    let answer = objectives();
    const bridge = fakeBridge({
      databaseObjectives: async () => answer,
      deleteDatabaseObjective: async () => {
        answer = objectives({ objectives: answer.objectives.slice(1) });
        return { ok: true, problems: [] };
      },
    });
    renderWithBridge(<ObjectivesSection />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Remove the objectives of orders on orders-db' }));
    const confirm = screen.getByRole('group', { name: 'Confirm removing the objectives of orders on orders-db' });
    expect(confirm.textContent).toContain('Remove the objectives of orders on orders-db from the config? The database stays watched.');
    expect(bridge.deleteDatabaseObjective).not.toHaveBeenCalled();
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('group', { name: /Confirm removing/ })).toBeNull();
    expect(bridge.deleteDatabaseObjective).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Remove the objectives of orders on orders-db' }));
    await user.click(screen.getByRole('button', { name: 'Yes, remove the objectives of orders on orders-db' }));
    expect(bridge.deleteDatabaseObjective).toHaveBeenCalledWith({ name: 'orders', server: 'orders-db' });
    expect((await screen.findByTestId('objective-notice')).textContent).toBe('Removed the recovery objectives of orders on orders-db.');
    await waitFor(() => expect(screen.queryByTestId('objective-orders on orders-db')).toBeNull());
    expect(screen.getByTestId('objective-crm on crm-db')).toBeTruthy();
  });

  it('shows why an entry could not be removed, beside it', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge({
      databaseObjectives: async () => objectives(),
      deleteDatabaseObjective: async () => ({ ok: false, problems: [{ path: '', message: `no objectives for crm on crm-db in ${CONFIG}` }] }),
    });
    renderWithBridge(<ObjectivesSection />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Remove the objectives of crm on crm-db' }));
    await user.click(screen.getByRole('button', { name: 'Yes, remove the objectives of crm on crm-db' }));
    const row = screen.getByTestId('objective-crm on crm-db');
    expect((await within(row).findByRole('alert')).textContent).toBe(`no objectives for crm on crm-db in ${CONFIG}`);
    expect(screen.queryByTestId('objective-notice')).toBeNull();
  });

  it('reloads when the config changes (an edit elsewhere, or the file)', async () => {
    let answer = objectives({ objectives: [] });
    const bridge = fakeBridge({ databaseObjectives: async () => answer });
    renderWithBridge(<ObjectivesSection />, bridge);
    expect((await screen.findByTestId('no-objectives')).textContent).toBe('No recovery objectives yet: add them here, or under databases: in the config file.');
    answer = objectives();
    bridge.emit({ type: 'config' });
    expect((await screen.findByTestId('objective-words-orders on orders-db')).textContent).toBe('RPO 15m · RTO 1h · drill within 2d');
  });

  it('with no postgres source, says one must be added first, in the list and at the server field', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge({ databaseObjectives: async () => objectives({ objectives: [], servers: [] }) });
    renderWithBridge(<ObjectivesSection />, bridge);
    expect((await screen.findByTestId('no-objectives')).textContent).toContain('They are set for a database on a postgres source, so add a PostgreSQL source first.');
    await user.click(screen.getByRole('button', { name: 'Add recovery objectives' }));
    const form = screen.getByTestId('objective-form-new');
    const server = within(form).getByLabelText('Server') as HTMLSelectElement;
    expect([...server.options].map((o) => o.textContent)).toEqual(['no postgres source yet']);
    const noServers = within(form).getByTestId('objective-no-servers');
    expect(noServers.textContent).toBe("A database's server is the postgres source that watches it, and there is none yet: add a PostgreSQL source first.");
    expect(within(noServers).getByRole('link', { name: 'add a PostgreSQL source' }).getAttribute('href')).toBe('#/settings/new');
    expect(server.getAttribute('aria-describedby')).toContain('field-server-hint');
  });
});
