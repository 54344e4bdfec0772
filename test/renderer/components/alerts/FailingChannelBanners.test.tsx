// @vitest-environment jsdom
import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { OverviewPage } from '../../../../renderer/pages/OverviewPage';
import { fakeBridge } from '../../support/fake-bridge';
import { alertChannelsFixture, alertChannelsWithFailure } from '../../support/fixtures';
import { renderWithBridge } from '../../support/render';
import '../../support/setup';

describe('Overview: failing alert channels', () => {
  it('shows a critical banner per failing channel, above the sources, linking to that channel in Settings', async () => {
    renderWithBridge(<OverviewPage />, fakeBridge({ alertChannels: async () => alertChannelsWithFailure() }));
    const banner = await screen.findByTestId('failing-channel-ops-mail');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.className).toContain('notice-error');
    expect(banner.textContent).toContain('Alert channel ops-mail is failing.');
    expect(banner.textContent).toContain('e-mail alerts to ops@example.com are failing: 550 5.7.1 rejected by DMARC policy; 3 alerts undelivered since 02:10');
    expect(banner.querySelector('a')?.getAttribute('href')).toBe('#/settings?channel=ops-mail');
    // Only the failing one.
    expect(screen.queryByTestId('failing-channel-ops-hook')).toBeNull();
    const table = await screen.findByTestId('source-table');
    expect(banner.compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('appears when a channel starts failing and goes when it delivers again, from pushed events', async () => {
    let answer = alertChannelsFixture();
    const bridge = fakeBridge({ alertChannels: async () => answer });
    renderWithBridge(<OverviewPage />, bridge);
    await screen.findByTestId('source-table');
    await waitFor(() => expect(bridge.alertChannels).toHaveBeenCalled());
    expect(screen.queryByTestId('failing-channels')).toBeNull();

    answer = alertChannelsWithFailure();
    bridge.emit({ type: 'alerts' });
    await screen.findByTestId('failing-channel-ops-mail');

    answer = alertChannelsFixture();
    bridge.emit({ type: 'poll', summary: (await bridge.overview()).sources[0]! });
    await waitFor(() => expect(screen.queryByTestId('failing-channels')).toBeNull());
  });
});
