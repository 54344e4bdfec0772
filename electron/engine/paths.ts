// Where the config file and the history live by default. The CLI and the desktop app share them,
// so a `check` from cron and the dashboard see the same history.
import { homedir } from 'node:os';
import { join } from 'node:path';

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
