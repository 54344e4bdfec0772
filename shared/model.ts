// The domain model shared by the engine, the CLI and (later) the renderer.
// Times are epoch milliseconds; sizes are bytes; durations are milliseconds.
import type { SourceKind as Kind } from './source-kinds';

export type Status = 'ok' | 'warning' | 'critical' | 'unknown';

/** Severity for "worst wins": unknown ranks above warning (we could not tell) but below critical (we know it is broken). */
export const STATUS_SEVERITY: Record<Status, number> = { ok: 0, warning: 1, unknown: 2, critical: 3 };

/** Nagios plugin exit codes. */
export const NAGIOS_EXIT: Record<Status, number> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

export function worstStatus(statuses: Iterable<Status>, empty: Status = 'ok'): Status {
  let worst: Status | null = null;
  for (const s of statuses) if (worst === null || STATUS_SEVERITY[s] > STATUS_SEVERITY[worst]) worst = s;
  return worst ?? empty;
}

/** The kinds are declared once, in source-kinds.ts. */
export type SourceKind = Kind;

export type RuleId =
  | 'backup-age'
  | 'backup-size'
  | 'backup-unreadable'
  | 'dump-version'
  | 'probe-error'
  | 'wal-archiving'
  | 'replication'
  | 'coverage'
  | 'no-backups'
  | 'restore-drill'
  /** A drill's measured recovery point further behind its start than maxRecoveryPoint (health/drill-rules.ts). */
  | 'recovery-point'
  | 'stanza-status'
  /** Barman's own verdict on a server: a failing `barman check` item, a FAILED newest backup, a backup WAITING_FOR_WALS too long (sources/barman/rules.ts). */
  | 'barman-status'
  /** A WAL segment missing or cut short between the oldest base backup's start and the newest archived segment (health/wal-rules.ts). */
  | 'wal-continuity'
  /** A database no routine holds (electron/engine/databases/). */
  | 'database-coverage'
  /** A database whose recovery objectives (rpo, rto within drillAge) no drill proves (electron/engine/databases/). */
  | 'database-objectives'
  /** An alert channel that stopped delivering (not a source's: electron/engine/alerts/channel-failure.ts). */
  | 'alert-delivery';

export interface Finding {
  rule: RuleId;
  status: Status;
  /** One sentence a sysadmin can act on. */
  message: string;
  observed?: number | string | null;
  limit?: number | string | null;
}

export interface SourceHealth {
  status: Status;
  findings: Finding[];
}

/** 'base': one pg_basebackup run (a basebackup source). */
export type BackupType = 'full' | 'diff' | 'incr' | 'dump' | 'snapshot' | 'base';

export type DumpFormat = 'custom' | 'directory' | 'tar' | 'plain' | 'plain-gzip' | 'unknown';

/** What a pg_dump header says; every field optional because headers may be cut short. */
export interface DumpHeader {
  format: DumpFormat;
  /** Archive format version, e.g. "1.14" (custom, directory, tar). */
  archiveVersion?: string;
  /** Creation time as written in the archive header (epoch ms). */
  createdAt?: number;
  dbName?: string;
  /** e.g. "15.18 (Debian 15.18-0+deb12u1)" */
  serverVersion?: string;
  pgDumpVersion?: string;
  compression?: string;
}

export interface DumpMeta {
  header?: DumpHeader;
  /**
   * restic and borg, for a source linked to a postgres source: the databases named by the pg_dump output this
   * snapshot or archive holds (read from each dump's header), once read.
   */
  databases?: string[];
}

/** A backup as a probe sees it on one poll. */
export interface ObservedBackup {
  /** Stable identity within the source: file path, label, snapshot id. */
  key: string;
  type: BackupType;
  startedAt?: number | null;
  finishedAt: number;
  sizeBytes: number;
  /** false when the backup exists but cannot be read as what it claims to be (zero bytes, garbage, cut header). */
  readable: boolean;
  /** Why it is unreadable, in words. */
  problem?: string | null;
  meta?: DumpMeta & Record<string, unknown>;
}

