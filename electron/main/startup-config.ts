// The config the app starts with. A missing file is a first run (no sources yet, the dashboard says where the
// file goes). A broken file does not stop the app: it runs with no sources, and says so in a notification and
// in the tray until the file is fixed (or a source is saved from the settings page, which reports the same
// problems beside the fields).
import type { Config, ConfigProblem } from '../../shared/config';
import { validateConfig } from '../../shared/config';
import { formatProblem, loadConfig } from '../engine/config';

export interface StartupConfig {
  config: Config;
  /** Problems of a file that exists but could not be used; empty when it loaded or is missing. */
  problems: ConfigProblem[];
}

export function startupConfig(file: string): StartupConfig {
  const loaded = loadConfig(file);
  if (loaded.ok) return { config: loaded.config, problems: [] };
  const empty = validateConfig({});
  if (!empty.ok) throw new Error('the empty config does not validate');
  return { config: empty.config, problems: loaded.missing ? [] : loaded.problems };
}

const SHOWN_PROBLEMS = 3;

/** The notification for a broken config file (click: the dashboard). */
export function configProblemsNotice(file: string, problems: ConfigProblem[]): { title: string; body: string } | null {
  if (problems.length === 0) return null;
  const lines = problems.slice(0, SHOWN_PROBLEMS).map((p) => formatProblem(file, p));
  if (problems.length > SHOWN_PROBLEMS) lines.push(`… and ${problems.length - SHOWN_PROBLEMS} more (backup-health config check lists them all)`);
  return {
    title: `The config file has ${problems.length} problem${problems.length === 1 ? '' : 's'}; no sources are checked`,
    body: lines.join('\n'),
  };
}
