// The health rules: pure functions from what the engine observed to findings a sysadmin can act on.
// Each rule ignores sources of a kind it does not judge, so evaluate() decides only which ones run.
// Ages are measured at the latest poll, not at `now`: the backups and metrics are what that poll saw,
// and a gap while the app was not running is "not observed", never a backup failure.
import type { DumpDirSourceConfig, PostgresSourceConfig, SourceConfig } from '../../../shared/config';
import { majorOfVersion, majorOfVersionNum } from '../postgres/version';
import { urlDatabase } from '../postgres/url';
import { redact } from '../errors';
import type { Drill, Finding, ObservedBackup, PostgresMetrics, ProbeErrorCode } from '../../../shared/model';
import { formatBytes, formatDuration } from '../../../shared/units';
import { byNewest, newestFirst } from '../../../shared/newest-backup';
import type { EvaluationInput } from './types';

export type Rule = (input: EvaluationInput) => Finding[];

/** A backup smaller than this share of the recent median is treated as a failed dump. */
export const SIZE_DROP_RATIO = 0.5;
/** How many earlier backups the median is taken over, and how many it needs to mean anything. */
const SIZE_MEDIAN_WINDOW = 7;
const SIZE_MEDIAN_MIN = 3;

// ---------------------------------------------------------------- probe error

const PROBE_ERROR_HINTS: Partial<Record<ProbeErrorCode, string>> = {
  refused: 'check that PostgreSQL is running and listening there',
  timeout: 'check the network and firewall, or raise timeout',
  'not-found': 'check that it still exists',
  'permission-denied': 'give the user backup-health runs as read access',
  dns: 'check the host name',
  config: 'fix the source in the config file',
};

/**
 * What to check after a refusal, for this source's kind. ~/.pgpass is PostgreSQL's alone: a restic or borg
 * repository's password, or an ssh login, is named with its fix in the probe's own message.
 */
function probeErrorHint(code: ProbeErrorCode, source: SourceConfig): string | undefined {
  if (code !== 'auth-failed') return PROBE_ERROR_HINTS[code];
  return source.kind === 'postgres' ? 'check the user and passwordEnv, passwordFile or ~/.pgpass' : undefined;
}

/** The latest poll failed (or there is none): stale data is not judged, so evaluate() reports only this. */
export const probeError: Rule = (input) => {
  const { latest, source, defaults } = input;
  if (latest === null) {
    return [{ rule: 'probe-error', status: 'unknown', message: `${sourceName(input)} has not been polled yet`, observed: null, limit: null }];
  }
  if (!latest.ok) {
    const failures = Math.max(1, input.consecutiveFailures);
    const critical = failures >= defaults.failuresBeforeCritical;
    const where = latest.error?.host ? redact(latest.error.host) : sourceLocation(source);
    const reason = latest.error ? redact(latest.error.message) : 'the probe failed without saying why';
    const hint = latest.error ? probeErrorHint(latest.error.code, source) : undefined;
    return [
      {
        rule: 'probe-error',
        status: critical ? 'critical' : 'unknown',
        message: `could not observe ${where}${critical ? ` for the last ${failures} polls` : ''}: ${reason}${hint ? `; ${hint}` : ''}`,
        observed: failures,
        limit: defaults.failuresBeforeCritical,
      },
    ];
  }
  if (source.kind === 'postgres' && latest.metrics?.kind !== 'postgres') {
    // A poll that "succeeded" without metrics would otherwise read as ok: unknown is never ok.
    return [{ rule: 'probe-error', status: 'unknown', message: `the latest poll of ${sourceLocation(source)} returned no server metrics`, observed: null, limit: null }];
  }
  return [];
};

// ---------------------------------------------------------------- dump-dir rules

/** Without an explicit drill.maxAge, a scheduled drill is overdue a day after its next run was due. */
const DRILL_GRACE_MS = 24 * 3_600_000;

/**
 * Restore drills are evidence about the backups themselves, not about the latest poll, so this rule is judged
 * even when the source could not be polled: a failed restore stays critical until a drill passes.
 */