/** A backup as stored in history: recorded once, when first seen. */
export interface BackupRecord extends ObservedBackup {
  sourceId: string;
  firstSeenAt: number;
  /** When a successful poll first no longer listed it (deleted since); absent while it is there. */
  goneAt?: number;
}

export type ProbeErrorCode =
  | 'refused'
  | 'timeout'
  | 'auth-failed'
  | 'not-found'
  | 'permission-denied'
  | 'dns'
  | 'config'
  /** A certificate or TLS handshake problem (object storage: a private CA not given, an http/https mix-up). */
  | 'tls'
  /** No credentials found where the source takes them from (object storage: the AWS SDK's chain). */
  | 'no-credentials'
  | 'failed';

export interface ProbeErrorValue {
  code: ProbeErrorCode;
  message: string;
  host?: string;
}

export interface DatabaseSize {
  name: string;
  /** null when the monitoring role may not size it (no CONNECT, no pg_read_all_stats): still listed, for coverage. */
  sizeBytes: number | null;
}

export interface ArchiverState {
  archiveMode: string;
  archivedCount: number;
  lastArchivedWal: string | null;
  lastArchivedAt: number | null;
  failedCount: number;
  lastFailedWal: string | null;
  lastFailedAt: number | null;
}

export interface StandbyState {
  applicationName: string;
  clientAddr: string | null;
  state: string | null;
  syncState: string | null;
  writeLagMs: number | null;
  flushLagMs: number | null;
  replayLagMs: number | null;
}

export interface PostgresMetrics {
  kind: 'postgres';
  serverVersion: string;
  /** server_version_num, e.g. 150018 */
  serverVersionNum: number;
  serverMajor: number;
  inRecovery: boolean;
  databases: DatabaseSize[];
  archiver: ArchiverState | null;
  standbys: StandbyState[];
  /** On a standby: now() - pg_last_xact_replay_timestamp(), 0 when caught up; null on a primary. */
  replayDelayMs: number | null;
}

export interface DumpDirMetrics {
  kind: 'dump-dir';
  fileCount: number;
  totalBytes: number;
  /** Entries changed within the source's `settle` time: still being written, not judged yet. */
  inProgress: number;
}

export interface ResticMetrics {
  kind: 'restic';
  /** Snapshots matching the source's filters. */
  snapshotCount: number;
  /** What the whole repository stores (`restic stats --mode raw-data` total_size: deduplicated, compressed); null when a damaged snapshot stops restic counting. */
  repoSizeBytes: number | null;
  /** What restoring the newest snapshot would write; null when there is none. */
  restoreSizeBytes: number | null;
  /** Snapshots whose restore size is not measured yet (first polls of a big repository): left out until it is. */
  sizesPending: number;
}

export interface BorgMetrics {
  kind: 'borg';
  /** Archives matching the source's pattern. */
  archiveCount: number;
  /** borg's encryption mode: none, repokey, keyfile, repokey-blake2, authenticated, … */
  encryption: string;
  /** What the whole repository stores, deduplicated and compressed (borg info's unique_csize); null when not known. */
  repoSizeBytes: number | null;
}

// ---- WAL archives ----------------------------------------------------------------------------------------

/**
 * A WAL archive's continuity, as electron/engine/wal/continuity.ts finds it: from the start segment of the
 * oldest retained base backup to the newest archived segment, following timeline switches. Kept in the
 * metrics of every kind that keeps WAL (basebackup, pgbackrest). Segment names are 24 hex digits; times are
 * the archive files' modification times (when they were archived).
 */
