// A pgBackRest stanza, read through `pgbackrest info --output=json`, here or on `host` over ssh: every backup
// set is a backup. pgbackrest runs as the user running Backup Health (or the ssh login), so that user must be
// able to read the pgBackRest config and the repository (the postgres user, root, or a user in the
// repository's group). Over ssh, configPath is a path on that host.
//
// `info` reads only backup.info, so a backup whose directory was removed from the repository is still listed
// as fine. One `repo-ls` of the stanza's backup directory per repository catches that, for any repo type.
import type { PgBackRestSourceConfig } from '../../../../shared/config';
import type { ObservedBackup, PgBackRestMetrics } from '../../../../shared/model';
import type { RunResult } from '../../exec';
import { runTool, type Where } from '../../remote';
import type { Probe } from '../probe';
import { ProbeError } from '../../errors';

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

/** Observing a pgBackRest stanza; index.ts adds the drill and the rest of the kind. */
export const pgbackrestObserver: Pick<Probe<PgBackRestSourceConfig>, 'kind' | 'observe'> = {
  kind: 'pgbackrest',
  async observe(source, ctx) {
    const stanza = await readStanzaInfo(source, ctx.signal, ctx.timeoutMs);
    const present = await backupDirectories(source, stanza, ctx.signal, ctx.timeoutMs);
    return { backups: backupsOf(stanza, present), metrics: metricsOf(stanza) };
  },
};

/** `pgbackrest info` of the source's stanza, here or on its host; a ProbeError when it cannot be read. */
export async function readStanzaInfo(source: PgBackRestLocation, signal: AbortSignal, timeoutMs: number): Promise<PgBackRestStanzaInfo> {
  const result = await runTool(source, PGBACKREST, [...pgbackrestOptions(source), 'info', '--output=json'], { timeoutMs, signal });
  if (result.code !== 0 || result.spawnError) throw pgbackrestError(result, source);
  return parseStanzaInfo(result.stdout, source.stanza, source.host);
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

/**
 * Every backup, oldest first, as the app records it. The size is what this backup added to the repository
 * (info.repository.delta): what a failing backup job shrinks. The database size, the backup size before
 * compression and the backup set's repository size are kept in meta.
 * `present` maps repo key -> labels with a directory in that repository (absent when it could not be listed).
 */
export function backupsOf(stanza: PgBackRestStanzaInfo, present?: Map<number, Set<string>>): ObservedBackup[] {
  const backups = stanza.backup ?? [];
  const versions = new Map((stanza.db ?? []).map((db) => [`${db['repo-key'] ?? 1}:${db.id}`, db.version]));
  const missing = (label: string, repoKey: number) => present?.get(repoKey)?.has(label) === false;
  return backups.map((b) => {
    const repoKey = b.database?.['repo-key'] ?? 1;
    const lostReference = (b.reference ?? []).find((label) => missing(label, repoKey));
    const problem =
      b.error === true
        ? 'pgBackRest detected errors during this backup (pgbackrest info --set shows them); take a new backup'
        : missing(b.label, repoKey)
          ? `its directory is missing from repository ${repoKey}; pgbackrest cannot restore it`
          : lostReference
            ? `it depends on ${lostReference}, whose directory is missing from repository ${repoKey}; take a new full backup`
            : null;
    return {
      key: b.label,
      type: b.type,
      startedAt: b.timestamp.start * 1000,
      finishedAt: b.timestamp.stop * 1000,
      sizeBytes: b.info.repository.delta,
      readable: problem === null,
      problem,
      meta: {
        databaseSize: b.info.size,
        backupSize: b.info.delta,
        repoSize: b.info.repository.size,
        repoDelta: b.info.repository.delta,
        prior: b.prior ?? null,
        reference: b.reference ?? null,
        archiveStart: b.archive?.start ?? null,
        archiveStop: b.archive?.stop ?? null,
        repoKey,
        pgVersion: b.database ? (versions.get(`${repoKey}:${b.database.id}`) ?? null) : null,
        pgbackrestVersion: b.backrest?.version ?? null,
      },
    };
  });
}

export function metricsOf(stanza: PgBackRestStanzaInfo): PgBackRestMetrics {
  // The archive of the newest database (after an upgrade, stanza-upgrade adds one); its max is the newest WAL.
  const archive = [...(stanza.archive ?? [])].sort((a, b) => (a.database?.id ?? 0) - (b.database?.id ?? 0)).at(-1);
  return {
    kind: 'pgbackrest',
    stanzaStatus: { code: stanza.status.code, message: stanzaMessage(stanza) },
    archiveMin: archive?.min ?? null,
    archiveMax: archive?.max ?? null,
    backupCount: stanza.backup?.length ?? 0,
    backupLockHeld: stanza.status.lock?.backup?.held === true,
    // Each backup's delta is what it added (a full: all of it), so their sum is what a prune can shrink.
    repoSizeBytes: (stanza.backup ?? []).reduce((sum, b) => sum + b.info.repository.delta, 0),
  };
}

/** For code 99 ("other") the per-repo messages carry pgBackRest's real error text. */
function stanzaMessage(stanza: PgBackRestStanzaInfo): string {
  const { code, message } = stanza.status;
  if (code === 0) return message;
  const repos = (stanza.repo ?? []).filter((r) => r.status.code !== 0);
  if (code !== 99 || repos.length === 0) return message;
  return repos.map((r) => `repo${r.key}: ${r.status.message.trim()}`).join('; ');
}

/** Labels with a directory, per repository holding backups; a repository that cannot be listed is left out. */
async function backupDirectories(source: PgBackRestLocation, stanza: PgBackRestStanzaInfo, signal: AbortSignal, timeoutMs: number): Promise<Map<number, Set<string>>> {
  const repoKeys = [...new Set((stanza.backup ?? []).map((b) => b.database?.['repo-key'] ?? 1))];
  const present = new Map<number, Set<string>>();
  for (const repoKey of repoKeys) {
    const result = await runTool(source, PGBACKREST, [...pgbackrestOptions(source, repoKey), 'repo-ls', `backup/${source.stanza}`, '--output=json'], { timeoutMs, signal });
    if (result.code !== 0) continue;
    try {
      const entries = JSON.parse(result.stdout) as Record<string, { type?: string }>;
      present.set(repoKey, new Set(Object.entries(entries).filter(([, e]) => e.type === 'path').map(([name]) => name)));
    } catch {
      // not listable as JSON: judge by info alone
    }
  }
  return present;
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
  if (result.timedOut) return new ProbeError('timeout', `pgbackrest ${command}${where} did not answer within ${Math.round(result.durationMs / 1000)}s`, host);
  if (result.aborted) return new ProbeError('timeout', `pgbackrest ${command}${where} was cancelled`, host);
  // The remote shell's "command not found".
  if (host && result.code === 127) return new ProbeError('not-found', `pgbackrest is not installed on ${host}, or not on the PATH of its ssh logins (apt-get install pgbackrest there)`, host);
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
