// Launch at login: Electron's login items on macOS and Windows; on Linux, where that API does nothing, an XDG
// autostart entry whose Exec line survives spaces and quotes in the path.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./fake-electron')).electron);
const { electron } = await import('./fake-electron');
const { HIDDEN_ARG, desktopEntry, launchAtLogin, launchCommand, quoteExecArgument, startedAtLogin, xdgAutostartDir } = await import('../../electron/main/autostart');

const root = mkdtempSync(join(tmpdir(), 'backup-health-autostart-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('Linux: an XDG autostart entry', () => {
  it('is written when enabled and removed when disabled', () => {
    const autostartDir = join(root, 'autostart');
    const login = launchAtLogin({ platform: 'linux', app: electron.app as never, command: ['/opt/Backup Health/backup-health', HIDDEN_ARG], autostartDir });
    expect(login.isEnabled()).toBe(false);
    login.setEnabled(true);
    const file = join(autostartDir, 'backup-health.desktop');
    expect(login.isEnabled()).toBe(true);
    const entry = readFileSync(file, 'utf8');
    expect(entry).toMatch(/^\[Desktop Entry\]\nType=Application\nName=Backup Health\n/);
    expect(entry).toContain('Exec="/opt/Backup Health/backup-health" "--hidden"\n');
    login.setEnabled(false);
    expect(existsSync(file)).toBe(false);
    expect(login.isEnabled()).toBe(false);
    login.setEnabled(false); // already off: no error
  });

  it('quotes arguments as the Desktop Entry spec asks', () => {
    expect(quoteExecArgument('/usr/bin/app')).toBe('"/usr/bin/app"');
    expect(quoteExecArgument('/home/me/My "Apps"/x')).toBe('"/home/me/My \\\\"Apps\\\\"/x"');
    expect(quoteExecArgument('/a/$HOME/`b`')).toBe('"/a/\\\\$HOME/\\\\`b\\\\`"');
    expect(quoteExecArgument('C:\\x')).toBe('"C:\\\\\\\\x"');
    expect(quoteExecArgument('100%')).toBe('"100%%"');
    expect(() => quoteExecArgument('a\nb')).toThrow(/line break/);
    expect(desktopEntry(['/x'])).toContain('Exec="/x"\n');
  });

  it('lives in $XDG_CONFIG_HOME/autostart, else ~/.config/autostart', () => {
    expect(xdgAutostartDir({ XDG_CONFIG_HOME: '/cfg' }, '/home/me')).toBe('/cfg/autostart');
    expect(xdgAutostartDir({}, '/home/me')).toBe('/home/me/.config/autostart');
  });

  it('starts the AppImage file, the installed binary, or Electron with the checkout', () => {
    expect(launchCommand({ packaged: true, execPath: '/tmp/.mount_x/backup-health', appPath: '/tmp/.mount_x/resources/app.asar', appImage: '/home/me/Apps/Backup-Health.AppImage' })).toEqual(['/home/me/Apps/Backup-Health.AppImage', HIDDEN_ARG]);
    expect(launchCommand({ packaged: true, execPath: '/opt/Backup Health/backup-health', appPath: '/opt/Backup Health/resources/app.asar' })).toEqual(['/opt/Backup Health/backup-health', HIDDEN_ARG]);
    expect(launchCommand({ packaged: false, execPath: '/src/node_modules/electron/dist/electron', appPath: '/src' })).toEqual(['/src/node_modules/electron/dist/electron', '/src', HIDDEN_ARG]);
  });
});

describe('macOS and Windows: login items', () => {
  it.each(['darwin', 'win32'] as const)('%s: set and read with the same arguments', (platform) => {
    const login = launchAtLogin({ platform, app: electron.app as never, command: [], autostartDir: join(root, 'unused') });
    login.setEnabled(true);
    expect(login.isEnabled()).toBe(true);
    expect(electron.app.getLoginItemSettings({ args: [HIDDEN_ARG] }).openAtLogin).toBe(true);
    login.setEnabled(false);
    expect(login.isEnabled()).toBe(false);
    expect(existsSync(join(root, 'unused'))).toBe(false);
  });
});

describe('startedAtLogin', () => {
  it('--hidden, or macOS saying it opened the app at login', () => {
    const app = { getLoginItemSettings: () => ({ wasOpenedAtLogin: true }) } as never;
    const notAtLogin = { getLoginItemSettings: () => ({ wasOpenedAtLogin: false }) } as never;
    expect(startedAtLogin(['/x/backup-health', HIDDEN_ARG], 'linux', notAtLogin)).toBe(true);
    expect(startedAtLogin(['/x/backup-health'], 'linux', app)).toBe(false);
    expect(startedAtLogin(['/x/Backup Health'], 'darwin', app)).toBe(true);
    expect(startedAtLogin(['/x/Backup Health'], 'darwin', notAtLogin)).toBe(false);
  });
});
