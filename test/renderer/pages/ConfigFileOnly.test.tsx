// @vitest-environment jsdom
// What names a program to run is shown, never edited, on the settings pages: pgBackRest's configPath, the
// defaults postgresBin and drillDir, and ssh options the dashboard cannot set. A save sends them back exactly
// as the config file has them, so the engine keeps them (and refuses any change).
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { SettingsPage } from '../../../renderer/pages/SettingsPage';
import { SourceFormPage } from '../../../renderer/pages/SourceFormPage';
import { fakeBridge } from '../support/fake-bridge';
import { CONFIG_FILE, settingsFixture } from '../support/fixtures';
import { renderWithBridge } from '../support/render';
import '../support/setup';

const stanza = { id: 'main-stanza', kind: 'pgbackrest', stanza: 'main', configPath: '/etc/pgbackrest/main.conf', host: 'backup@repo1', sshOptions: ['ProxyJump=bastion', 'Port=2222', 'ControlMaster=auto'] };
const settings = () => settingsFixture({ sources: [...settingsFixture().sources, stanza], defaults: { postgresBin: '/usr/lib/postgresql/17/bin', maxAge: '26h' }, kinds: ['postgres', 'dump-dir', 'pgbackrest'] });

describe('fields set in the config file only', () => {
  it('shows configPath read-only with its note, and the ssh options the dashboard cannot set as a kept list', async () => {
    renderWithBridge(<SourceFormPage id="main-stanza" />, fakeBridge({ settings: async () => settings() }));
    const configPath = (await screen.findByLabelText('pgBackRest config')) as HTMLInputElement;
    expect(configPath.value).toBe('/etc/pgbackrest/main.conf');
    expect(configPath.readOnly).toBe(true);
    expect(document.getElementById(configPath.getAttribute('aria-describedby')!)!.textContent).toMatch(/^Set in the config file: it names pgBackRest's or Barman's config file/);

    expect((screen.getByLabelText('ssh options') as HTMLTextAreaElement).value).toBe('Port=2222');
    const kept = screen.getByTestId('file-only-sshOptions');
    expect(within(kept).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['ProxyJump=bastion', 'ControlMaster=auto']);
  });

  it('typing into configPath changes nothing, and a save sends the kept values back exactly', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge({ settings: async () => settings() });
    renderWithBridge(<SourceFormPage id="main-stanza" />, bridge);
    const configPath = (await screen.findByLabelText('pgBackRest config')) as HTMLInputElement;
    await user.type(configPath, '/tmp/evil.conf');
    expect(configPath.value).toBe('/etc/pgbackrest/main.conf');
    await user.type(screen.getByLabelText('ssh options'), '{Enter}ConnectTimeout=5');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(bridge.saveSource).toHaveBeenCalledTimes(1));
    expect(bridge.saveSource.mock.calls[0]![0].source).toMatchObject({
      configPath: '/etc/pgbackrest/main.conf',
      sshOptions: ['ProxyJump=bastion', 'ControlMaster=auto', 'Port=2222', 'ConnectTimeout=5'],
    });
  });

  it('a new pgBackRest source shows configPath empty and read-only', async () => {
    const user = userEvent.setup();
    renderWithBridge(<SourceFormPage id={null} />, fakeBridge({ settings: async () => settings() }));
    await user.click(await screen.findByLabelText('pgBackRest stanza'));
    const configPath = screen.getByLabelText('pgBackRest config') as HTMLInputElement;
    expect([configPath.value, configPath.readOnly, configPath.placeholder]).toEqual(['', true, 'not set']);
    expect(screen.queryByTestId('file-only-sshOptions')).toBeNull();
  });

  it('the settings page shows postgresBin and drillDir as set in the config file, with no way to edit them', async () => {
    renderWithBridge(<SettingsPage />, fakeBridge({ settings: async () => settings() }));
    const section = await screen.findByTestId('file-only-defaults');
    expect(within(section).getByText(`Set in ${CONFIG_FILE}`)).toBeTruthy();
    const bin = within(section).getByLabelText('PostgreSQL programs for drills (postgresBin)') as HTMLInputElement;
    expect([bin.value, bin.readOnly]).toEqual(['/usr/lib/postgresql/17/bin', true]);
    const drillDir = within(section).getByLabelText('Drill directory (drillDir)') as HTMLInputElement;
    expect([drillDir.value, drillDir.readOnly]).toEqual(['', true]);
    expect(section.textContent).toContain('Set in the config file: it names the directory of the PostgreSQL programs drills run.');
    expect(within(section).queryAllByRole('button')).toEqual([]);
  });
});