export const restoreDrill: Rule = (input) => {
  const source = backupSource(input);
  if (!source?.drill || !input.drills) return [];
  const { last, lastPassing } = input.drills;
  const findings: Finding[] = [];
  if (last && last.outcome !== 'pass') {
    const ago = formatDuration(input.now - last.finishedAt);
    findings.push({
      rule: 'restore-drill',
      status: last.outcome === 'fail' ? 'critical' : 'warning',
      message:
        last.outcome === 'fail'
          ? `the last restore drill (${fileName(last.backupKey)}, ${ago} ago) failed: ${redact(last.message)}`
          : `the last restore drill (${ago} ago) could not run: ${redact(last.message)}`,
      observed: last.outcome,
      limit: 'pass',
    });
  }
  // A drill that passed with doubts (every table empty, a renamed database, tables the live one has): look.
  const doubts = last?.outcome === 'pass' ? (last.warnings ?? []) : [];
  if (doubts.length > 0) {
    const more = doubts.length > 1 ? ` (and ${doubts.length - 1} more warning${doubts.length > 2 ? 's' : ''})` : '';
    findings.push({
      rule: 'restore-drill',
      status: 'warning',
      message: `the last restore drill (${fileName(last!.backupKey)}, ${formatDuration(input.now - last!.finishedAt)} ago) passed with a warning: ${redact(doubts[0]!)}${more}`,
      observed: doubts.length,
      limit: 0,
    });
  }
  const maxAge = source.drill.maxAge ?? (source.drill.every !== undefined ? source.drill.every + DRILL_GRACE_MS : undefined);
  if (maxAge !== undefined) {
    const age = lastPassing ? input.now - lastPassing.finishedAt : null;
    if (age === null || age > maxAge) {
      findings.push({
        rule: 'restore-drill',
        status: 'warning',
        message:
          age === null
            ? `no restore drill has passed yet (drill.maxAge ${formatDuration(maxAge)}): run backup-health drill --source ${source.id}`
            : `the last passing restore drill was ${formatDuration(age)} ago, over the ${formatDuration(maxAge)} drill.maxAge: ${lastDrillHint(last)}`,
        observed: age,
        limit: maxAge,
      });
    }
  }
  return findings;
};

function lastDrillHint(last: Drill | null): string {
  return last && last.outcome !== 'pass' ? 'drills since then did not pass' : 'check that scheduled drills run';
}


export const noBackups: Rule = (input) => {
  const source = backupSource(input);
  if (!source || input.backups.length > 0) return [];
  const lastSeen = input.history[0];
  const before = lastSeen
    ? ` (the newest one seen before, ${fileName(lastSeen.key)}, finished ${formatDuration(ageAt(input, lastSeen.finishedAt))} ago)`
    : '';
  const settling = source.kind === 'dump-dir' && input.latest?.metrics?.kind === 'dump-dir' ? input.latest.metrics.inProgress : 0;
  if (source.kind === 'dump-dir' && settling > 0) {
    // The files are there, only too fresh to judge (a copy, a dump under way): unknown, never ok, not critical.
    return [
      {
        rule: 'no-backups',
        status: 'unknown',
        message: `no settled backup yet: ${stillBeingWritten(source, settling)}; judged at the first poll after ${settling === 1 ? 'it has' : 'they have'} been unchanged for ${formatDuration(source.settle)} (settle)${lastSeen ? `; the newest backup seen before, ${fileName(lastSeen.key)}, finished ${formatDuration(ageAt(input, lastSeen.finishedAt))} ago` : ''}`,
        observed: 0,
        limit: 1,
      },
    ];
  }
  return [
    {
      rule: 'no-backups',
      status: 'critical',
      message: `${source.kind === 'dump-dir' ? `no file matching "${source.pattern}" in ${source.path}` : `no backups in ${sourceLocation(source)}`}${before}`,
      observed: 0,
      limit: 1,
    },
  ];
};

