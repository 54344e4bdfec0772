// The whole main process booted on the fake Electron, with a real engine, history and config file in a temp
// home: a broken config keeps the app running with no sources and says so; a second start shows the window;
// closing hides it; the dashboard's calls work and fixing the source from the settings page clears the
// problem; Quit stops everything.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { channelOf } from '../../electron/preload/channels';
import { writePlainDump } from '../support/plain-dump';

vi.mock('electron', async () => (await import('./fake-electron')).electron);
const { electron, FakeBrowserWindow, FakeNotification, FakeTray, ipcHandlers } = await import('./fake-electron');

const home = mkdtempSync(join(tmpdir(), 'backup-health-main-'));
const saved = { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME, XDG_DATA_HOME: process.env.XDG_DATA_HOME, resourcesPath: process.resourcesPath };
const configFile = join(home, 'config', 'backup-health', 'config.yml');
const dumps = join(home, 'dumps');

/** Waits for a condition, up to 30 s by the clock: a loaded CI machine boots the app and polls slower, not wrongly. */
async function until<T>(what: string, check: () => T | undefined | null | false): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  process.env.XDG_CONFIG_HOME = join(home, 'config');
  process.env.XDG_DATA_HOME = join(home, 'data');
  // As packaged: better-sqlite3 loads its own addon (here Node's), the tray icons come from resources/tray.
  electron.app.isPackaged = true;
  (process as { resourcesPath?: string }).resourcesPath = join(process.cwd(), 'build');
  electron.app.setPath('appData', join(home, 'appData'));
  mkdirSync(dumps);
  writePlainDump(dumps, 'a.sql', 3_600_000);
  mkdirSync(join(home, 'config', 'backup-health'), { recursive: true });
  writeFileSync(configFile, `# ours\nsources:\n  - { id: orders-dumps, kind: dump-dir, path: ${dumps}, settle: 0s, maxAge: soon }\n`);
  await import('../../electron/main/index');
  await until('the tray', () => FakeTray.instances[0]);
});

afterAll(() => {
  process.env.XDG_CONFIG_HOME = saved.XDG_CONFIG_HOME;
  process.env.XDG_DATA_HOME = saved.XDG_DATA_HOME;
  (process as { resourcesPath?: string }).resourcesPath = saved.resourcesPath;
  rmSync(home, { recursive: true, force: true });
});

const window = () => FakeBrowserWindow.instances[0]!;
const invoke = (method: string, args?: unknown) =>
  ipcHandlers.get(channelOf(method as never))!({ sender: window().webContents, senderFrame: window().webContents.mainFrame }, args);

describe('the main process', () => {
  it('starts sandboxed, single-instance, with its profile apart from the config directory', () => {
    expect(electron.app.enableSandbox).toHaveBeenCalled();
    expect(electron.app.requestSingleInstanceLock).toHaveBeenCalled();
    expect(electron.app.getPath('userData')).toBe(join(home, 'appData', 'Backup Health'));
    expect(electron.dialog.showErrorBox).not.toHaveBeenCalled();
  });

  it('a broken config: keeps running with no sources, and says so in a notification and the tray', async () => {
    const notice = FakeNotification.instances.find((n) => n.options.title.startsWith('The config file'));
    expect(notice?.options.title).toBe('The config file has 1 problem; no sources are checked');
    expect(notice?.options.body).toMatch(new RegExp(`^${configFile}: sources\\[0\\]\\.maxAge: "soon" is not a duration`));
    const tray = FakeTray.instances[0]!;
    expect(tray.tooltip).toBe('Backup Health: the config file has 1 problem');
    expect(tray.image.path).toBe(join(process.cwd(), 'build', 'tray', 'unknown.png'));
    expect((await invoke('overview')).value.sources).toEqual([]);
  });

  it('shows the window when ready; closing hides it; a second start brings it back', () => {
    window().emit('ready-to-show');
    expect(window().visible).toBe(true);
    window().close();
    expect(window().visible).toBe(false);
    expect(window().destroyed).toBe(false);
    electron.app.emit('second-instance');
    expect(window().visible).toBe(true);
  });

  it('fixing the source in the settings page loads it, polls it, and the tray follows', async () => {
    const saved = await invoke('saveSource', { source: { id: 'orders-dumps', kind: 'dump-dir', path: dumps, settle: '0s', maxAge: '26h' }, originalId: 'orders-dumps' });
    expect(saved).toEqual({ ok: true, value: { ok: true, problems: [] } });
    expect(readFileSync(configFile, 'utf8')).toContain('# ours');
    const polled = await invoke('pollNow', {});
    expect(polled.value.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([['orders-dumps', 'ok']]);
    const tray = FakeTray.instances[0]!;
    await until('the tray to follow', () => tray.tooltip === 'Backup Health: 1 ok');
    expect(tray.image.path).toBe(join(process.cwd(), 'build', 'tray', 'ok.png'));
    expect(tray.menu!.items[0]!.label).toBe('● orders-dumps — ok — newest backup 1h ago');
  });

  it('the tray opens a source on its page', () => {
    window().hide();
    FakeTray.instances[0]!.menu!.items[0]!.click!({ checked: false });
    expect(window().webContents.executed.at(-1)).toBe('location.hash = "#/source/orders-dumps"');
    expect(window().visible).toBe(true);
  });

  it('Export evidence: the report is signed with the key kept in the data directory beside the history, naming this version', async () => {
    const answer = await invoke('exportEvidence', { format: 'json', sources: ['orders-dumps'] });
    expect(answer.ok).toBe(true);
    const dataDir = join(home, 'data', 'backup-health');
    expect(readdirSync(dataDir)).toEqual(expect.arrayContaining(['history.sqlite', 'report-signing-key.pem']));
    expect(answer.value.content).toContain(answer.value.signingKey);
    expect(answer.value.content).toContain('0.1.0-test');
    expect(ipcHandlers.has(channelOf('saveEvidence' as never))).toBe(true);
  });

  it('Quit from the tray quits: the window really closes, the engine and the store stop', async () => {
    const quit = FakeTray.instances[0]!.menu!.items.find((i) => i.label === 'Quit Backup Health')!;
    quit.click!({ checked: false });
    expect(electron.app.quit).toHaveBeenCalled();
    // What Electron does next:
    electron.app.emit('before-quit');
    window().close();
    expect(window().destroyed).toBe(true);
    // Quitting waits for drills under way to clean up, then closes the history and exits.
    const willQuit = { preventDefault: vi.fn() };
    electron.app.emit('will-quit', willQuit);
    expect(willQuit.preventDefault).toHaveBeenCalled();
    expect(FakeTray.instances[0]!.destroyed).toBe(true);
    expect(ipcHandlers.size).toBe(0);
    await vi.waitFor(() => expect(electron.app.exit).toHaveBeenCalledWith(0));
  });
});
