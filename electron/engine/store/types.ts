// The history store's contract, as the engine, the CLI and the benchmarks use it.
import type { RoutineOfDatabase } from './database-backup-age';
import type { CompactionReport } from './poll-compaction';
import type { PolicyChange, PolicyEntry } from './policies';
import type { WalWindowPoint } from '../../../shared/api';
import type { BackupRecord, Drill, Finding, ObservedBackup, Poll, SeriesPoint, Status, StatusEvent } from '../../../shared/model';

/** SQLite's LIMIT for "no limit" (LIMIT -1), for queries whose caller gave none. */
export const NO_LIMIT = -1;

export interface PollEntry {
  poll: Poll;
  /** Everything the probe saw; only backups not already stored are inserted. */
  backups: ObservedBackup[];
}

/**
 * A source's status as one process judged it. Several processes (serve, the app, cron `check`) judge the same
 * sources into one history: the store, not the process's memory, decides whether this is a change.
 */
export interface StatusJudgement {
  sourceId: string;
  /** When the judged state was observed (a poll's `at`; when a drill or a linked source changed it): the event's time. */
  at: number;
  /** The source's own poll this judgement rests on (null: none). A newer poll in the history, by anyone, makes it stale. */
  polledAt: number | null;
  status: Status;
  findings: Finding[];
}

/** A finding as its span and a database's status change keep it: a database's findings name rules of their own. */
export interface SpanFinding {
  rule: string;
  status: Status;
  message: string;
}

/** When one rule of a subject went below ok and when it was ok again (store/finding-spans.ts). */
export interface FindingSpan {
  /** A source id, or "database:<key>". */
  subject: string;
  rule: string;
  /** The worst it reached while open, with that moment's message. */
  status: Status;
  message: string;
  openedAt: number;
  /** null: still open at the last judgement. */
  fixedAt: number | null;
}

/** A database's status as one process computed it (databases/database-status.ts), after a poll, a drill or a config load. */
export interface DatabaseJudgement {
  key: string;
  at: number;
  status: Status;
  findings: SpanFinding[];
  /**
   * The statuses of the sources this judgement rests on (its routines and server) as this process saw them. Another
   * process may have judged one of them since: when the history's last status of one differs, its view decides.
   */
  sources: { id: string; status: Status }[];
}

/** A change of a database's status (store/database-events.ts). */
export interface DatabaseStatusEvent {
  id?: number;
  at: number;
  databaseKey: string;
  from: Status | null;
  to: Status;
  findings: SpanFinding[];
}

