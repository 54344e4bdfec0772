// @vitest-environment jsdom
import { act, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../../renderer/App';
import { fakeBridge } from './support/fake-bridge';
import { renderWithBridge } from './support/render';
import './support/setup';

function go(hash: string) {
  act(() => {
    window.location.hash = hash;
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  });
}

describe('App', () => {
  it('shows the page the URL fragment names, and follows it', async () => {
    const bridge = fakeBridge();
    renderWithBridge(<App />, bridge);
    await screen.findByTestId('source-table');
    expect(document.title).toBe('Overview — Backup Health');

    go('#/source/nightly-dumps');
    await screen.findByTestId('source-page');
    expect(bridge.source).toHaveBeenCalledWith({ id: 'nightly-dumps', range: '30d' });
    expect(document.title).toBe('nightly-dumps — Backup Health');
    go('#/source/nightly-dumps?range=1y');
    await vi.waitFor(() => expect(bridge.source).toHaveBeenLastCalledWith({ id: 'nightly-dumps', range: '1y' }));
    expect(screen.getByRole('button', { name: '1 year' }).getAttribute('aria-pressed')).toBe('true');

    go('#/databases');
    await screen.findByTestId('database-table');
    expect(document.title).toBe('Databases — Backup Health');
    expect(screen.getByRole('link', { name: 'Databases' }).getAttribute('aria-current')).toBe('page');
    go('#/database/shop-db%2Forders?range=7d');
    await screen.findByTestId('database-page');
    expect(bridge.database).toHaveBeenLastCalledWith({ key: 'shop-db/orders', range: '7d' });
    expect(document.title).toBe('shop-db/orders — Backup Health');
    expect(screen.getByRole('link', { name: 'Databases' }).getAttribute('aria-current')).toBe('page');

    go('#/settings');
    await screen.findByTestId('settings-source-db1');
    expect(screen.getByRole('link', { name: 'Settings' }).getAttribute('aria-current')).toBe('page');

    go('#/settings/new');
    expect(await screen.findByRole('heading', { name: 'Add a source' })).toBeTruthy();

    go('#/settings/db1');
    expect((await screen.findByLabelText('Connection URL')) as HTMLInputElement).toHaveProperty('value', 'postgres://monitor@db1:5432/postgres');

    go('#/nowhere');
    expect(screen.getByRole('heading', { name: 'Nothing at /nowhere' })).toBeTruthy();
  });

  it('stops listening to the engine when a page goes away', async () => {
    const bridge = fakeBridge();
    const { unmount } = renderWithBridge(<App />, bridge);
    await screen.findByTestId('source-table');
    expect(bridge.listenerCount()).toBeGreaterThan(0);
    unmount();
    expect(bridge.listenerCount()).toBe(0);
  });
});