/** "9 files matching "*.dump" in /backups changed in the last 1m and are still being written" (dump-dir settle). */
export function stillBeingWritten(source: Pick<DumpDirSourceConfig, 'path' | 'pattern' | 'settle' | 'host'>, count: number): string {
  const where = source.host ? `${source.path} on ${source.host}` : source.path;
  const files = count === 1 ? '1 file' : `${count.toLocaleString('en-US')} files`;
  return `${files} matching "${source.pattern}" in ${where} changed in the last ${formatDuration(source.settle)} and ${count === 1 ? 'is' : 'are'} still being written`;
}

export const backupAge: Rule = (input) => {
  const source = backupSource(input);
  if (!source) return [];
  const newest = newestBackup(input);
  const newestReadable = newestReadableBackup(input);
  if (!newest || !newestReadable) return []; // no-backups or backup-unreadable says so
  const maxAge = source.maxAge ?? input.defaults.maxAge;
  const age = ageAt(input, newestReadable.finishedAt);
  if (age <= maxAge) return [];
  const which = newestReadable === newest ? 'newest backup' : 'newest readable backup';
  return [
    {
      rule: 'backup-age',
      status: 'critical',
      message: `${which} ${fileName(newestReadable.key)} finished ${formatDuration(age)} ago, over the ${formatDuration(maxAge)} maxAge: check that the dump job still runs`,
      observed: age,
      limit: maxAge,
    },
  ];
};

export const backupSize: Rule = (input) => {
  const source = backupSource(input);
  const newest = newestBackup(input);
  // An empty file is backup-unreadable's finding; saying it twice adds nothing.
  if (!source || !newest || newest.sizeBytes === 0) return [];
  const name = fileName(newest.key);
  const size = formatBytes(newest.sizeBytes);
  const median = previousMedianSize(input.history, newest);
  const belowMedian = median !== null && newest.sizeBytes < median.value * SIZE_DROP_RATIO;
  const medianText = median ? `the ${formatBytes(median.value)} median of the previous ${median.count} backups` : '';
  if (source.minSize !== undefined && newest.sizeBytes < source.minSize) {
    return [
      {
        rule: 'backup-size',
        status: 'critical',
        message: `newest backup ${name} is ${size}, below the ${formatBytes(source.minSize)} minSize${belowMedian ? ` and less than half ${medianText}` : ''}: check the dump job's log`,
        observed: newest.sizeBytes,
        limit: source.minSize,
      },
    ];
  }
  if (median && belowMedian) {
    return [
      {
        rule: 'backup-size',
        status: 'critical',
        message: `newest backup ${name} is ${size}, less than half ${medianText}: check the dump job's log`,
        observed: newest.sizeBytes,
        limit: Math.ceil(median.value * SIZE_DROP_RATIO),
      },
    ];
  }
  return [];
};

export const backupUnreadable: Rule = (input) => {
  if (!backupSource(input)) return [];
  const newest = newestBackup(input);
  if (!newest || isReadable(newest)) return [];
  const name = fileName(newest.key);
  // A FIFO or a symlink out of the directory is never opened (probes/contained-file.ts words it so), so its
  // size is 0 without it being empty: say what it is instead.
  const neverOpened = /(, not a dump file|; not read)$/.test(newest.problem ?? '');
  const message = neverOpened
    ? `newest backup ${name} cannot be read: ${redact(newest.problem!)}`
    : newest.sizeBytes === 0
      ? `newest backup ${name} is empty (0 bytes): the dump job failed or is still running`
      : `newest backup ${name} (${formatBytes(newest.sizeBytes)}) cannot be read: ${newest.problem ? redact(newest.problem) : 'it is not a pg_dump archive'}`;
  return [{ rule: 'backup-unreadable', status: 'critical', message, observed: newest.sizeBytes, limit: null }];
};