export interface WalArchiveSummary {
  /** wal_segment_size the names were read with. */
  segmentSize: number;
  /** The timeline followed: the one given, or the timeline of the most recently archived full segment. */
  timeline: number;
  /** The timelines recovery passes through to reach it, oldest first. */
  chain: number[];
  /** Where the check started: the oldest base backup's start segment (null when no base backup was given). */
  startSegment: string | null;
  /** The newest full segment of the followed chain, and when it was archived. */
  newestSegment: string | null;
  newestArchivedAt: number | null;
  /** The newest WAL exists only as a .partial file (recovery never reads one): its name and time, else null. */
  newestPartial: { name: string; archivedAt: number } | null;
  /** Segments from the start to the newest that recovery needs, and how many of them are in the archive. */
  segmentsExpected: number;
  segmentsPresent: number;
  /** Segments missing in all gaps together, how many gaps, and the first few of them in detail (oldest first). */
  missingSegments: number;
  gapCount: number;
  gaps: WalGap[];
  /** Per timeline of the chain: from the start segment to that timeline's newest archived segment (the times a recovery to it can reach, gaps aside). */
  windows: WalRecoverableWindow[];
  /** Uncompressed segments whose size is not the segment size (recovery stops at them); the first few, and how many. */
  truncated: { name: string; sizeBytes: number }[];
  truncatedCount: number;
  /** The followed timeline, when above 1 and its .history file is not in the archive or could not be read (recovery to it cannot find its way). */
  missingHistories: number[];
  /** Timelines with segments in the archive that the followed chain does not pass through (abandoned branches). */
  otherTimelines: number[];
}

/** Where point-in-time recovery stops: after `after` (null when the first needed segment is missing), `missing` segments are not there. */
export interface WalGap {
  after: string | null;
  afterArchivedAt: number | null;
  missing: number;
  firstMissing: string;
}

export interface WalRecoverableWindow {
  timeline: number;
  fromSegment: string;
  /** When the first segment was archived (null when it is missing). */
  fromArchivedAt: number | null;
  toSegment: string;
  toArchivedAt: number | null;
}

export interface PgBackRestMetrics {
  kind: 'pgbackrest';
  /** pgBackRest's own verdict on the stanza: 0 ok, 1 missing stanza path, 2 no valid backups, 3 missing stanza data, ... 99 other. */
  stanzaStatus: { code: number; message: string };
  /** The oldest and newest WAL segment in the archive (of the current database), null when none. */
  archiveMin: string | null;
  archiveMax: string | null;
  backupCount: number;
  /** A backup is running right now (pgBackRest holds the stanza's backup lock). */
  backupLockHeld: boolean;
  /**
   * What the repository holds for the listed backups: the sum of each backup's repository delta (the WAL
   * archive is not counted). Absent from polls recorded before Backup Health measured it.
   */
  repoSizeBytes?: number;
  /** The archive's continuity from the oldest backup's start (repo-ls of the stanza's archive); absent before Backup Health listed it, null when it could not. */
  walArchive?: WalArchiveSummary | null;
  /** Why the archive could not be listed, when walArchive is null. */
  walArchiveError?: string;
}

/**
 * What a kind that keeps its own WAL archive (basebackup: the walArchive directory; barman: its xlog.db) reports of
 * it each poll: the recoverable window and its gaps come from here.
 */
export interface WalArchiveFacts {
  /** What the archive's files take up (as stored, compressed or not), and how many there are. */
  archiveBytes: number;
  archiveFiles: number;
  /** The newest archived full segment and when it was archived; null when none. */
  newestSegment: string | null;
  newestSegmentAt: number | null;
  /** wal_segment_size, as the backups or the archive showed it; null when nothing did. */
  walSegmentSize: number | null;
  /** The archive's continuity from the oldest base backup's start; null when it could not be judged (walArchiveError says why). */
  walArchive: WalArchiveSummary | null;
  walArchiveError?: string;
  /** .history files that could not be read or parsed, each in a sentence (the timeline chain is then guessed). */
  walHistoryProblems?: string[];
}

export interface BaseBackupMetrics extends WalArchiveFacts {
  kind: 'basebackup';
  /** Directories in `path` that are pg_basebackup runs (those without backup_label included), not counting runs under way. */
  backupCount: number;
  /** Runs still being written (no backup_manifest nor .backup file yet, started within a day): not judged until they end. */
  inProgress?: number;
  /** What the base backups take up: their directories (a plain backup's tablespaces mapped elsewhere are not counted). */
  backupBytes: number;
}

