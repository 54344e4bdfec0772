// @vitest-environment jsdom
// Settings: adding, editing and removing alert channels. A form per kind; a kept secret (a webhook's URL) is
// never shown and stays kept when left empty; a password goes to the keychain in the desktop app and is
// pointed to passwordEnv/passwordFile in serve; the engine's refusals sit beside the field they are about; a
// command channel is shown read-only.
import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AlertChannelEdit } from '../../../../shared/api';
import { SettingsPage } from '../../../../renderer/pages/SettingsPage';
import { fakeBridge } from '../../support/fake-bridge';
import { alertChannelSettingsFixture, alertChannelsWithFailure } from '../../support/fixtures';
import { renderWithBridge } from '../../support/render';
import '../../support/setup';

// findBy and waitFor wait for what the user would see; their default 1 s was too short under a full CI run's load
// on 2 cores (the first test pays for the page's first render), where SettingsPage and the typing take seconds.
// A longer wait changes nothing when the page is right, only how long a wrong one takes to fail.
configure({ asyncUtilTimeout: 15_000 });

const withChannels = (answers: Parameters<typeof fakeBridge>[0] = {}) => fakeBridge({ alertChannels: async () => alertChannelsWithFailure(), ...answers });

describe('Settings: editing alert channels', () => {
  it('adds a webhook with a bearer token for the keychain; the form closes, says so and forgets the token', async () => {
    const user = userEvent.setup();
    const bridge = withChannels();
    renderWithBridge(<SettingsPage />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Add alert channel' }));
    const form = screen.getByTestId('channel-form-new');
    expect(within(form).getByRole('radio', { name: 'Webhook' })).toHaveProperty('checked', true);
    expect(within(form).queryByRole('radio', { name: 'Command' })).toBeNull();
    expect(form.textContent).toContain('A command channel runs a program, so it is added in the config file');
    await user.type(within(form).getByLabelText('Id'), 'dba-hook');
    await user.type(within(form).getByLabelText('URL'), 'https://hooks.example.com/backup/T0K3N');
    await user.selectOptions(within(form).getByLabelText('Lowest status that alerts'), 'critical');
    await user.type(within(form).getByLabelText('Only these sources'), 'orders-dumps, billing-restic');
    await user.click(within(form).getByLabelText('Say when a source recovers'));
    await user.type(within(form).getByLabelText('Remind every'), '12h');
    await user.type(within(form).getByLabelText('Bearer token (kept in the OS keychain)'), 's3cret-token');
    await user.click(within(form).getByRole('button', { name: 'Save channel' }));
    await waitFor(() => expect(bridge.saveAlertChannel).toHaveBeenCalledTimes(1));
    expect(bridge.saveAlertChannel.mock.calls[0]![0]).toEqual({
      channel: {
        id: 'dba-hook',
        kind: 'webhook',
        url: 'https://hooks.example.com/backup/T0K3N',
        minStatus: 'critical',
        sources: ['orders-dumps', 'billing-restic'],
        remindEvery: '12h',
        recoveries: false,
      },
      password: 's3cret-token',
    } satisfies AlertChannelEdit);
    expect((await screen.findByTestId('alert-channel-notice')).textContent).toBe('Saved alert channel dba-hook.');
    expect(screen.queryByTestId('channel-form-new')).toBeNull();
    expect(document.body.innerHTML).not.toContain('s3cret-token');
  });

  it("edits a webhook whose URL is kept: the form never has it, and leaving it empty keeps it", async () => {
    const user = userEvent.setup();
    const bridge = withChannels();
    renderWithBridge(<SettingsPage />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Edit alert channel ops-hook' }));
    const form = screen.getByTestId('channel-form-ops-hook');
    const url = within(form).getByLabelText('URL') as HTMLInputElement;
    expect(url.value).toBe('');
    expect(url.placeholder).toBe('kept: hooks.example.com/… (its path is the secret)');
    expect(within(form).queryByRole('radio')).toBeNull();
    expect((within(form).getByLabelText('Remind every') as HTMLInputElement).value).toBe('24h');
    await user.clear(within(form).getByLabelText('Remind every'));
    await user.click(within(form).getByRole('button', { name: 'Save channel' }));
    await waitFor(() => expect(bridge.saveAlertChannel).toHaveBeenCalledTimes(1));
    expect(bridge.saveAlertChannel.mock.calls[0]![0]).toEqual({ originalId: 'ops-hook', channel: { id: 'ops-hook', kind: 'webhook', minStatus: 'critical' } });
  });

  it("shows an e-mail channel's variable read-only and puts the engine's refusals beside their fields", async () => {
    const user = userEvent.setup();
    const bridge = withChannels({
      saveAlertChannel: async () => ({
        ok: false,
        problems: [
          { path: 'smtp.host', message: 'smtp.host is set in the config file only (the channel sends a secret from the environment there); edit the config file to change it' },
          { path: 'to[0]', message: 'must be an e-mail address like ops@example.com' },
          { path: 'alerts.heartbeat.every', message: 'is shorter than the poll interval' },
        ],
      }),
    });
    renderWithBridge(<SettingsPage />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Edit alert channel ops-mail' }));
    const form = screen.getByTestId('channel-form-ops-mail');
    const variable = within(form).getByTestId('file-only-smtp.passwordEnv') as HTMLInputElement;
    expect(variable.value).toBe('$SMTP_PASSWORD');
    expect(variable.readOnly).toBe(true);
    // Its password comes from that variable: no keychain field beside it.
    expect(within(form).queryByLabelText(/SMTP password/)).toBeNull();
    expect((within(form).getByLabelText('To') as HTMLInputElement).value).toBe('ops@example.com');
    await user.clear(within(form).getByLabelText('SMTP server'));
    await user.type(within(form).getByLabelText('SMTP server'), 'mail.elsewhere.example');
    await user.click(within(form).getByRole('button', { name: 'Save channel' }));
    expect((await within(form).findByTestId('problem-smtp.host')).textContent).toContain('set in the config file only');
    expect(within(form).getByTestId('problem-to').textContent).toBe('must be an e-mail address like ops@example.com');
    expect(within(form).getByTestId('channel-general-problems').textContent).toBe('alerts.heartbeat.every: is shorter than the poll interval');
    expect(within(form).getByLabelText('SMTP server').getAttribute('aria-invalid')).toBe('true');
    const sent = bridge.saveAlertChannel.mock.calls[0]![0];
    expect(sent.channel.smtp).toEqual({ host: 'mail.elsewhere.example', port: 587, user: 'bh', passwordEnv: 'SMTP_PASSWORD' });
    expect(sent).not.toHaveProperty('password');
  });

  it('in serve (no keychain) says where a password goes instead, and shows the refusal there', async () => {
    const user = userEvent.setup();
    const bridge = withChannels({
      alertChannelSettings: async () => alertChannelSettingsFixture({ canStorePasswords: false }),
      saveAlertChannel: async () => ({ ok: false, problems: [{ path: 'password', message: 'this process cannot keep passwords (serve has no keychain): set passwordEnv or passwordFile in the config file' }] }),
    });
    renderWithBridge(<SettingsPage />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Add alert channel' }));
    const form = screen.getByTestId('channel-form-new');
    await user.click(within(form).getByRole('radio', { name: 'ntfy' }));
    expect(within(form).queryByLabelText(/kept in the OS keychain/)).toBeNull();
    expect(within(form).getByTestId('channel-password-elsewhere').textContent).toContain('this server has no keychain to keep it in. Set passwordEnv or passwordFile');
    await user.type(within(form).getByLabelText('Id'), 'phone');
    await user.type(within(form).getByLabelText('Topic'), 'backups-x7');
    await user.click(within(form).getByRole('button', { name: 'Save channel' }));
    expect((await within(form).findByTestId('problem-password')).textContent).toContain('serve has no keychain');
    expect(bridge.saveAlertChannel.mock.calls[0]![0]).toEqual({ channel: { id: 'phone', kind: 'ntfy', topic: 'backups-x7' } });
  });

  it('shows a command channel read-only: no Save, its command in a read-only field', async () => {
    const user = userEvent.setup();
    const bridge = withChannels();
    renderWithBridge(<SettingsPage />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Show alert channel pager' }));
    const form = screen.getByTestId('channel-form-pager');
    expect(within(form).getByTestId('channel-read-only').textContent).toContain('edited in the config file only');
    expect((within(form).getByTestId('file-only-command') as HTMLInputElement).value).toBe('["/usr/local/bin/page-oncall","--team","dba"]');
    expect(within(form).queryByRole('button', { name: 'Save channel' })).toBeNull();
    expect(within(form).getByLabelText('Id').closest('fieldset')!.disabled).toBe(true);
    expect(within(form).getByLabelText('Id').matches(':disabled')).toBe(true);
    await user.click(within(form).getByRole('button', { name: 'Close' }));
    expect(screen.queryByTestId('channel-form-pager')).toBeNull();
    expect(bridge.saveAlertChannel).not.toHaveBeenCalled();
  });

  it('a kept password can be replaced or forgotten; removing a channel asks first', async () => {
    const user = userEvent.setup();
    const settings = alertChannelSettingsFixture();
    settings.channels[0]!.fields.passwordStored = true;
    const bridge = withChannels({ alertChannelSettings: async () => settings });
    renderWithBridge(<SettingsPage />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Edit alert channel ops-hook' }));
    const form = screen.getByTestId('channel-form-ops-hook');
    expect((within(form).getByLabelText('Bearer token (kept in the OS keychain)') as HTMLInputElement).placeholder).toBe('kept in the keychain');
    await user.click(within(form).getByTestId('channel-forget-password'));
    await user.click(within(form).getByRole('button', { name: 'Save channel' }));
    await waitFor(() => expect(bridge.saveAlertChannel).toHaveBeenCalledTimes(1));
    expect(bridge.saveAlertChannel.mock.calls[0]![0].channel).not.toHaveProperty('passwordStored');

    await user.click(screen.getByRole('button', { name: 'Remove alert channel ops-mail' }));
    expect(bridge.deleteAlertChannel).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Yes, remove ops-mail' }));
    await waitFor(() => expect(bridge.deleteAlertChannel).toHaveBeenCalledWith({ id: 'ops-mail' }));
    expect((await screen.findByTestId('alert-channel-notice')).textContent).toBe('Removed alert channel ops-mail.');
  });
});
