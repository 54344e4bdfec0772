// The dashboard window: locked down, shown when ready (unless started at login), hidden — not closed — by its
// close button, really closed only when the app quits; a source opens on its hash route.
import { beforeEach, describe, expect, it } from 'vitest';
import { vi } from 'vitest';

vi.mock('electron', async () => (await import('./fake-electron')).electron);
const { FakeBrowserWindow } = await import('./fake-electron');
const { createMainWindow, openSource } = await import('../../electron/main/window');

let quitting = false;
const create = (startHidden = false) =>
  createMainWindow({ preload: '/app/out/preload/index.cjs', page: { file: '/app/out/renderer/index.html' }, startHidden, isQuitting: () => quitting }) as unknown as InstanceType<typeof FakeBrowserWindow>;

beforeEach(() => {
  quitting = false;
  FakeBrowserWindow.instances.length = 0;
});

/**
 * What each web preference of the dashboard must be, and why, in the words of Electron's security checklist
 * (https://www.electronjs.org/docs/latest/tutorial/security). These are requirements, not a copy
 * of window.ts: each says what is safe (a preference may be stricter), every one must be set explicitly (Electron's
 * defaults have changed between versions: sandbox became the default in 20, contextIsolation in 12), and a
 * preference not listed here (enableBlinkFeatures, say) fails the test until someone has reviewed it and added it
 * with its reason. window.ts keeps them as a literal at `new BrowserWindow`, where Electronegativity
 * (bundles.test.ts) reads them too.
 */
const REVIEWED: Record<string, { safe: (value: unknown) => boolean; why: string }> = {
  preload: { safe: (v) => v === '/app/out/preload/index.cjs', why: 'the bundled preload the app was given, nothing else' },
  contextIsolation: { safe: (v) => v === true, why: '"Enable context isolation": the page cannot reach the preload\'s world' },
  sandbox: { safe: (v) => v === true, why: '"Enable process sandboxing": the renderer runs in the OS sandbox' },
  nodeIntegration: { safe: (v) => v === false, why: '"Do not enable Node.js integration": no Node in the page' },
  nodeIntegrationInWorker: { safe: (v) => v === false, why: '"Do not enable Node.js integration": none in its workers' },
  nodeIntegrationInSubFrames: { safe: (v) => v === false, why: '"Do not enable Node.js integration": none in frames' },
  webSecurity: { safe: (v) => v === true, why: '"Do not disable webSecurity": the same-origin policy holds' },
  allowRunningInsecureContent: { safe: (v) => v === false, why: '"Do not enable allowRunningInsecureContent": no http content in the page' },
  experimentalFeatures: { safe: (v) => v === false, why: '"Do not enable experimental features"' },
  webviewTag: { safe: (v) => v === false, why: 'no <webview> at all, so none of the checklist\'s <webview> items can go wrong' },
  navigateOnDragDrop: { safe: (v) => v === false, why: '"Disable or limit navigation": a file dropped on the window does not navigate it' },
  disableBlinkFeatures: { safe: (v) => typeof v === 'string' && v.split(',').includes('Auxclick'), why: '"Disable or limit creation of new windows": none from a middle click' },
  spellcheck: { safe: (v) => v === false, why: 'no spell-check dictionary fetched from a download server at start' },
};

describe('the main window', () => {
  it('is isolated, sandboxed, without Node, with web security, and loads the preload bundle', () => {
    const window = create();
    const preferences = window.options.webPreferences as Record<string, unknown>;
    const unsafe = Object.entries(REVIEWED)
      .filter(([name, { safe }]) => !safe(preferences[name]))
      .map(([name, { why }]) => `${name} is ${JSON.stringify(preferences[name])}: ${why}`);
    expect(unsafe).toEqual([]);
    const unreviewed = Object.keys(preferences).filter((name) => !(name in REVIEWED));
    expect(unreviewed, 'web preferences set in window.ts that nobody reviewed here: add each to REVIEWED with why it is safe').toEqual([]);
    expect(window.loaded).toEqual({ file: '/app/out/renderer/index.html' });
  });

  it('shows when ready, unless the app was started at login', () => {
    const window = create();
    expect(window.visible).toBe(false);
    window.emit('ready-to-show');
    expect(window.visible).toBe(true);
    const atLogin = create(true);
    atLogin.emit('ready-to-show');
    expect(atLogin.visible).toBe(false);
  });

  it('closing it hides it instead of quitting; when the app quits, it closes', () => {
    const window = create();
    window.emit('ready-to-show');
    window.close();
    expect(window.visible).toBe(false);
    expect(window.destroyed).toBe(false);
    quitting = true;
    window.close();
    expect(window.destroyed).toBe(true);
  });

  it('openSource goes to #/source/<id> and brings the window up', () => {
    const window = create(true);
    window.minimized = true;
    openSource(window as never, 'orders-dumps');
    expect(window.webContents.executed).toEqual(['location.hash = "#/source/orders-dumps"']);
    expect(window.visible).toBe(true);
    expect(window.minimized).toBe(false);
  });
});
