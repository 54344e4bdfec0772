// Where the config file and the history live by default. The CLI and the desktop app share them,
// so a `check` from cron and the dashboard see the same history.
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

const APP_DIR = 'backup-health';

export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_DIR, 'config.yml');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_DIR, 'config.yml');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), APP_DIR, 'config.yml');
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), APP_DIR);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_DIR);
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), APP_DIR);
}

export function historyFile(dataDir: string): string {
  return join(dataDir, 'history.sqlite');
}

/**
 * Why `dir` cannot hold the history, or null: it, or a directory above it, exists and is not a directory
 * ("/x is a file"). A missing directory is no problem (it is created); other errors are left to opening it.
 */
export function dataDirProblem(dir: string): string | null {
  for (let path = dir; ; path = dirname(path)) {
    let stat;
    try {
      stat = statSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(path) !== path) continue;
      return null;
    }
    if (stat.isDirectory()) return null;
    const what = stat.isFile() ? 'a file' : 'not a directory';
    return path === dir ? `${dir} is ${what}` : `${path} is ${what} (it would have to hold ${dir})`;
  }
}