export interface HistoryStore {
  /**
   * Records polls and their new backups, and decides the status changes and finding spans (store/finding-spans.ts)
   * of `judgements`, in ONE write transaction (BEGIN IMMEDIATE); returns how many backups were new and the events
   * this call stored.
   */
  recordPolls(entries: PollEntry[], judgements?: StatusJudgement[]): { newBackups: number; events: StatusEvent[] };
  /**
   * Stores an event if the judgement changes the source's last stored status, and its finding spans, unless it is
   * stale: a judgement whose poll is older than the source's newest stored poll, or older than its last event,
   * changes nothing (a newer observation already decided). Returns the event, or null. The only way events are written.
   */
  recordStatus(judgement: StatusJudgement): StatusEvent | null;
  /**
   * Stores, in one write transaction, each database whose status changed from its last stored one, and the finding
   * spans of each (subject "database:<key>"); a judgement resting on a source status the history no longer holds, or
   * older than the database's last change, changes nothing. Returns the changes this call stored.
   */
  recordDatabaseStatuses(judgements: readonly DatabaseJudgement[]): DatabaseStatusEvent[];
  latestPoll(sourceId: string): Poll | null;
  /** Failed polls in a row, newest first, stopping at the first successful one. */
  consecutiveFailures(sourceId: string): number;
  /** Status of the newest event for the source, or null if it never had one. */
  lastStatus(sourceId: string): Status | null;
  /** Stored backups, newest finishedAt first. */
  backups(sourceId: string, opts?: { limit?: number; before?: number }): BackupRecord[];
  polls(sourceId: string, opts: { since: number; until?: number; limit?: number }): Poll[];
  events(opts: { sourceId?: string; since?: number; limit?: number }): StatusEvent[];
  /** The source's events stored after event `afterId` (by any process), oldest first: how a process hears the changes another one stored. */
  eventsAfter(sourceId: string, afterId: number): StatusEvent[];
  /** The id of the source's newest event, 0 if it has none: where a process starts listening. */
  lastEventId(sourceId: string): number;
  /**
   * Backup age over [from, to] from the backups' finish times (store/backup-age.ts): at each instant, the time since
   * the newest readable backup finished, so the history starts with the backups, not the first poll. The sawtooth's
   * corners, up to the newest poll that saw a readable backup, reduced to at most maxPoints points that keep the
   * first, the last and each bucket's minimum and maximum, so no peak is thinned away. Several sources together (a
   * database's routines): databaseBackupAgeSeries.
   */
  backupAgeSeries(sourceId: string, opts: { from: number; to: number; maxPoints: number }): SeriesPoint[];
  /**
   * The same for one database (its page): a routine whose `database` is set counts only its backups that hold that
   * database (dump header, or the databases a snapshot's dumps name); null counts every backup (store/database-backup-age.ts).
   */
  databaseBackupAgeSeries(routines: readonly RoutineOfDatabase[], opts: { from: number; to: number; maxPoints: number }): SeriesPoint[];
  /**
   * The stored size at each poll (repository, dump directory or databases; store/stored-bytes.ts) over
   * [from, to], reduced the same way, so a repository that shrinks for one poll keeps its dip.
   */
  storedSeries(sourceId: string, opts: { from: number; to: number; maxPoints: number }): SeriesPoint[];
  /**
   * The recoverable WAL window at each poll of [from, to] that judged the archive (store/wal-windows.ts), oldest
   * first, reduced to one point per time bucket (`buckets` equal ones): the poll with the most segments missing,
   * else the bucket's last, so a gap is never thinned away.
   */
  walWindowSeries(sourceId: string, opts: { from: number; to: number; buckets: number }): WalWindowPoint[];
  /** The newest poll of [from, to] whose metrics hold walArchive (a summary, or null with walArchiveError), or null. */
  newestWalArchivePoll(sourceId: string, opts: { from: number; to: number }): Poll | null;
  /**
   * Thins polls older than `now - keepRawMs` to each clock hour's extremes, failures and the poll before each
   * failure (store/poll-compaction.ts), a few hours of every source per transaction, letting other work run between them.
   * Only hours not thinned before are read; stops early when `signal` aborts. Safe to run from two processes.
   */
  compactPolls(opts: { now: number; keepRawMs: number; signal?: AbortSignal }): Promise<CompactionReport>;
  /** Stores a finished drill (any outcome) in its own transaction; returns it with its id. */
  recordDrill(drill: Drill): Drill;
  /** A source's drills, newest first. */
  drills(sourceId: string, opts?: { since?: number; limit?: number }): Drill[];
  lastPassingDrill(sourceId: string): Drill | null;
  /** Stores each subject's policy that changed since its last stored one, and each subject gone (store/policies.ts). */
  recordPolicies(at: number, entries: readonly PolicyEntry[]): PolicyChange[];
  /** What an audit report reads: drills, status changes, backups and policies over a period (store/evidence.ts). */
  readonly evidence: EvidenceReader;
  close(): void;
}

/** A source's evidence over [from, to] (report/). */
export interface SourceRecord {
  /** Drills that finished in [from, to], oldest first. */
  drills: Drill[];
  /** The newest drill that finished before `from`, if any. */
  drillBefore: Drill | null;
  /** Status changes in [from, to], oldest first. */
  events: StatusEvent[];
  /** The newest status change before `from`: the status the period began with. */
  eventBefore: StatusEvent | null;
  /** Events after `to`, oldest first, up to 1,000: when a failure open at the period's end was fixed. */
  eventsAfter: StatusEvent[];
  /** Its finding spans open at any time of [from, to], oldest first: when each failure was fixed. */
  findingSpans: FindingSpan[];
}

/** A database's status changes over [from, to], as SourceRecord holds a source's. */
export interface DatabaseRecord {
  events: DatabaseStatusEvent[];
  eventBefore: DatabaseStatusEvent | null;
  eventsAfter: DatabaseStatusEvent[];
  findingSpans: FindingSpan[];
}

export interface EvidenceReader {
  sourceRecord(sourceId: string, from: number, to: number): SourceRecord;
  /** `key`: DatabaseSummary.key. */
  databaseRecord(key: string, from: number, to: number): DatabaseRecord;
  /** The backup a drill of `sourceId` restored (`key`, finished by `startedAt`), or null when it was never stored. */
  backupOf(sourceId: string, key: string, startedAt: number): BackupRecord | null;
  /** Every policy change up to `until`, by subject then time. */
  policyChanges(until: number): PolicyChange[];
}
