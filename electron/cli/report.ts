// `backup-health report [--since 90d | --from DATE --to DATE] [--source ID ...] [--database NAME ...]
// [--format html|pdf|json] [--out FILE]`: the evidence an auditor asks for (issue 17), signed in JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Engine } from '../engine/engine';
import { sweepDrillLeftovers } from '../engine/drills/drill-leftovers';
import { REPORT_FORMATS, ReportRequestError, renderReport, reportEvidence, type ReportFormat } from '../engine/report/make-report';
import { reportPeriod } from '../engine/report/period';
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


export async function reportCommand(options: ReportOptions, version: string): Promise<number> {
  const now = Date.now();
  const format = formatOption(options.format);
  const paper = paperOption(options.paper);
  if (format === 'pdf' && !options.out) throw new CliError('--format pdf needs --out FILE (a PDF is not written to a terminal)', EXIT_UNKNOWN);
  const { from, to } = requestOf(() => reportPeriod(options, now, { since: '--since', from: '--from', to: '--to' }));
  const config = readConfigOrExit(options);
  const key = signingKey(options);
  const store = openHistory(options);
  try {
    await sweepDrillLeftovers(config.defaults.drillDir, config.sources.map((s) => s.id), store, now);
    const engine = new Engine({ config, store, now: () => now });
    const evidence = requestOf(() => reportEvidence({ config, store, engine, key, version, now }, { from, to, selection: { sources: options.source ?? [], databases: options.database ?? [] } }));
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

/** A refused request (period, selection) as a usage error. */
function requestOf<T>(make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (err instanceof ReportRequestError) throw new CliError(err.message, EXIT_UNKNOWN);
    throw err;
  }
}

/** The data directory the options name: where the history and the report-signing key live. */
export function dataDir(options: GlobalOptions): string {
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
