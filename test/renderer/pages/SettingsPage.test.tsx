// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { SettingsPage } from '../../../renderer/pages/SettingsPage';
import { fakeBridge } from '../support/fake-bridge';
import { CONFIG_FILE } from '../support/fixtures';
import { renderWithBridge } from '../support/render';
import '../support/setup';

describe('SettingsPage', () => {
  it('lists the configured sources with Edit links and the config file', async () => {
    renderWithBridge(<SettingsPage />, fakeBridge());
    const item = await screen.findByTestId('settings-source-nightly-dumps');
    expect(within(item).getByRole('link', { name: 'Edit nightly-dumps' }).getAttribute('href')).toBe('#/settings/nightly-dumps');
    expect(screen.getByTestId('settings-source-db1').textContent).toContain('PostgreSQL server');
    expect(screen.getByTestId('config-file').textContent).toBe(CONFIG_FILE);
    expect(screen.getByRole('link', { name: 'Add source' }).getAttribute('href')).toBe('#/settings/new');
  });

  it('removes a source only after confirmation', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge();
    renderWithBridge(<SettingsPage />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Remove db1' }));
    expect(bridge.removeSource).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('button', { name: 'Yes, remove db1' })).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Remove db1' }));
    await user.click(screen.getByRole('button', { name: 'Yes, remove db1' }));
    expect(bridge.removeSource).toHaveBeenCalledWith({ id: 'db1' });
    await waitFor(() => expect(window.location.hash).toBe('#/settings?removed=db1'));
  });

  it('shows why a source cannot be removed', async () => {
    const user = userEvent.setup();
    const bridge = fakeBridge({
      removeSource: async () => ({ ok: false, problems: [{ path: '', message: 'removing db1 would leave the config invalid: sources[0].database: links to "db1", but no source has that id' }] }),
    });
    renderWithBridge(<SettingsPage />, bridge);
    await user.click(await screen.findByRole('button', { name: 'Remove db1' }));
    await user.click(screen.getByRole('button', { name: 'Yes, remove db1' }));
    expect((await screen.findByRole('alert')).textContent).toContain('would leave the config invalid');
  });

  it('confirms a save it was sent back from', async () => {
    renderWithBridge(<SettingsPage saved="db1" />, fakeBridge());
    expect((await screen.findByTestId('saved-notice')).textContent).toBe('Saved db1.');
  });
});
