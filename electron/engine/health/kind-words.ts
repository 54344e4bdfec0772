// What the rules say about each kind of source, in that kind's own words: where it is, what one backup is
// called and how it is named, and what a sysadmin should check when the newest backup is stale, small, empty
// or missing. A stale restic repository is told about its restic backup job, a borg repository about its
// borg create timer, a pgBackRest stanza about its pgbackrest cron; only a dump-dir hears about a dump job.
// BACKUP_WORDS is a record over the kinds that hold backups: a new kind does not build until it says these.
import type { BorgSourceConfig, DumpDirSourceConfig, PgBackRestSourceConfig, ResticSourceConfig, SourceConfig } from '../../../shared/config';
import type { EvaluationInput } from './types';

/** Every kind but postgres holds backups; the backup rules (age, size, readability, drills) judge them alike. */
export type BackupSourceConfig = Exclude<SourceConfig, { kind: 'postgres' }>;
export type BackupKind = BackupSourceConfig['kind'];

export interface BackupWords<S extends BackupSourceConfig> {
  /** One backup, as the tool calls it: "backup", "snapshot", "archive". */
  noun: string;
  /** How a backup is named in a message: a file name, a short snapshot id, an archive name, a backup label. */
  name(key: string): string;
  /** What to check when the newest backup is older than maxAge. */
  stale(source: S): string;
  /** What to check when the newest backup is smaller than minSize or than the backups before it. */
  small(source: S): string;
  /** Why the newest backup is empty (0 bytes), and what to check. */
  empty(source: S): string;
  /** Why the newest backup cannot be read, when the probe did not say. */
  unreadable: string;
  /** "no file matching … in …": what is missing when a poll finds no backup at all. */
  none(source: S): string;
  /** What to check when there is no backup at all; null when `none` says it already. */
  noneHint(source: S): string | null;
  /** Where the source lives, safe to print (never a password in a URL). */
  location(source: S): string;
}

type WordsByKind = { [K in BackupKind]: BackupWords<Extract<BackupSourceConfig, { kind: K }>> };

export const BACKUP_WORDS: WordsByKind = {
  'dump-dir': {
    noun: 'backup',
    name: fileName,
    stale: () => 'check that the dump job still runs',
    small: () => "check the dump job's log",
    empty: () => 'the dump job failed or is still running',
    unreadable: 'it is not a pg_dump archive',
    none: (source: DumpDirSourceConfig) => `no file matching "${source.pattern}" in ${source.path}`,
    noneHint: () => null,
    location: (source) => source.path,
  },
  restic: {
    noun: 'snapshot',
    // restic's own short id: what `restic snapshots` prints and every restic command takes.
    name: (key) => key.slice(0, 8),
    stale: () => 'check that the restic backup job still runs (its systemd timer or cron) and can reach the repository',
    small: () => "check the restic backup job's log, and that the paths it backs up still hold what they should",
    empty: () => 'the restic backup job saved no data: check the paths it backs up',
    unreadable: 'restic cannot read it; run restic check',
    none: (source: ResticSourceConfig) => `no snapshots${resticFilters(source)} in restic repository ${resticRepo(source)}`,
    noneHint: () => 'check that the restic backup job runs (its systemd timer or cron) and backs up to this repository',
    location: (source) => resticRepo(source),
  },
  borg: {
    noun: 'archive',
    name: (key) => key,
    stale: () => 'check that the borg create timer or cron job still runs and can reach the repository',
    small: () => "check the borg create job's log, and that the paths it backs up still hold what they should",
    empty: () => 'borg create saved no files: check the paths it backs up',
    unreadable: 'borg cannot describe it; run borg check',
    none: (source: BorgSourceConfig) => `no archives${source.pattern ? ` matching "${source.pattern}"` : ''} in borg repository ${borgRepo(source)}`,
    noneHint: () => 'check that the borg create timer or cron job runs and writes to this repository',
    location: (source) => `borg repository ${source.repo}`,
  },
  pgbackrest: {
    noun: 'backup',
    name: (key) => key,
    stale: (source: PgBackRestSourceConfig) => `check that the pgbackrest backup cron for stanza ${source.stanza} still runs`,
    small: (source: PgBackRestSourceConfig) => `check the pgbackrest backup log for stanza ${source.stanza}`,
    empty: (source: PgBackRestSourceConfig) => `pgbackrest added nothing to the repository: check the pgbackrest backup log for stanza ${source.stanza}`,
    unreadable: 'pgbackrest info flags it as unusable',
    none: (source: PgBackRestSourceConfig) => `no backups in pgBackRest stanza ${source.stanza}`,
    noneHint: (source: PgBackRestSourceConfig) => `check that the pgbackrest backup cron for stanza ${source.stanza} runs (pgbackrest --stanza=${source.stanza} --type=full backup makes the first)`,
    location: (source: PgBackRestSourceConfig) => `pgBackRest stanza ${source.stanza}`,
  },
};

/** The words of this source's kind (the record is indexed by kind; TypeScript cannot follow the pairing). */
export function backupWords(source: BackupSourceConfig): BackupWords<BackupSourceConfig> {
  return BACKUP_WORDS[source.kind] as BackupWords<BackupSourceConfig>;
}

/** Where a source lives, safe to print: host and port, socket directory, or path; never the URL. */
export function sourceLocation(source: SourceConfig): string {
  if (source.kind !== 'postgres') return (backupWords(source).location as (s: BackupSourceConfig) => string)(source);
  try {
    const url = new URL(source.url);
    if (url.hostname) return url.port ? `${url.hostname}:${url.port}` : url.hostname;
    const socketDir = url.searchParams.get('host');
    return socketDir ? `the socket in ${socketDir}` : 'the local PostgreSQL socket';
  } catch {
    return source.id;
  }
}

export function sourceName(input: Pick<EvaluationInput, 'source'>): string {
  return input.source.name ?? input.source.id;
}

export function fileName(key: string): string {
  return key.replace(/\/+$/, '').split('/').pop() || key;
}

/** A restic repository URL may carry a password (rest:https://user:pw@host/): never printed. */
function resticRepo(source: ResticSourceConfig): string {
  return source.repo.replace(/(\/\/[^/:@]*):[^/@]*@/, '$1:***@');
}

function borgRepo(source: BorgSourceConfig): string {
  return source.host ? `${source.repo} on ${source.host}` : source.repo;
}

function resticFilters(source: ResticSourceConfig): string {
  const filters = [
    source.snapshotHost ? `snapshotHost ${source.snapshotHost}` : '',
    source.snapshotPath ? `snapshotPath ${source.snapshotPath}` : '',
    source.snapshotTag ? `snapshotTag ${source.snapshotTag}` : '',
  ].filter(Boolean);
  return filters.length ? ` matching ${filters.join(', ')}` : '';
}
