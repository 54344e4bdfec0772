// `backup-health report [--since 90d | --from DATE --to DATE] [--source ID ...] [--database NAME ...]
// [--format html|pdf|json] [--out FILE]`: the evidence an auditor asks for (issue 17), signed in JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DURATION_RANGES, parseDuration, writeDuration } from '../../shared/units';
import { Engine } from '../engine/engine';
import { sweepDrillLeftovers } from '../engine/drills/drill-leftovers';
import { REPORT_FORMATS, ReportRequestError, renderReport, reportEvidence, type ReportFormat } from '../engine/report/make-report';
import { verifyReport } from '../engine/report/signed-json';
import { SigningKeyError, installationKey, type SigningKey } from '../engine/report/signing-key';
import { defaultDataDir } from '../engine/paths';
import { CliError, EXIT_UNKNOWN, openHistory, readConfigOrExit, type GlobalOptions } from './context';
import { printPdf } from './report-pdf';

export interface ReportOptions extends GlobalOptions {
  since?: string;
  from?: string;
  to?: string;
  source?: string[];
  database?: string[];
  format: string;
  out?: string;
  paper?: string;
}

const DAY_MS = 86_400_000;
const DEFAULT_SINCE = '90d';

export async function reportCommand(options: ReportOptions, version: string): Promise<number> {
  const now = Date.now();
  const format = formatOption(options.format);
  const paper = paperOption(options.paper);
  if (format === 'pdf' && !options.out) throw new CliError('--format pdf needs --out FILE (a PDF is not written to a terminal)', EXIT_UNKNOWN);
  const { from, to } = periodOption(options, now);
  const config = readConfigOrExit(options);
  const key = signingKey(options);
  const store = openHistory(options);
  try {
    await sweepDrillLeftovers(config.defaults.drillDir, config.sources.map((s) => s.id), store, now);
    const engine = new Engine({ config, store, now: () => now });
    let evidence;
    try {
      evidence = reportEvidence({ config, store, engine, key, version, now }, { from, to, selection: { sources: options.source ?? [], databases: options.database ?? [] } });
    } catch (err) {
      if (err instanceof ReportRequestError) throw new CliError(err.message, EXIT_UNKNOWN);
      throw err;
    }
    const bytes = renderReport(evidence, format, key, paper ? { paper } : format === 'pdf' ? { paper: 'A4' } : {});
    if (format === 'pdf') await printPdf(bytes, resolve(options.out!));
    else if (options.out) writeFileSync(resolve(options.out), bytes);
    else process.stdout.write(bytes);
    if (options.out) process.stderr.write(`wrote ${options.out}: ${evidence.sources.reduce((n, s) => n + s.drills.length, 0)} drills of ${evidence.sources.length} sources, ${evidence.period.from} to ${evidence.period.to}; signing key ${key.fingerprint}\n`);
    return 0;
  } finally {
    store.close();
  }
}

/** `report verify FILE [--key FINGERPRINT]`: 0 when the signature holds, 1 when it does not. */
export function reportVerifyCommand(file: string, options: GlobalOptions & { key?: string }): number {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new CliError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, EXIT_UNKNOWN);
  }
  let trusted = options.key;
  if (trusted !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}$/.test(trusted)) throw new CliError(`--key: ${JSON.stringify(trusted.slice(0, 60))} is not a key fingerprint (SHA256: and 43 base64 characters, as backup-health report key prints it)`, EXIT_UNKNOWN);
  if (trusted === undefined) {
    const own = signingKeyIfAny(options);
    if (!own) {
      process.stdout.write(`NOT VERIFIED: this installation has no report-signing key (it never made a report); pass --key FINGERPRINT of the installation that signed ${file}\n`);
      return 1;
    }
    trusted = own.fingerprint;
    process.stdout.write(`Trusting only this installation's key ${trusted} (a key carried inside a report proves nothing); pass --key FINGERPRINT to check a report of another installation.\n`);
  }
  const result = verifyReport(bytes, trusted);
  if (!result.ok) {
    process.stdout.write(`NOT VERIFIED: ${file}: ${result.reason}\n`);
    return 1;
  }
  const { period, generatedAt, generator } = result.evidence;
  process.stdout.write(`VERIFIED: ${file} is signed by ${result.fingerprint} and unchanged: evidence from ${period.from} to ${period.to}, made ${generatedAt} on ${generator.host}\n`);
  return 0;
}

