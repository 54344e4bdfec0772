// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { SourceFormPage } from '../../../renderer/pages/SourceFormPage';
import { fakeBridge } from '../support/fake-bridge';
import { settingsFixture, summaryFixture } from '../support/fixtures';
import { renderWithBridge } from '../support/render';
import '../support/setup';

const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement;

/** The problem shown in the same field block as the input labelled `label`, and tied to it for screen readers. */
function problemBeside(label: string): string | null {
  const field = input(label);
  const problem = field.closest('.field')!.querySelector('.problem');
  if (!problem) return null;
  expect(field.getAttribute('aria-describedby')).toContain(problem.id);
  expect(field.getAttribute('aria-invalid')).toBe('true');
  return problem.textContent;
}

describe('SourceFormPage', () => {
  it('edits a source in the config file’s words', async () => {
    renderWithBridge(<SourceFormPage id="nightly-dumps" />, fakeBridge());
    expect((await screen.findByLabelText('Max backup age')) as HTMLInputElement).toHaveProperty('value', '26h');
    expect(input('Min backup size').value).toBe('1MB');
    expect(input('Directory').value).toBe('/var/backups/pg');
    expect((screen.getByLabelText('Dumps of') as HTMLSelectElement).value).toBe('db1');
    expect(input('Parallel restore jobs').value).toBe('4');
    expect(input('Check 1 SQL').value).toBe('select count(*) > 0 from orders');
    expect(screen.queryByLabelText('Connection URL')).toBeNull();
  });

  it('puts each problem beside its field and the rest on top', async () => {
    const bridge = fakeBridge({
      saveSource: async () => ({
        ok: false,
        problems: [
          { path: 'maxAge', message: '"26 hours" is not a duration (use 90s, 15m, 26h, 7d)' },
          { path: 'drill.jobs', message: 'expected number, got string "many"' },
          { path: 'drill.checks[0].sql', message: 'Too small: expected string to have >=1 characters' },
          { path: 'sources[0].url', message: 'contains a password' },
        ],
      }),
    });
    renderWithBridge(<SourceFormPage id="nightly-dumps" />, bridge);
    await screen.findByLabelText('Max backup age');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByTestId('problem-maxAge');
    expect(problemBeside('Max backup age')).toBe('"26 hours" is not a duration (use 90s, 15m, 26h, 7d)');
    expect(problemBeside('Parallel restore jobs')).toBe('expected number, got string "many"');
    expect(problemBeside('Check 1 SQL')).toContain('Too small');
    expect(problemBeside('Min backup size')).toBeNull();
    // Another source's problem, named by its id.
    expect(screen.getByTestId('general-problems').textContent).toBe('source "db1": url: contains a password');
    // The focus moves in an effect after the problems render: on a loaded machine a moment after they show.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('general-problems')));
    expect(window.location.hash).toBe('');
  });

  it('validates while typing, beside the fields that were changed', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge({
      validateSource: async ({ source }) => ({
        ok: false,
        problems: [
          ...(source.minSize === '1 megabyte' ? [{ path: 'minSize', message: '"1 megabyte" is not a size (use 500kB, 1MB, 5GB)' }] : []),
          { path: 'path', message: 'is required' },
        ],
      }),
    });
    renderWithBridge(<SourceFormPage id="nightly-dumps" />, bridge);
    await user.clear(await screen.findByLabelText('Min backup size'));
    await user.type(input('Min backup size'), '1 megabyte');
    await waitFor(() => expect(problemBeside('Min backup size')).toBe('"1 megabyte" is not a size (use 500kB, 1MB, 5GB)'));
    // Not changed yet: not judged yet.
    expect(problemBeside('Directory')).toBeNull();
  });

  it('tests the edited source and shows what was observed before saving', async () => {
    const bridge = fakeBridge({
      testSource: async () => ({
        ok: true,
        problems: [],
        observed: '7 backups (3.4 GB), newest 3h ago, 20 bytes',
        summary: summaryFixture('nightly-dumps'),
      }),
    });
    renderWithBridge(<SourceFormPage id="nightly-dumps" />, bridge);
    await screen.findByLabelText('Max backup age');
    fireEvent.click(screen.getByRole('button', { name: 'Test' }));
    const result = await screen.findByTestId('test-result');
    expect(screen.getByTestId('test-observed').textContent).toBe('7 backups (3.4 GB), newest 3h ago, 20 bytes');
    expect(screen.getByTestId('test-status').textContent).toBe('Critical');
    expect(within(result).getByText(/newest backup is 20 bytes/)).toBeTruthy();
    expect(bridge.testSource).toHaveBeenCalledWith(expect.objectContaining({ originalId: 'nightly-dumps' }));
    expect(bridge.saveSource).not.toHaveBeenCalled();
  });

  it('saves the edited source in the config file’s words', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge();
    renderWithBridge(<SourceFormPage id="nightly-dumps" />, bridge);
    await user.clear(await screen.findByLabelText('Max backup age'));
    await user.type(input('Max backup age'), '2d');
    await user.clear(input('Min backup size'));
    await user.type(input('Drill every'), '{Control>}a{/Control}1d');
    await user.type(input('Row count tolerance'), '2%');
    await user.click(screen.getByRole('button', { name: 'Add check' }));
    await user.type(input('Check 2 name'), 'recent orders');
    await user.type(input('Check 2 SQL'), "select max(created) > now() - interval '1 day'");
    await user.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(bridge.saveSource).toHaveBeenCalledTimes(1));
    expect(bridge.saveSource.mock.calls[0]![0]).toEqual({
      originalId: 'nightly-dumps',
      source: {
        id: 'nightly-dumps',
        name: 'Nightly dumps',
        kind: 'dump-dir',
        path: '/var/backups/pg',
        pattern: 'orders-*.dump',
        maxAge: '2d',
        database: 'db1',
        drill: {
          every: '1d',
          jobs: 4,
          tolerance: '2%',
          checks: [
            { name: 'orders present', sql: 'select count(*) > 0 from orders' },
            { name: 'recent orders', sql: "select max(created) > now() - interval '1 day'" },
          ],
        },
      },
    });
    await waitFor(() => expect(window.location.hash).toBe('#/settings?saved=nightly-dumps'));
  });

  it('adds a postgres source; a password field only where the app can keep one', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge({ settings: async () => settingsFixture({ canStorePasswords: true }) });
    renderWithBridge(<SourceFormPage id={null} />, bridge);
    await user.click(await screen.findByLabelText('PostgreSQL server'));
    await user.type(input('Id'), 'db2');
    await user.type(input('Connection URL'), 'postgres://monitor@db2/postgres');
    await user.type(input('Password'), 's3cret');
    await user.type(input('Standbys'), 'replica-a, replica-b');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(bridge.saveSource).toHaveBeenCalledTimes(1));
    expect(bridge.saveSource.mock.calls[0]![0]).toEqual({
      source: { id: 'db2', kind: 'postgres', url: 'postgres://monitor@db2/postgres', standbys: ['replica-a', 'replica-b'] },
      password: 's3cret',
    });
  });

  it('adds a borg repository on another host; each kind shows only the drill fields it takes', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge({ settings: async () => settingsFixture({ kinds: ['postgres', 'dump-dir', 'pgbackrest', 'restic', 'borg'] }) });
    renderWithBridge(<SourceFormPage id={null} />, bridge);
    await user.click(await screen.findByLabelText('pgBackRest stanza'));
    expect(screen.queryByLabelText('Parallel restore jobs')).toBeNull();
    expect(screen.queryByLabelText('Compare row counts with')).toBeNull();
    expect(input('On host (ssh)')).toBeTruthy();
    await user.click(screen.getByLabelText('restic repository'));
    expect(input('Pack data read back')).toBeTruthy();
    await user.click(screen.getByLabelText('Borg repository'));
    expect(screen.queryByLabelText('Pack data read back')).toBeNull();
    await user.type(input('Id'), 'orders-borg');
    await user.type(input('Repository'), '/srv/borg/orders');
    await user.type(input('Passphrase file'), '/etc/backup-health/borg-orders');
    await user.type(input('On host (ssh)'), 'backup@backup1');
    await user.type(input('ssh options'), 'Port=2222{Enter}IdentityFile=~/.ssh/backup_ed25519');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(bridge.saveSource).toHaveBeenCalledTimes(1));
    expect(bridge.saveSource.mock.calls[0]![0]).toEqual({
      source: { id: 'orders-borg', kind: 'borg', repo: '/srv/borg/orders', passwordFile: '/etc/backup-health/borg-orders', host: 'backup@backup1', sshOptions: ['Port=2222', 'IdentityFile=~/.ssh/backup_ed25519'] },
    });
  });

  it('has no password field where the app cannot keep one', async () => {
    const user = userEvent.setup();
    renderWithBridge(<SourceFormPage id={null} />, fakeBridge());
    await user.click(await screen.findByLabelText('PostgreSQL server'));
    expect(screen.getByLabelText('Connection URL')).toBeTruthy();
    expect(screen.queryByLabelText('Password')).toBeNull();
  });

  it('keeps keys the form has no field for and the keychain flag, unless dropped', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge({
      settings: async () => settingsFixture({ sources: [{ id: 'db1', kind: 'postgres', url: 'postgres://db1/postgres', passwordStored: true, futureKey: 3 }] }),
    });
    renderWithBridge(<SourceFormPage id="db1" />, bridge);
    expect((await screen.findByTestId('extra-keys')).textContent).toContain('futureKey: 3');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(bridge.saveSource).toHaveBeenCalledTimes(1));
    expect(bridge.saveSource.mock.calls[0]![0].source).toEqual({ id: 'db1', kind: 'postgres', url: 'postgres://db1/postgres', passwordStored: true, futureKey: 3 });

    await user.click(screen.getByRole('button', { name: 'Drop futureKey' }));
    await user.click(screen.getByRole('checkbox', { name: /password kept in the desktop app/ }));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(bridge.saveSource).toHaveBeenCalledTimes(2));
    expect(bridge.saveSource.mock.calls[1]![0].source).toEqual({ id: 'db1', kind: 'postgres', url: 'postgres://db1/postgres' });
  });

  it('says so when the source to edit is not in the config', async () => {
    renderWithBridge(<SourceFormPage id="gone" />, fakeBridge());
    expect((await screen.findByRole('alert')).textContent).toContain('There is no source "gone"');
  });
});