/** One `barman check` item that failed, as Barman said it (its key, e.g. receive_wal_running, and its hint). */
export interface BarmanCheckFailure {
  name: string;
  hint: string;
}

/** A Barman backup that is not DONE (so not a backup the rules judge), as list-backups and show-backup say. */
export interface BarmanBackupState {
  id: string;
  status: string;
  /** When its copy ended (WAITING_FOR_WALS), epoch ms; null when Barman does not say (FAILED, STARTED). */
  endedAt: number | null;
  /** Barman's error for a FAILED backup. */
  error: string | null;
}

/** Barman's WAL archive facts (WalArchiveFacts) come from xlog.db; its wal_segment_size from show-server or backup.info. */
export interface BarmanMetrics extends WalArchiveFacts {
  kind: 'barman';
  /** DONE backups: the ones restorable, judged by the backup rules. */
  backupCount: number;
  /** Every backup Barman lists, by status (EMPTY, STARTED, WAITING_FOR_WALS, DONE, SYNCING, FAILED). */
  statusCounts: Record<string, number>;
  /** The newest backup Barman lists, whatever its status (its id orders them). */
  newestBackup: BarmanBackupState | null;
  /** Backups whose copy is done but whose WAL has not all arrived. */
  waitingForWals: BarmanBackupState[];
  /** FAILED backups, newest first (the first few). */
  failedBackups: BarmanBackupState[];
  /** Backups under way (STARTED, SYNCING, EMPTY): not judged until they end. */
  inProgress: number;
  /** What the DONE backups take up (each base backup without its WAL). */
  backupBytes: number;
  /** The segment PostgreSQL is writing, as barman status says (current_xlog); null when Barman could not ask. */
  serverCurrentWal?: string | null;
  /** WAL arrives only through pg_receivewal (streaming_archiver on, archiver off). */
  streamingOnly: boolean;
  /** Failing `barman check` items, in Barman's order; null when check could not run (checkError says why). */
  checkFailures: BarmanCheckFailure[] | null;
  checkError?: string;
}

export type SourceMetrics = PostgresMetrics | DumpDirMetrics | ResticMetrics | BorgMetrics | PgBackRestMetrics | BaseBackupMetrics | BarmanMetrics;

/** Every kind has its metrics: a kind missing here does not build (its module's describe and storedBytes take them). */
const metricsCoverKinds: [SourceMetrics['kind']] extends [SourceKind] ? ([SourceKind] extends [SourceMetrics['kind']] ? true : false) : false = true;
void metricsCoverKinds;

/** One poll of one source: what the engine stores. */
export interface Poll {
  sourceId: string;
  at: number;
  durationMs: number;
  ok: boolean;
  error: ProbeErrorValue | null;
  metrics: SourceMetrics | null;
  /** finishedAt of the newest backup present at this poll, for the backup-age series. */
  newestBackupAt: number | null;
  newestBackupSize: number | null;
  /** The one size the storage chart follows, as the kind's module measures it from metrics; null when not measured. */
  storedBytes: number | null;
  status: Status;
}

export interface StatusEvent {
  id?: number;
  at: number;
  sourceId: string;
  from: Status | null;
  to: Status;
  findings: Finding[];
}

export interface SourceSummary {
  id: string;
  name: string;
  kind: SourceKind;
  /** The ssh host the source is read on (`user@backup1`); absent for this machine and for postgres servers. */
  host?: string;
  /** The bucket and prefix a dump-dir in object storage reads (`s3://backups/orders/`; never holds a credential). */
  bucketUrl?: string;
  status: Status;
  findings: Finding[];
  lastPollAt: number | null;
  newestBackup: Pick<BackupRecord, 'key' | 'finishedAt' | 'sizeBytes' | 'readable'> | null;
  /** The last successful restore drill: when it finished, how long the restore took, which backup. */
  /** `sandboxed`: whether that drill ran in an OS sandbox (null: recorded before drills said). */
  /** `warnings`: what that drill found doubtful (absent or empty: nothing). */
  /** `recovery`: the recovery point that drill reached, when it replayed WAL (basebackup, pgBackRest); absent for dump drills. */
  lastRestore: { at: number; restoreMs: number | null; backupKey: string; sandboxed?: boolean | null; warnings?: string[]; recovery?: RecoveryReached } | null;
}

