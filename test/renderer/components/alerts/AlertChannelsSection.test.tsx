// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AlertTestResult } from '../../../../shared/api';
import { SettingsPage } from '../../../../renderer/pages/SettingsPage';
import { deferred, fakeBridge } from '../../support/fake-bridge';
import { CONFIG_FILE, alertChannelsFixture, alertChannelsWithFailure } from '../../support/fixtures';
import { renderWithBridge } from '../../support/render';
import '../../support/setup';

const delivered: AlertTestResult = {
  channelId: 'ops-hook',
  target: 'hooks.example.com',
  delivery: { at: Date.now(), ok: true, purpose: 'test', title: 'test alert', httpStatus: 204 },
  durationMs: 120,
};

describe('Settings: alert channels', () => {
  it('lists each channel with its kind, target, filters and last delivery, and says where channels are edited', async () => {
    renderWithBridge(<SettingsPage />, fakeBridge({ alertChannels: async () => alertChannelsWithFailure() }));
    const hook = await screen.findByTestId('alert-channel-ops-hook');
    expect(hook.textContent).toContain('Webhook');
    expect(screen.getByTestId('alert-target-ops-hook').textContent).toBe('hooks.example.com');
    expect(screen.getByTestId('alert-filters-ops-hook').textContent).toBe('critical or worse · reminds every 1d while critical · recoveries too');
    expect(screen.getByTestId('alert-last-ops-hook').textContent).toBe('Last: delivered 2h ago (HTTP 200)');

    expect(screen.getByTestId('alert-filters-ops-mail').textContent).toBe('warning or worse · only sources nightly-dumps · no recoveries');
    expect(screen.getByTestId('alert-last-ops-mail').textContent).toBe('Last: failed 1h ago: 550 5.7.1 rejected by DMARC policy');
    expect(screen.getByTestId('alert-failing-ops-mail').textContent).toContain('e-mail alerts to ops@example.com are failing');
    expect(screen.getByTestId('alert-last-pager').textContent).toBe('Nothing sent yet');

    const hint = screen.getByTestId('alert-channels-hint');
    expect(hint.textContent).toContain('Saved to the config file');
    expect(hint.textContent).toContain('A command channel, a passwordFile and the names of environment variables are set in the file only.');
    expect(hint.textContent).toContain(CONFIG_FILE);
    expect(screen.getByTestId('heartbeat').textContent).toMatch(/^Heartbeat to hc-ping\.com every 5m · last ping delivered 1m( \d+s)? ago \(HTTP 200\)$/);
    expect(screen.getByTestId('alert-sender').textContent).toBe('alerts sent by this process');
    // No form is open until Edit or Add is pressed: no inputs, no links in the section.
    const section = screen.getByTestId('alert-channels');
    await screen.findByRole('button', { name: 'Edit alert channel ops-hook' });
    expect(within(section).queryAllByRole('textbox')).toHaveLength(0);
    expect(within(section).queryAllByRole('link')).toHaveLength(0);
    expect(screen.getByRole('button', { name: 'Show alert channel pager' })).toBeTruthy();
  });

  it('marks a command channel as config-file only, and only that one', async () => {
    renderWithBridge(<SettingsPage />, fakeBridge({ alertChannels: async () => alertChannelsWithFailure() }));
    const mark = await screen.findByTestId('alert-file-only-pager');
    expect(mark.textContent).toBe('Config file only (read-only): command');
    expect(mark.getAttribute('title')).toContain('it names a program Backup Health runs');
    expect(screen.queryByTestId('alert-file-only-ops-hook')).toBeNull();
    expect(screen.queryByTestId('alert-file-only-ops-mail')).toBeNull();
  });

  it('sends a test alert, shows "Sending…" while it is under way and then what came back', async () => {
    const user = userEvent.setup();
    const answer = deferred<AlertTestResult>();
    const bridge = fakeBridge({ alertChannels: async () => alertChannelsWithFailure(), testAlertChannel: () => answer.promise });
    renderWithBridge(<SettingsPage />, bridge);
    const button = await screen.findByRole('button', { name: 'Send a test alert to ops-hook' });
    await user.click(button);
    expect(bridge.testAlertChannel).toHaveBeenCalledWith({ id: 'ops-hook' });
    expect(screen.getByTestId('alert-test-sending-ops-hook').textContent).toContain('Sending…');
    expect(button).toHaveProperty('disabled', true);

    answer.resolve(delivered);
    const result = await screen.findByTestId('alert-test-result-ops-hook');
    expect(result.textContent).toBe('Test alert delivered to hooks.example.com in 120ms (HTTP 204)');
    expect(screen.queryByTestId('alert-test-sending-ops-hook')).toBeNull();
    expect(button).toHaveProperty('disabled', false);
  });

  it('shows a test that was not delivered with the reply, and a refused test with its reason', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge({
      alertChannels: async () => alertChannelsWithFailure(),
      testAlertChannel: async ({ id }) => {
        if (id === 'ops-hook') throw new Error('a test alert went to ops-hook moments ago; send another in 8 s');
        return { channelId: id, target: 'ops@example.com', delivery: { at: Date.now(), ok: false, purpose: 'test', title: 'test alert', replyCode: 550, reply: '550 5.7.1 rejected by DMARC policy' }, durationMs: 300 };
      },
    });
    renderWithBridge(<SettingsPage />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Send a test alert to ops-mail' }));
    expect((await screen.findByTestId('alert-test-result-ops-mail')).textContent).toBe('Test alert not delivered to ops@example.com: 550 5.7.1 rejected by DMARC policy');
    await user.click(screen.getByRole('button', { name: 'Send a test alert to ops-hook' }));
    expect((await screen.findByTestId('alert-test-result-ops-hook')).textContent).toBe('Could not send: a test alert went to ops-hook moments ago; send another in 8 s');
  });

  it('says so when this process sends no alerts, and when no channel is configured', async () => {
    const { unmount } = renderWithBridge(
      <SettingsPage />,
      fakeBridge({ alertChannels: async () => alertChannelsFixture({ sending: false, reason: 'this process sends no alerts', sender: null }) }),
    );
    expect((await screen.findByTestId('alerts-not-sent')).textContent).toBe('this process sends no alerts');
    unmount();
    renderWithBridge(<SettingsPage />, fakeBridge());
    expect((await screen.findByTestId('no-alert-channels')).textContent).toContain('alerts.channels');
  });

  it('reloads the channels when deliveries were recorded', async () => {
    let answer = alertChannelsFixture();
    const bridge = fakeBridge({ alertChannels: async () => answer });
    renderWithBridge(<SettingsPage />, bridge);
    await screen.findByTestId('no-alert-channels');
    answer = alertChannelsWithFailure();
    bridge.emit({ type: 'alerts' });
    await waitFor(() => expect(screen.getByTestId('alert-channel-ops-mail')).toBeTruthy());
  });
});
