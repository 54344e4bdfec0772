// The pgbackrest tool as every part of the kind calls it (observe, drill, WAL fetch): its general options,
// `pgbackrest info` read and parsed, and its failures as probe errors a sysadmin can act on.
import type { PgBackRestSourceConfig } from '../../../../shared/config';
import type { RunResult } from '../../exec';
import { runTool, type Where } from '../../remote';
import { ProbeError } from '../../errors';
import { repoReachProblem, type RepoReachProblem } from './repo-reach';

export const PGBACKREST = 'pgbackrest';

/** One stanza of `pgbackrest info --output=json` (release 2.45 src/command/info/info.c); only what we read. */
export interface PgBackRestStanzaInfo {
  name: string;
  status: { code: number; message: string; lock?: { backup?: { held?: boolean } } };
  db?: { id: number; 'repo-key'?: number; version: string }[];
  archive?: { id: string; min: string | null; max: string | null; database?: { id: number; 'repo-key'?: number } }[];
  repo?: { key: number; status: { code: number; message: string } }[];
  backup?: PgBackRestBackupInfo[];
}

export interface PgBackRestBackupInfo {
  label: string;
  type: 'full' | 'diff' | 'incr';
  prior?: string | null;
  reference?: string[] | null;
  timestamp: { start: number; stop: number };
  archive?: { start: string | null; stop: string | null };
  /** Start and stop WAL locations ("0/2000028"); with archive.start they tell the WAL segment size. */
  lsn?: { start: string | null; stop: string | null };
  info: { size: number; delta: number; repository: { size: number; delta: number } };
  database?: { id: number; 'repo-key'?: number };
  backrest?: { version?: string };
  error?: boolean;
}

/** What every pgbackrest call of a source needs: where it runs and its general options. */
export type PgBackRestLocation = Pick<PgBackRestSourceConfig, 'stanza' | 'configPath' | 'repo' | 'host' | 'sshOptions'>;

/** The general options every pgbackrest call of this source takes: --config, --stanza, --repo. */
export function pgbackrestOptions(source: Pick<PgBackRestSourceConfig, 'stanza' | 'configPath' | 'repo'>, repo = source.repo): string[] {
  return [...(source.configPath ? [`--config=${source.configPath}`] : []), `--stanza=${source.stanza}`, ...(repo !== undefined ? [`--repo=${repo}`] : [])];
}

/** `pgbackrest info` of the source's stanza, here or on its host; a ProbeError when it cannot be read. */
export async function readStanzaInfo(source: PgBackRestLocation, signal: AbortSignal, timeoutMs: number): Promise<PgBackRestStanzaInfo> {
  const result = await runTool(source, PGBACKREST, [...pgbackrestOptions(source), 'info', '--output=json'], { timeoutMs, signal });
  if (result.code !== 0 || result.spawnError) throw pgbackrestError(result, source);
  const stanza = parseStanzaInfo(result.stdout, source.stanza, source.host);
  // info exits 0 when no repository can be read, saying why in each one's status: a bucket it cannot reach
  // (certificate, keys, server) is a poll that could not observe, not a verdict on the stanza.
  const repos = stanza.repo ?? [];
  const unreachable = repos.map((r) => repoReachProblem(r.status.message, onHost(source.host)));
  if (stanza.status.code === 99 && repos.length > 0 && unreachable.every(Boolean)) {
    const [first] = unreachable as RepoReachProblem[];
    throw new ProbeError(first!.code, repos.length === 1 ? first!.message : unreachable.map((p, i) => `repo${repos[i]!.key}: ${p!.message}`).join('; '), source.host);
  }
  return stanza;
}

/** The stanza's object in info's array; a probe error when the output is not what pgBackRest 2.x prints. */
export function parseStanzaInfo(stdout: string, stanzaName: string, host?: string): PgBackRestStanzaInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new ProbeError('failed', `pgbackrest info${onHost(host)} did not print JSON (got ${JSON.stringify(stdout.slice(0, 80))})`, host);
  }
  const stanza = Array.isArray(parsed) ? (parsed as PgBackRestStanzaInfo[]).find((s) => s?.name === stanzaName) : undefined;
  if (!stanza || typeof stanza.status?.code !== 'number') {
    throw new ProbeError('failed', `pgbackrest info${onHost(host)} printed no stanza "${stanzaName}" (is this pgBackRest 2.x?)`, host);
  }
  return stanza;
}

/** " on root@backup1", or nothing for a local source: where a message's pgbackrest ran. */
export function onHost(host: string | undefined): string {
  return host ? ` on ${host}` : '';
}

/**
 * pgbackrest's "ERROR: [055]: unable to open missing file '…' for read" as a probe error a sysadmin can act on.
 * `command` names the pgbackrest command that failed (info, restore, …).
 */
export function pgbackrestError(result: RunResult, source: Pick<PgBackRestSourceConfig, 'configPath'> & Where, command = 'info'): ProbeError {
  const { host } = source;
  const where = onHost(host);
  if (result.spawnError) {
    return result.spawnError.code === 'ENOENT'
      ? new ProbeError('not-found', 'pgbackrest is not installed or not on PATH (apt-get install pgbackrest)')
      : new ProbeError('failed', `pgbackrest could not start: ${result.spawnError.message}`);
  }
  // pgBackRest retries a failing connection (a refused certificate, an unreachable bucket) until its io-timeout
  // (60 s by default), so a poll's shorter timeout may stop it before it says why.
  if (result.timedOut) return new ProbeError('timeout', `pgbackrest ${command}${where} did not answer within ${Math.round(result.durationMs / 1000)}s (it retries a failing connection to its repository until io-timeout: run it by hand to see why)`, host);
  if (result.aborted) return new ProbeError('timeout', `pgbackrest ${command}${where} was cancelled`, host);
  // The remote shell's "command not found".
  if (host && result.code === 127) return new ProbeError('not-found', `pgbackrest is not installed on ${host}, or not on the PATH of its ssh logins (apt-get install pgbackrest there)`, host);
  const unreachable = repoReachProblem(result.stderr, where);
  if (unreachable) return new ProbeError(unreachable.code, unreachable.message, host);
  const error = /ERROR: \[(\d+)\]: (.*)/.exec(result.stderr);
  const code = error ? Number(error[1]) : null;
  const text = error ? error[2]!.trim() : result.stderr.trim().split('\n').at(-1) || `exited with code ${result.code}`;
  // 055 FileMissingError on the config file; 031/032/037 option errors: the source's settings are wrong.
  if (code === 55 && source.configPath && text.includes(source.configPath)) return new ProbeError('config', `pgbackrest${where} cannot read its config file: ${text}; check configPath`, host);
  if (code === 31 || code === 32 || code === 37) return new ProbeError('config', `pgbackrest${where} refused the options: ${text}`, host);
  if (/permission denied/i.test(text) || code === 41) {
    const who = host ? `the ssh login ${host}` : 'the user running Backup Health';
    return new ProbeError('permission-denied', `pgbackrest${where}: ${text}; ${who} must be able to read the pgBackRest config and repository`, host);
  }
  return new ProbeError('failed', `pgbackrest ${command}${where} failed: ${text}`, host);
}