/** What a drill that replayed WAL reached, as the overview, the source page and `check` say it (DrillRecovery, reduced). */
export interface RecoveryReached {
  mode: DrillRecovery['mode'];
  recoveredTo: number | null;
  recoveryPointMs: number | null;
  /** The linked server had written nothing newer: the drill reached the end of an idle archive. */
  idle: boolean;
}

/** A point of a reduced time series. */
export interface SeriesPoint {
  at: number;
  value: number;
}

// ---- Restore drills -------------------------------------------------------------------------------

/** pass: the backup restored and verified; fail: the backup is bad; error: the drill itself could not run. */
export type DrillOutcome = 'pass' | 'fail' | 'error';

/** `copy`: bringing a backup kept on another host (ssh) to this machine first. */
export type DrillPhase = 'prepare' | 'copy' | 'restore' | 'replay' | 'verify' | 'cleanup';

export interface DrillCheckResult {
  name: string;
  sql: string;
  passed: boolean;
  /** What came back ("true", "false", "3 rows") or PostgreSQL's error. */
  detail: string;
}

export interface RestoredTable {
  schema: string;
  name: string;
  /** Exact count(*) in the restored database; null when the table is missing. */
  rows: number | null;
  /** From compareTo: the live database's row count (an estimate from pg_stat_user_tables). */
  liveRows?: number | null;
}

export interface Drill {
  id?: number;
  sourceId: string;
  backupKey: string;
  startedAt: number;
  finishedAt: number;
  outcome: DrillOutcome;
  /** Milliseconds spent in each phase. */
  phases: Partial<Record<DrillPhase, number>>;
  /** Time from the start of the restore to a verified database: the RTO a user would see. */
  restoreMs: number | null;
  tables: number;
  rows: number;
  restoredBytes: number | null;
  checks: DrillCheckResult[];
  /** One sentence a sysadmin can act on. */
  message: string;
  /** The PostgreSQL the backup was restored into, e.g. "15.18". */
  restoredWith?: string | null;
  tableDetails?: RestoredTable[];
  /** How the drill kept the backup from harming this machine, and what it left out for that (drill-jail.ts). */
  safety?: DrillSafety;
  /** The database the backup restored into, as the dump named it (null: a plain dump that does not say). */
  database?: string | null;
  /**
   * What a passing drill found doubtful without failing it (every table empty, a renamed database, tables or
   * rows the live database has and the backup lacks): each one sentence saying what to look at.
   */
  warnings?: string[];
  /** What a drill that replayed WAL reached (basebackup, pgBackRest; Barman later): absent for dump drills. */
  recovery?: DrillRecovery;
  /** Where and with what the drill ran, and the backup's checksum (issue 17's audit evidence); absent in older history. */
  provenance?: DrillProvenance;
}

/** The machine, tools and scratch server a drill ran with, and the SHA-256 of what it restored. */
export interface DrillProvenance {
  /** os.hostname() of the machine the drill ran on. */
  host: string;
  /**
   * Versions of the tools the drill ran, by name, each as the tool itself says it (the first line of its
   * `--version`, or `restic version` / `pgbackrest version`, without the build or author: "restic 0.14.0",
   * "borg 1.2.4", "pgBackRest 2.45", "3.4.0 Barman", "tar (GNU tar) 1.34"); PostgreSQL's own tools (pg_restore,
   * psql, pg_verifybackup) as their server version, "15.18 (Debian 15.18-0+deb12u1)". A tool that ran on the
   * source's host over ssh is keyed `name@host` (the host without its login: "restic@db1.example"), asked there
   * the same way; a tool run on both sides (tar) has both keys. A tool whose version could not be read is absent.
   */
  tools: Record<string, string>;
  /** The scratch PostgreSQL server the backup was restored into, e.g. "15.18 (Debian 15.18-0+deb12u1)". */
  scratchServer: string | null;
  /** Absent in older history, and where it could not be computed: checksumMissing says why. */
  checksum?: BackupChecksum;
  /** Why a drill has no checksum ("a tar run on db1 goes from ssh straight into tar"); absent when it has one. */
  checksumMissing?: string;
}

