// What every CLI command needs: the config (validated, with every problem printed) and the history store.
import { resolve } from 'node:path';
import { formatProblem, loadConfig } from '../engine/config';
import { dataDirProblem, defaultConfigFile, defaultDataDir, historyFile } from '../engine/paths';
import { DeliveryTable } from '../engine/store/deliveries';
import { AlertLease } from '../engine/store/alert-lease';
import { History } from '../engine/store/history';
import type { Config } from '../../shared/config';
import { EXIT } from './exit-codes';

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

/** Nagios UNKNOWN: the command could not give its answer (see exit-codes.ts). */
export const EXIT_UNKNOWN = EXIT.unknown;

export function configFile(options: GlobalOptions): string {
  return options.config ? resolve(options.config) : defaultConfigFile();
}

export function readConfigOrExit(options: GlobalOptions): Config {
  const file = configFile(options);
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new CliError(loaded.problems.map((p) => formatProblem(file, p)).join('\n'), EXIT_UNKNOWN);
  return loaded.config;
}

export function openHistory(options: GlobalOptions): History {
  const dir = options.data ? resolve(options.data) : defaultDataDir();
  const problem = dataDirProblem(dir);
  if (problem) {
    throw new CliError(
      options.data ? `--data must be a directory, ${problem}` : `the history must go in a directory, ${problem}; move it aside or pass --data DIR`,
      EXIT_UNKNOWN,
    );
  }
  const file = historyFile(dir);
  try {
    return History.open(file);
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`, EXIT_UNKNOWN);
  }
}

/** The alert delivery log, in the history file openHistory opened (call it after openHistory). */
export function openDeliveries(options: GlobalOptions): DeliveryTable {
  return openInHistory(options, (file) => DeliveryTable.open(file));
}

/** The one-sender lease, in the history file openHistory opened: only what sends alerts (serve) takes it. */
export function openSenderLease(options: GlobalOptions): AlertLease {
  return openInHistory(options, (file) => AlertLease.open(file));
}

function openInHistory<T>(options: GlobalOptions, open: (file: string) => T): T {
  const file = historyFile(options.data ? resolve(options.data) : defaultDataDir());
  try {
    return open(file);
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`, EXIT_UNKNOWN);
  }
}

/** The signals that stop a command cleanly, and what each means to whoever sent it (said in an interrupted drill's record). */
export const STOP_SIGNALS = {
  SIGHUP: 'its terminal or ssh session closed',
  SIGINT: 'Ctrl-C',
  SIGTERM: 'asked to stop by kill or a service manager',
} as const;
