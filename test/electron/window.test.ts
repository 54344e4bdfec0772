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

describe('the main window', () => {
  it('is isolated, sandboxed, without Node, with web security, and loads the preload bundle', () => {
    const window = create();
    expect(window.options.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    });
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