export const dumpVersion: Rule = (input) => {
  if (!backupSource(input)) return [];
  const newest = newestReadableBackup(input);
  const header = newest?.meta?.header;
  if (!newest || !header) return [];
  const name = fileName(newest.key);
  const dumpedServer = parseMajor(header.serverVersion);
  const pgDump = parseMajor(header.pgDumpVersion);
  const findings: Finding[] = [];
  if (dumpedServer && pgDump && pgDump.rank < dumpedServer.rank) {
    findings.push({
      rule: 'dump-version',
      status: 'critical',
      message: `${name} was made by pg_dump ${pgDump.label}, older than the PostgreSQL ${dumpedServer.label} server it dumped: run pg_dump ${dumpedServer.label} or newer (install postgresql-client-${dumpedServer.label})`,
      observed: pgDump.label,
      limit: dumpedServer.label,
    });
  }
  const linked = input.linkedPostgres;
  const running = linked?.metrics ? serverMajor(linked.metrics) : null;
  if (linked && dumpedServer && running && dumpedServer.rank !== running.rank) {
    findings.push({
      rule: 'dump-version',
      status: 'warning',
      message: `dumps come from PostgreSQL ${dumpedServer.label} (${name}) but ${linked.id} runs ${running.label}: the job may dump an old or wrong server`,
      observed: dumpedServer.label,
      limit: running.label,
    });
  }
  return findings;
};

// ---------------------------------------------------------------- postgres rules

export const walArchiving: Rule = (input) => {
  const pg = postgres(input);
  const archiver = pg?.metrics.archiver;
  if (!pg || !archiver) return [];
  const { source, metrics } = pg;
  // A standby archives only with archive_mode = always; otherwise the primary does it.
  if (metrics.inRecovery && archiver.archiveMode !== 'always') return [];
  if (archiver.archiveMode === 'off') {
    if (source.maxArchiveAge === undefined) return [];
    return [
      {
        rule: 'wal-archiving',
        status: 'warning',
        message: `WAL archiving is off (archive_mode = off) but maxArchiveAge is set: turn archiving on or remove maxArchiveAge`,
        observed: 'off',
        limit: source.maxArchiveAge,
      },
    ];
  }
  const { lastArchivedAt, lastFailedAt } = archiver;
  const failedSinceSuccess =
    (lastFailedAt !== null && (lastArchivedAt === null || lastFailedAt > lastArchivedAt)) ||
    (archiver.failedCount > 0 && lastArchivedAt === null);
  if (failedSinceSuccess) {
    const wal = archiver.lastFailedWal ?? 'a WAL segment';
    const when = lastFailedAt !== null ? ` ${formatDuration(ageAt(input, lastFailedAt))} ago (${formatTime(lastFailedAt)})` : '';
    const since = lastArchivedAt === null ? 'no WAL has ever been archived' : `nothing has been archived since ${archiver.lastArchivedWal ?? 'then'}`;
    return [
      {
        rule: 'wal-archiving',
        status: 'critical',
        message: `archiving ${wal} failed${when} and ${since}: check archive_command and the server log`,
        observed: archiver.lastFailedWal,
        limit: archiver.lastArchivedWal,
      },
    ];
  }
  const maxArchiveAge = source.maxArchiveAge ?? input.defaults.maxArchiveAge;
  if (lastArchivedAt === null) {
    return [
      {
        rule: 'wal-archiving',
        status: 'warning',
        message: `archive_mode is ${archiver.archiveMode} but no WAL has been archived yet: check archive_command, or run SELECT pg_switch_wal() to test it`,
        observed: null,
        limit: maxArchiveAge,
      },
    ];
  }
  const age = ageAt(input, lastArchivedAt);
  if (age <= maxArchiveAge) return [];
  return [
    {
      rule: 'wal-archiving',
      status: 'warning',
      message: `the last WAL archived, ${archiver.lastArchivedWal ?? 'unnamed'}, is ${formatDuration(age)} old, over the ${formatDuration(maxArchiveAge)} maxArchiveAge: check archive_command, or set archive_timeout if the server is idle`,
      observed: age,
      limit: maxArchiveAge,
    },
  ];
};

