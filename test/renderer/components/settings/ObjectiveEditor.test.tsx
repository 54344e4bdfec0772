// @vitest-environment jsdom
// Settings: adding and editing a database's recovery objectives. The form sends the fields as typed (empty ones
// left out, so drillAge falls back to 8d), shows "Saving…" while the engine writes, puts each refusal beside its
// field and the rest on top, and closes with a notice once saved.
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { DatabaseObjectiveEdit, DatabaseObjectiveSettings, Validation } from '../../../../shared/api';
import { ObjectivesSection } from '../../../../renderer/components/settings/ObjectivesSection';
import { deferred, fakeBridge } from '../../support/fake-bridge';
import { databaseRows, databasesFixture } from '../../support/fixtures';
import { renderWithBridge } from '../../support/render';
import '../../support/setup';

const CONFIG = '/etc/backup-health/config.yml';
const settings: DatabaseObjectiveSettings = {
  configFile: CONFIG,
  objectives: [{ name: 'orders', server: 'orders-db', rpo: '15m', rto: '1h' }],
  servers: ['orders-db', 'crm-db'],
};

describe('Settings: editing recovery objectives', () => {
  it('adds objectives: a bad duration is shown beside its field, the rest on top; once fixed, saved and closed', async () => {
    const user = userEvent.setup();
    const answers: Validation[] = [
      {
        ok: false,
        problems: [
          { path: 'rpo', message: '"soon" is not a duration (use 90s, 15m, 26h, 7d)' },
          { path: 'sources[2].maxAge', message: 'is not a duration' },
        ],
      },
      { ok: true, problems: [] },
    ];
    const bridge = fakeBridge({ databaseObjectives: async () => settings, saveDatabaseObjective: async () => answers.shift()! });
    renderWithBridge(<ObjectivesSection />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Add recovery objectives' }));
    const form = screen.getByTestId('objective-form-new');
    expect(within(form).getByRole('heading', { name: 'Add recovery objectives' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add recovery objectives' })).toHaveProperty('disabled', true);
    // What each field means, from the config reference.
    expect(within(form).getByText(/The most data one may lose: a drill must have proved a recovery point within this\./)).toBeTruthy();
    expect(within(form).getByText(/The longest a restore may take\./)).toBeTruthy();
    expect(within(form).getByText('How old that drill may be; 8d when empty.')).toBeTruthy();
    expect((within(form).getByLabelText('Drill age') as HTMLInputElement).placeholder).toBe('8d');
    const server = within(form).getByLabelText('Server') as HTMLSelectElement;
    expect([...server.options].map((o) => o.value)).toEqual(['', 'orders-db', 'crm-db']);

    // crm-db has no database the Databases view knows (the fixture's are on shop-db): its name is typed.
    await user.selectOptions(server, 'crm-db');
    const database = within(form).getByLabelText('Database');
    expect(database.tagName).toBe('INPUT');
    await waitFor(() => expect(within(form).getByText(/^No database of crm-db is known yet/)).toBeTruthy());
    await user.type(database, 'crm');
    await user.type(within(form).getByLabelText('Recovery point objective (RPO)'), 'soon');
    await user.type(within(form).getByLabelText('Recovery time objective (RTO)'), ' 2h ');
    await user.click(within(form).getByRole('button', { name: 'Save objectives' }));
    const problem = await within(form).findByTestId('problem-rpo');
    expect(problem.textContent).toBe('"soon" is not a duration (use 90s, 15m, 26h, 7d)');
    const rpo = within(form).getByLabelText('Recovery point objective (RPO)');
    expect(rpo.getAttribute('aria-invalid')).toBe('true');
    expect(rpo.getAttribute('aria-describedby')).toContain(problem.id);
    expect(within(form).queryByTestId('problem-rto')).toBeNull();
    expect(within(form).getByTestId('objective-general-problems').textContent).toBe('sources[2].maxAge: is not a duration');
    // The problems get the focus, so a keyboard or screen-reader user lands on them.
    await waitFor(() => expect(document.activeElement).toBe(within(form).getByTestId('objective-general-problems')));
    expect(bridge.saveDatabaseObjective.mock.calls[0]![0]).toEqual({ objective: { name: 'crm', server: 'crm-db', rpo: 'soon', rto: '2h' } } satisfies DatabaseObjectiveEdit);
    expect(screen.queryByTestId('objective-notice')).toBeNull();

    await user.clear(rpo);
    await user.type(rpo, '30m');
    await user.click(within(form).getByRole('button', { name: 'Save objectives' }));
    expect((await screen.findByTestId('objective-notice')).textContent).toBe('Saved the recovery objectives of crm on crm-db.');
    expect(bridge.saveDatabaseObjective.mock.calls[1]![0]).toEqual({ objective: { name: 'crm', server: 'crm-db', rpo: '30m', rto: '2h' } });
    expect(screen.queryByTestId('objective-form-new')).toBeNull();
  });

  it('edits an entry as the file has it: clearing a field unsets it, and the entry it replaces is named', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge({ databaseObjectives: async () => settings });
    renderWithBridge(<ObjectivesSection />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Edit objectives of orders on orders-db' }));
    const form = screen.getByTestId('objective-form-orders on orders-db');
    expect(within(form).getByRole('heading', { name: 'Edit objectives of orders on orders-db' })).toBeTruthy();
    expect((within(form).getByLabelText('Database') as HTMLInputElement).value).toBe('orders');
    expect((within(form).getByLabelText('Server') as HTMLSelectElement).value).toBe('orders-db');
    expect((within(form).getByLabelText('Recovery point objective (RPO)') as HTMLInputElement).value).toBe('15m');
    expect((within(form).getByLabelText('Recovery time objective (RTO)') as HTMLInputElement).value).toBe('1h');
    expect((within(form).getByLabelText('Drill age') as HTMLInputElement).value).toBe('');

    await user.clear(within(form).getByLabelText('Recovery time objective (RTO)'));
    await user.type(within(form).getByLabelText('Drill age'), '3d');
    await user.click(within(form).getByRole('button', { name: 'Save objectives' }));
    await waitFor(() => expect(bridge.saveDatabaseObjective).toHaveBeenCalledTimes(1));
    expect(bridge.saveDatabaseObjective.mock.calls[0]![0]).toEqual({
      objective: { name: 'orders', server: 'orders-db', rpo: '15m', drillAge: '3d' },
      original: { name: 'orders', server: 'orders-db' },
    } satisfies DatabaseObjectiveEdit);
    expect((await screen.findByTestId('objective-notice')).textContent).toBe('Saved the recovery objectives of orders on orders-db.');
  });

  it('shows "Saving…" while the engine writes, with Save and Cancel disabled; Cancel closes without saving', async () => {
    const user = userEvent.setup();
    const answer = deferred<Validation>();
    const bridge = fakeBridge({ databaseObjectives: async () => settings, saveDatabaseObjective: () => answer.promise });
    renderWithBridge(<ObjectivesSection />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Edit objectives of orders on orders-db' }));
    let form = screen.getByTestId('objective-form-orders on orders-db');
    await user.click(within(form).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByTestId('objective-form-orders on orders-db')).toBeNull();
    expect(bridge.saveDatabaseObjective).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Edit objectives of orders on orders-db' }));
    form = screen.getByTestId('objective-form-orders on orders-db');
    await user.click(within(form).getByRole('button', { name: 'Save objectives' }));
    expect(within(form).getByRole('status').textContent).toBe('Saving…');
    expect(within(form).getByRole('button', { name: 'Save objectives' })).toHaveProperty('disabled', true);
    expect(within(form).getByRole('button', { name: 'Cancel' })).toHaveProperty('disabled', true);
    answer.resolve({ ok: true, problems: [] });
    await waitFor(() => expect(screen.queryByTestId('objective-form-orders on orders-db')).toBeNull());
  });

  it('says what went wrong when the call itself fails, and keeps the form', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge({
      databaseObjectives: async () => settings,
      saveDatabaseObjective: async () => {
        throw new Error('the dashboard lost its connection to backup-health serve');
      },
    });
    renderWithBridge(<ObjectivesSection />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Edit objectives of orders on orders-db' }));
    const form = screen.getByTestId('objective-form-orders on orders-db');
    await user.click(within(form).getByRole('button', { name: 'Save objectives' }));
    expect((await within(form).findByRole('alert')).textContent).toContain('lost its connection');
    expect(within(form).getByRole('button', { name: 'Save objectives' })).toHaveProperty('disabled', false);
  });

  it('offers the databases known on the chosen server; an entry naming one not known keeps it', async () => {
    const user = userEvent.setup();
    const [billing, orders] = ['billing', 'orders'].map((name) => databaseRows().find((d) => d.name === name)!);
    const onServer = (d: typeof billing, id: string, name = d!.name) => ({ ...d!, key: `${id}/${name}`, name, server: { ...d!.server!, id } });
    const known = [onServer(orders, 'orders-db'), onServer(billing, 'orders-db'), onServer(billing, 'crm-db', 'crm'), onServer(orders, 'crm-db', 'crm\u202Eevil')];
    const bridge = fakeBridge({
      databaseObjectives: async () => ({ ...settings, objectives: [{ name: 'old_orders', server: 'orders-db', rpo: '15m' }] }),
      databases: async () => databasesFixture(known),
    });
    renderWithBridge(<ObjectivesSection />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Add recovery objectives' }));
    let form = screen.getByTestId('objective-form-new');
    await user.selectOptions(within(form).getByLabelText('Server'), 'orders-db');
    const choices = (select: HTMLElement) => [...(select as HTMLSelectElement).options].map((o) => [o.value, o.textContent]);
    await waitFor(() => expect(within(form).getByLabelText('Database').tagName).toBe('SELECT'));
    expect(choices(within(form).getByLabelText('Database'))).toEqual([['', 'choose the database'], ['billing', 'billing'], ['orders', 'orders']]);
    await user.selectOptions(within(form).getByLabelText('Database'), 'billing');
    await user.selectOptions(within(form).getByLabelText('Server'), 'crm-db');
    // Another server's names, a hostile one shown escaped; the name already chosen stays, to be changed or refused.
    expect(choices(within(form).getByLabelText('Database'))).toEqual([['', 'choose the database'], ['crm', 'crm'], ['crm\u202Eevil', 'crm\\u202eevil'], ['billing', 'billing']]);
    await user.selectOptions(within(form).getByLabelText('Database'), 'crm');
    await user.click(within(form).getByRole('button', { name: 'Save objectives' }));
    await waitFor(() => expect(bridge.saveDatabaseObjective).toHaveBeenCalledTimes(1));
    expect(bridge.saveDatabaseObjective.mock.calls[0]![0]).toEqual({ objective: { name: 'crm', server: 'crm-db' } } satisfies DatabaseObjectiveEdit);

    // An entry whose database the server no longer lists keeps its name.
    await waitFor(() => expect(screen.queryByTestId('objective-form-new')).toBeNull());
    await user.click(await screen.findByRole('button', { name: 'Edit objectives of old_orders on orders-db' }));
    form = screen.getByTestId('objective-form-old_orders on orders-db');
    const database = within(form).getByLabelText('Database') as HTMLSelectElement;
    expect(database.value).toBe('old_orders');
    expect(choices(database)).toEqual([['', 'choose the database'], ['billing', 'billing'], ['orders', 'orders'], ['old_orders', 'old_orders']]);
  });
});