/**
 * SHA-256 of the backup a drill restored, read alongside the restore. `file`: the file's bytes (`sha256sum FILE`).
 * `directory-manifest`: a directory-format dump, or a tar-format base backup's run (base.tar*, pg_wal.tar*,
 * <oid>.tar*, backup_manifest); the SHA-256 of the `sha256sum` lines ("<hex>  <name>\n") of its files sorted by
 * name in byte order, i.e. `(cd DIR && LC_ALL=C ls | xargs sha256sum) | sha256sum`.
 * `backup-manifest`: a physical backup restored from a tree (a plain base backup's or Barman's backup_manifest,
 * a pgBackRest set's backup.manifest as `pgbackrest repo-get` gives it): the manifest lists every file of the
 * backup with its own checksum, which pg_verifybackup and pgbackrest restore check each restored file against,
 * so its SHA-256 names those exact files.
 */
export interface BackupChecksum {
  algorithm: 'sha256';
  hex: string;
  of: 'file' | 'directory-manifest' | 'backup-manifest';
  /** Bytes hashed (all files of a directory dump or run; the manifest's own bytes). */
  bytes: number;
  /** The file hashed, as the backup names it ("backup_manifest", "backup.manifest"); absent for dumps. */
  file?: string;
}

/**
 * How far a physical drill replayed, and the recovery point that proves. `recoveredTo` is the later of the last
 * replayed commit's time and the archive time of the newest segment replayed (everything committed before that
 * segment was closed is in it or earlier); `recoveryPointMs` = the drill's start − recoveredTo, or 0 when a linked
 * postgres source showed the server's WAL position, at the drill's start, inside the last replayed segment
 * (an idle database: nothing newer was written).
 */
export interface DrillRecovery {
  /** end-of-archive: replayed every archived segment; backup-end: only to the backup's consistency point. */
  mode: 'end-of-archive' | 'backup-end';
  recoveredTo: number | null;
  /** pg_last_xact_replay_timestamp() after recovery: the last commit (or abort) replayed. */
  lastCommitAt: number | null;
  /** pg_last_wal_replay_lsn() after recovery, e.g. "0/3000148", and the segment holding it. */
  lastReplayedLsn: string | null;
  lastReplayedSegment: string | null;
  /** When the newest segment replayed was archived (its file's time in the archive). */
  lastSegmentArchivedAt: number | null;
  recoveryPointMs: number | null;
  /** The linked server had written nothing past the last replayed segment at the drill's start. */
  idle?: boolean;
  /** Bytes of WAL the restore stayed behind the linked server's position at the drill's start. */
  behindServerBytes?: number | null;
  /** WAL segments fetched and replayed, and how long replay took. */
  walReplayed: number;
  replayMs: number | null;
}

/** A drill's evidence of its own protections: who its steps ran as, whether sandboxed, what it skipped. */
export interface DrillSafety {
  sandboxed: boolean;
  /** "as the unprivileged backup-health-drill user, in a bubblewrap sandbox without network". */
  ranAs: string;
  /** Superuser-only items of the backup not restored, as "EVENT TRIGGER evt" (never their SQL). */
  skipped: string[];
}

/** Emitted while a drill runs. `done` of `total` items (TOC entries), or bytes when `unit` says so. */
export interface DrillProgress {
  sourceId: string;
  backupKey: string;
  phase: DrillPhase;
  done: number;
  total: number;
  /** What is happening now, e.g. "restoring TABLE DATA public.orders". */
  detail?: string;
  /** What done and total count: bytes (a copy, a plain SQL restore) or items (the default). */
  unit?: 'bytes';
}