export const replication: Rule = (input) => {
  const pg = postgres(input);
  if (!pg) return [];
  const { source, metrics } = pg;
  const maxLag = source.maxReplicationLag ?? input.defaults.maxReplicationLag;
  const findings: Finding[] = [];
  const connected = new Set(metrics.standbys.map((s) => s.applicationName));
  for (const name of source.standbys ?? []) {
    if (connected.has(name)) continue;
    findings.push({
      rule: 'replication',
      status: 'critical',
      message: `standby ${name} is not connected to ${sourceName(input)}: check that it is running and its primary_conninfo`,
      observed: 'not connected',
      limit: null,
    });
  }
  for (const standby of metrics.standbys) {
    if (standby.replayLagMs === null || standby.replayLagMs <= maxLag) continue;
    const address = standby.clientAddr ? ` (${standby.clientAddr})` : '';
    const state = standby.state && standby.state !== 'streaming' ? `, state ${standby.state}` : '';
    findings.push({
      rule: 'replication',
      status: 'warning',
      message: `standby ${standby.applicationName}${address} is ${formatDuration(standby.replayLagMs)} behind on replay${state}, over the ${formatDuration(maxLag)} maxReplicationLag`,
      observed: standby.replayLagMs,
      limit: maxLag,
    });
  }
  if (metrics.inRecovery && metrics.replayDelayMs !== null && metrics.replayDelayMs > maxLag) {
    findings.push({
      rule: 'replication',
      status: 'warning',
      message: `this standby last replayed a transaction ${formatDuration(metrics.replayDelayMs)} ago, over the ${formatDuration(maxLag)} maxReplicationLag: check its connection to the primary (an idle primary also causes this)`,
      observed: metrics.replayDelayMs,
      limit: maxLag,
    });
  }
  return findings;
};

// Template databases hold nothing to restore; nobody dumps them.
const NEVER_COVERED = ['template0', 'template1'];

export const coverage: Rule = (input) => {
  const pg = postgres(input);
  if (!pg) return [];
  const { source, metrics } = pg;
  const ignored = new Set([...(source.coverageIgnore ?? ['postgres']), ...NEVER_COVERED]);
  const dumpDirs = input.coveringDumpDirs ?? [];
  const covered = new Set<string>();
  const urlDb = urlDatabase(source.url);
  for (const dir of dumpDirs) {
    // Dumps that name no database (plain SQL without a header) are taken to hold the one we connect to.
    if (dir.dbnames.length === 0 && urlDb !== null) covered.add(urlDb);
    for (const name of dir.dbnames) covered.add(name);
  }
  const missing = metrics.databases.filter((db) => !ignored.has(db.name) && !covered.has(db.name));
  if (missing.length === 0) return [];
  const list = missing.map((db) => (db.sizeBytes === null ? db.name : `${db.name} (${formatBytes(db.sizeBytes)})`)).join(', ');
  const subject = missing.length === 1 ? `database ${list}` : `databases ${list}`;
  const verb = missing.length === 1 ? 'has' : 'have';
  const them = missing.length === 1 ? 'it' : 'them';
  const message =
    dumpDirs.length === 0
      ? `${subject} on ${source.id} ${verb} no dump-dir linked: add a dump-dir source with database: ${source.id}`
      : `${subject} on ${source.id} ${verb} no dump in ${dumpDirs.map((d) => d.id).join(', ')}: dump ${them} too, or add ${them} to coverageIgnore`;
  return [{ rule: 'coverage', status: 'warning', message, observed: missing.map((db) => db.name).join(', '), limit: null }];
};

// ---------------------------------------------------------------- helpers

/** Every kind but postgres holds backups; the backup rules (age, size, readability, drills) judge them alike. */
export type BackupSourceConfig = Exclude<SourceConfig, { kind: 'postgres' }>;

function backupSource(input: EvaluationInput): BackupSourceConfig | null {
  return input.source.kind === 'postgres' ? null : input.source;
}

