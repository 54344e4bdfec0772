// What every CLI command needs: the config (validated, with every problem printed) and the history store.
import { resolve } from 'node:path';
import { formatProblem, loadConfig } from '../engine/config';
import { defaultConfigFile, defaultDataDir, historyFile } from '../engine/paths';
import { History } from '../engine/store/history';
import type { Config } from '../../shared/config';

export interface GlobalOptions {
  config?: string;
  data?: string;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Nagios UNKNOWN: the check itself could not run. */
export const EXIT_UNKNOWN = 3;

export function configFile(options: GlobalOptions): string {
  return options.config ? resolve(options.config) : defaultConfigFile();
}

export function readConfigOrExit(options: GlobalOptions, exitCode = EXIT_UNKNOWN): Config {
  const file = configFile(options);
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new CliError(loaded.problems.map((p) => formatProblem(file, p)).join('\n'), exitCode);
  return loaded.config;
}

export function openHistory(options: GlobalOptions): History {
  const file = historyFile(options.data ? resolve(options.data) : defaultDataDir());
  try {
    return History.open(file);
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`, EXIT_UNKNOWN);
  }
}