/** `report key`: this installation's signing key fingerprint (made if there is none yet). */
export function reportKeyCommand(options: GlobalOptions): number {
  process.stdout.write(`${signingKey(options).fingerprint}\n`);
  return 0;
}

function dataDir(options: GlobalOptions): string {
  return options.data ? resolve(options.data) : defaultDataDir();
}

function signingKey(options: GlobalOptions): SigningKey {
  return withKeyErrors(() => installationKey(dataDir(options))!);
}

function signingKeyIfAny(options: GlobalOptions): SigningKey | null {
  return withKeyErrors(() => installationKey(dataDir(options), { create: false }));
}

function withKeyErrors<T>(get: () => T): T {
  try {
    return get();
  } catch (err) {
    if (err instanceof SigningKeyError) throw new CliError(err.message, EXIT_UNKNOWN);
    throw err;
  }
}

function formatOption(text: string): ReportFormat {
  if ((REPORT_FORMATS as readonly string[]).includes(text)) return text as ReportFormat;
  throw new CliError(`--format must be html, pdf or json (found ${JSON.stringify(text.slice(0, 40))})`, EXIT_UNKNOWN);
}

function paperOption(text: string | undefined): 'A4' | 'Letter' | undefined {
  if (text === undefined) return undefined;
  const paper = { a4: 'A4', letter: 'Letter' }[text.toLowerCase()] as 'A4' | 'Letter' | undefined;
  if (!paper) throw new CliError(`--paper must be a4 or letter (found ${JSON.stringify(text.slice(0, 40))})`, EXIT_UNKNOWN);
  return paper;
}

/** The period: --since (default 90d) back from now, or --from DATE to --to DATE (a date alone: --to's whole day). */
export function periodOption(options: Pick<ReportOptions, 'since' | 'from' | 'to'>, now: number): { from: number; to: number } {
  if (options.since !== undefined && (options.from !== undefined || options.to !== undefined)) throw new CliError('use --since or --from/--to, not both', EXIT_UNKNOWN);
  if (options.to !== undefined && options.from === undefined) throw new CliError('--to needs --from DATE too', EXIT_UNKNOWN);
  if (options.from !== undefined) {
    const from = dateOption('--from', options.from, false);
    const to = options.to === undefined ? now : dateOption('--to', options.to, true);
    if (!(from < to)) throw new CliError(`--from must be before --to (found ${options.from} and ${options.to ?? 'now'})`, EXIT_UNKNOWN);
    return { from, to: Math.min(to, now) };
  }
  const text = options.since ?? DEFAULT_SINCE;
  const ms = parseDuration(text);
  const range = DURATION_RANGES.since;
  if (ms === null) throw new CliError(`--since: ${JSON.stringify(text.slice(0, 40))} is not a duration (use 30d, 13w, 1y)`, EXIT_UNKNOWN);
  if (ms < range.min || ms > range.max) throw new CliError(`--since must be between ${writeDuration(range.min)} and ${writeDuration(range.max)} (found ${text})`, EXIT_UNKNOWN);
  return { from: now - ms, to: now };
}

function dateOption(name: string, text: string, endOfDay: boolean): number {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  const dateOnly = match !== null && match[2] === undefined;
  const ms = match === null ? Number.NaN : Date.parse(dateOnly ? `${match[1]}T00:00:00Z` : `${match[1]}T${match[2]}${match[3] ?? 'Z'}`);
  if (Number.isNaN(ms)) {
    throw new CliError(`${name}: ${JSON.stringify(text.slice(0, 40))} is not a date (use 2026-09-01, or 2026-09-01T08:00Z; UTC unless it says otherwise)`, EXIT_UNKNOWN);
  }
  return dateOnly && endOfDay ? ms + DAY_MS : ms;
}