function postgres(input: EvaluationInput): { source: PostgresSourceConfig; metrics: PostgresMetrics } | null {
  const { source, latest } = input;
  if (source.kind !== 'postgres' || !latest?.ok || latest.metrics?.kind !== 'postgres') return null;
  return { source, metrics: latest.metrics };
}

/** Milliseconds between `at` and the poll that saw it (never negative: clocks drift). */
function ageAt(input: EvaluationInput, at: number): number {
  return Math.max(0, (input.latest?.at ?? input.now) - at);
}

/** Zero bytes is unreadable whatever the probe says. */
export function isReadable(backup: ObservedBackup): boolean {
  return backup.readable && backup.sizeBytes > 0;
}

function newestBackup(input: EvaluationInput): ObservedBackup | undefined {
  return byNewest(input.backups)[0];
}

function newestReadableBackup(input: EvaluationInput): ObservedBackup | undefined {
  return byNewest(input.backups).find(isReadable);
}

/**
 * Median size of the readable backups before `newest`. When the newest names its database, only
 * dumps of the same database count: one directory often holds a big and a small database's dumps.
 */
/** The median size of the (up to 7) readable backups of the same database before `newest`; null below 3. */
export function previousMedianSize(history: readonly ObservedBackup[], newest: ObservedBackup): { value: number; count: number } | null {
  const dbName = newest.meta?.header?.dbName;
  const previous = byNewest(history)
    .filter((b) => newestFirst(newest, b) < 0 && b.key !== newest.key && isReadable(b))
    .filter((b) => dbName === undefined || b.meta?.header?.dbName === dbName)
    .slice(0, SIZE_MEDIAN_WINDOW);
  if (previous.length < SIZE_MEDIAN_MIN) return null;
  const sizes = previous.map((b) => b.sizeBytes).sort((a, b) => a - b);
  const mid = Math.floor(sizes.length / 2);
  const value = sizes.length % 2 === 1 ? sizes[mid]! : (sizes[mid - 1]! + sizes[mid]!) / 2;
  return { value, count: previous.length };
}

export interface MajorVersion {
  /** For ordering: 9.6 < 10 < 15. */
  rank: number;
  /** As PostgreSQL names it: "9.6", "15". */
  label: string;
}

/** "15.18 (Debian 15.18-0+deb12u1)" -> 15, "9.6.24" -> 9.6 (before 10 a major is two numbers), "17beta1" -> 17. */
export function parseMajor(version: string | null | undefined): MajorVersion | null {
  const major = majorOfVersion(version);
  return major === undefined ? null : { rank: major, label: String(major) };
}

function serverMajor(metrics: PostgresMetrics): MajorVersion | null {
  const num = metrics.serverVersionNum;
  if (Number.isInteger(num) && num >= 10_000) return parseMajor(String(majorOfVersionNum(num)));
  return parseMajor(metrics.serverVersion) ?? parseMajor(String(metrics.serverMajor));
}

/** Where a source lives, safe to print: host and port, socket directory, or path; never the URL. */
function sourceLocation(source: EvaluationInput['source']): string {
  if (source.kind === 'dump-dir') return source.path;
  if (source.kind === 'pgbackrest') return `pgBackRest stanza ${source.stanza}`;
  if (source.kind === 'borg') return `borg repository ${source.repo}`;
  if (source.kind === 'restic') return source.repo.replace(/(\/\/[^/:@]*):[^/@]*@/, '$1:***@');
  try {
    const url = new URL(source.url);
    if (url.hostname) return url.port ? `${url.hostname}:${url.port}` : url.hostname;
    const socketDir = url.searchParams.get('host');
    return socketDir ? `the socket in ${socketDir}` : 'the local PostgreSQL socket';
  } catch {
    return source.id;
  }
}

function sourceName(input: EvaluationInput): string {
  return input.source.name ?? input.source.id;
}

function fileName(key: string): string {
  return key.replace(/\/+$/, '').split('/').pop() || key;
}

/** "2024-05-02 03:04 UTC": unambiguous whatever the desktop's time zone. */
function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
