// Launch at login. macOS and Windows: Electron's login items. Linux: Electron's API does nothing there, so an
// XDG autostart entry (~/.config/autostart/backup-health.desktop) instead. Started at login, the app stays in
// the tray (--hidden) until the user opens the dashboard.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'electron';

export const HIDDEN_ARG = '--hidden';

export interface LaunchAtLogin {
  isEnabled(): boolean;
  setEnabled(enabled: boolean): void;
}

type LoginItems = Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>;

export interface LaunchAtLoginOptions {
  platform: NodeJS.Platform;
  app: LoginItems;
  /** The command that starts this app (Linux only; see launchCommand). */
  command: string[];
  /** Linux: where autostart entries go (see xdgAutostartDir). */
  autostartDir: string;
}

export function launchAtLogin(options: LaunchAtLoginOptions): LaunchAtLogin {
  if (options.platform === 'linux') {
    const file = join(options.autostartDir, 'backup-health.desktop');
    return {
      isEnabled: () => existsSync(file),
      setEnabled(enabled) {
        if (enabled) {
          mkdirSync(options.autostartDir, { recursive: true });
          writeFileSync(file, desktopEntry(options.command));
        } else {
          rmSync(file, { force: true });
        }
      },
    };
  }
  // Windows compares the registered arguments too, so ask with the same ones.
  const args = [HIDDEN_ARG];
  return {
    isEnabled: () => options.app.getLoginItemSettings({ args }).openAtLogin,
    setEnabled: (enabled) => options.app.setLoginItemSettings({ openAtLogin: enabled, args }),
  };
}

/** Whether this run was started by the login item (then the window stays hidden). */
export function startedAtLogin(argv: string[], platform: NodeJS.Platform, app: Pick<App, 'getLoginItemSettings'>): boolean {
  if (argv.includes(HIDDEN_ARG)) return true;
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true;
}

export function xdgAutostartDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'autostart');
}

/**
 * How to start this app again: the AppImage file (not its temporary mount), the installed executable, or, from
 * a checkout, Electron with the app's directory.
 */
export function launchCommand(opts: { packaged: boolean; execPath: string; appPath: string; appImage?: string }): string[] {
  if (opts.appImage) return [opts.appImage, HIDDEN_ARG];
  return opts.packaged ? [opts.execPath, HIDDEN_ARG] : [opts.execPath, opts.appPath, HIDDEN_ARG];
}

/** An XDG desktop entry running `command`, each argument quoted as the Desktop Entry spec asks. */
export function desktopEntry(command: string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Backup Health',
    'Comment=Tells you whether your PostgreSQL backups are real',
    `Exec=${command.map(quoteExecArgument).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Quote (escaping " ` $ \), then the string escape of \ and the field-code escape of %. */
export function quoteExecArgument(arg: string): string {
  if (/[\n\r]/.test(arg)) throw new Error(`cannot put a line break in an autostart command: ${JSON.stringify(arg)}`);
  const quoted = `"${arg.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}
