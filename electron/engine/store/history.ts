// The history file: opens and migrates the SQLite file (WAL mode, so the dashboard and a `backup-health check`
// from cron can read while the engine writes) and records polls with status changes and finding spans in one write
// transaction. The tables live beside it: polls.ts (polls, backups), status-events.ts, finding-spans.ts,
// database-events.ts, drills.ts, poll-compaction.ts, wal-windows.ts (the source page's WAL chart, from columns of
// polls), and the alert delivery log (deliveries.ts), which serve and the app write on connections of their own and
// which is pruned from here, on the compaction schedule.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { WalWindowPoint } from '../../../shared/api';
import type { BackupRecord, Drill, Poll, SeriesPoint, Status, StatusEvent } from '../../../shared/model';
import { BackupAgeQuery } from './backup-age';
import { DatabaseBackupAgeQuery, type RoutineOfDatabase } from './database-backup-age';
import { DatabaseEventTable } from './database-events';
import { DELIVERY_KEEP_MS, DeliveryTable } from './deliveries';
import { DrillTable } from './drills';
import { EvidenceQuery } from './evidence';
import { FindingSpanTable, databaseSpanSubject } from './finding-spans';
import { HistoryFileError, checkSchemaVersion, migrate } from './migrations/index';
import { MinMaxSeriesQuery } from './min-max-series';
import { PollCompactor, type CompactionReport } from './poll-compaction';
import type { PolicyChange, PolicyEntry } from './policies';
import { PollTable } from './polls';
import { StatusEventTable } from './status-events';
import type { DatabaseJudgement, DatabaseStatusEvent, HistoryStore, PollEntry, StatusJudgement } from './types';
import { WalWindowQuery } from './wal-windows';

export { HistoryFileError } from './migrations/index';

export class History implements HistoryStore {
  private readonly pollTable: PollTable;
  private readonly eventTable: StatusEventTable;
  private readonly findingSpans: FindingSpanTable;
  private readonly databaseEvents: DatabaseEventTable;
  private readonly ageSeries: BackupAgeQuery;
  private readonly databaseAgeSeries: DatabaseBackupAgeQuery;
  private readonly polledAges: MinMaxSeriesQuery;
  private readonly storedSizeSeries: MinMaxSeriesQuery;
  private readonly walWindows: WalWindowQuery;
  private readonly recordPollsTransaction;
  private readonly recordStatusTransaction;
  private readonly recordDatabasesTransaction;
  private readonly drillTable: DrillTable;
  private readonly compactor: PollCompactor;
  private readonly deliveries: DeliveryTable;
  /** What an audit report reads, and the policy history (store/evidence.ts). */
  readonly evidence: EvidenceQuery;

  /**
   * better-sqlite3's compiled addon for every History this process opens; undefined (the CLI, the tests, the
   * packaged app) loads the one in node_modules. The desktop app run from a checkout sets it to a copy built
   * for Electron's ABI, because node_modules holds the one built for Node (see electron/main/native-binding.ts).
   */
  static nativeBinding: string | undefined = undefined;

  /** Opens (creating the file and its directory if needed) and migrates; ':memory:' for tests. */
  static open(file: string): History {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file, History.nativeBinding ? { nativeBinding: History.nativeBinding } : {});
    try {
      // Another process (the CLI from cron, the app) may hold the write lock for a moment.
      db.pragma('busy_timeout = 5000');
      // Before anything that writes: a file from a newer version must stay as it is.
      checkSchemaVersion(db, file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      // Checkpoint every ~40 MB of WAL instead of 4 MB: a bulk record then copies the hot index pages
      // back and fsyncs far less often (test/bench/store.ts, 10,000-poll batches: 0.80-0.85 -> 0.87-0.89
      // of bare insert speed). The WAL is cut back to 64 MB after a checkpoint, so a big import does
      // not leave a big file behind.
      db.pragma('wal_autocheckpoint = 10000');
      db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
      migrate(db, file);
      return new History(db);
    } catch (error) {
      db.close();
      if ((error as { code?: string }).code === 'SQLITE_NOTADB') {
        throw new HistoryFileError(
          'history-unreadable',
          `The history file ${file} is not an SQLite database. Move it aside and Backup Health will start a new one.`,
        );
      }
      throw error;
    }
  }

  private constructor(private readonly db: Database.Database) {
    this.pollTable = new PollTable(db);
    this.eventTable = new StatusEventTable(db);
    this.findingSpans = new FindingSpanTable(db);
    this.databaseEvents = new DatabaseEventTable(db);
    // The age chart reads backups' finish times (backup-age.ts); the two series of polls read only the covering
    // index polls_by_source_time (see 001-initial.ts, 003-stored-bytes.ts).
    this.ageSeries = new BackupAgeQuery(db);
    this.databaseAgeSeries = new DatabaseBackupAgeQuery(db);
    this.polledAges = new MinMaxSeriesQuery(db, 'at - newest_backup_at', 'newest_backup_at IS NOT NULL');
    this.storedSizeSeries = new MinMaxSeriesQuery(db, 'stored_bytes', 'stored_bytes IS NOT NULL');
    this.walWindows = new WalWindowQuery(db);
    this.drillTable = new DrillTable(db);
    this.compactor = new PollCompactor(db);
    this.deliveries = new DeliveryTable(db);
    this.evidence = new EvidenceQuery(db);
    this.recordPollsTransaction = db.transaction((entries: PollEntry[], judgements: StatusJudgement[]) => {
      const { newBackups } = this.pollTable.write(entries);
      const events = judgements.map((judgement) => this.judged(judgement)).filter((event) => event !== null);
      return { newBackups, events };
    });
    this.recordStatusTransaction = db.transaction((judgement: StatusJudgement) => this.judged(judgement));
    this.recordDatabasesTransaction = db.transaction((judgements: readonly DatabaseJudgement[]) =>
      judgements.map((judgement) => this.databaseJudged(judgement)).filter((event) => event !== null),
    );
  }

  /** Inside the write transaction: a source's judgement, its finding spans and its status change, unless stale. */
  private judged(judgement: StatusJudgement): StatusEvent | null {
    if (this.eventTable.stale(judgement)) return null;
    this.findingSpans.write(judgement.sourceId, judgement.at, judgement.findings);
    return this.eventTable.write(judgement);
  }

  private databaseJudged(judgement: DatabaseJudgement): DatabaseStatusEvent | null {
    if (this.databaseEvents.stale(judgement, (sourceId) => this.eventTable.lastStatus(sourceId))) return null;
    this.findingSpans.write(databaseSpanSubject(judgement.key), judgement.at, judgement.findings);
    return this.databaseEvents.write(judgement);
  }

  recordPolls(entries: PollEntry[], judgements: StatusJudgement[] = []): { newBackups: number; events: StatusEvent[] } {
    try {
      // IMMEDIATE takes the write lock up front, so a reader in another process cannot make us fail half-way,
      // and no other writer can record a status between our reading the last one and storing the change.
      return this.recordPollsTransaction.immediate(entries, judgements);
    } catch (error) {
      this.pollTable.forgetStoredBackups();
      throw error;
    }
  }

  recordStatus(judgement: StatusJudgement): StatusEvent | null {
    return this.recordStatusTransaction.immediate(judgement);
  }

  recordDatabaseStatuses(judgements: readonly DatabaseJudgement[]): DatabaseStatusEvent[] {
    if (judgements.length === 0) return [];
    return this.recordDatabasesTransaction.immediate(judgements);
  }

  latestPoll(sourceId: string): Poll | null {
    return this.pollTable.latest(sourceId);
  }

  consecutiveFailures(sourceId: string): number {
    return this.pollTable.consecutiveFailures(sourceId);
  }

  lastStatus(sourceId: string): Status | null {
    return this.eventTable.lastStatus(sourceId);
  }

  backups(sourceId: string, opts: { limit?: number; before?: number } = {}): BackupRecord[] {
    return this.pollTable.backups(sourceId, opts);
  }

  /** Oldest first, from `since` to `until` inclusive; `limit` keeps the oldest ones. */
  polls(sourceId: string, opts: { since: number; until?: number; limit?: number }): Poll[] {
    return this.pollTable.polls(sourceId, opts);
  }

  eventsAfter(sourceId: string, afterId: number): StatusEvent[] {
    return this.eventTable.after(sourceId, afterId);
  }

  lastEventId(sourceId: string): number {
    return this.eventTable.lastId(sourceId);
  }

  /** Newest first, for a timeline; `limit` keeps the newest ones. */
  events(opts: { sourceId?: string; since?: number; limit?: number }): StatusEvent[] {
    return this.eventTable.recent(opts);
  }

  backupAgeSeries(sourceId: string, opts: { from: number; to: number; maxPoints: number }): SeriesPoint[] {
    return this.ageSeries.series(sourceId, opts);
  }

  databaseBackupAgeSeries(routines: readonly RoutineOfDatabase[], opts: { from: number; to: number; maxPoints: number }): SeriesPoint[] {
    return this.databaseAgeSeries.seriesOf(routines, opts);
  }

  /**
   * The age each successful poll saw (its time - its newest readable backup), reduced like storedSeries: what the
   * age chart was before it was computed from backups, and what poll compaction keeps each hour's extremes of.
   */
  polledAgeSeries(sourceId: string, opts: { from: number; to: number; maxPoints: number }): SeriesPoint[] {
    return this.polledAges.series(sourceId, opts);
  }

  storedSeries(sourceId: string, opts: { from: number; to: number; maxPoints: number }): SeriesPoint[] {
    return this.storedSizeSeries.series(sourceId, opts);
  }

  walWindowSeries(sourceId: string, opts: { from: number; to: number; buckets: number }): WalWindowPoint[] {
    return this.walWindows.series(sourceId, opts);
  }

  newestWalArchivePoll(sourceId: string, opts: { from: number; to: number }): Poll | null {
    return this.pollTable.newestWithWalArchive(sourceId, opts.from, opts.to);
  }

  async compactPolls(opts: { now: number; keepRawMs: number; signal?: AbortSignal }): Promise<CompactionReport> {
    const report: CompactionReport = { polls: 0, deleted: 0, chunks: 0 };
    const rawSince = opts.now - opts.keepRawMs;
    while (!opts.signal?.aborted) {
      const chunk = this.compactor.compactNext(rawSince);
      if (chunk === null) break;
      report.polls += chunk.polls;
      report.deleted += chunk.deleted;
      report.chunks++;
      // Between two transactions, let polls be recorded and the dashboard answered.
      await nextTurn();
    }
    return report;
  }

  /**
   * Deletes alert delivery attempts older than `keepMs` (default DELIVERY_KEEP_MS, 90 days) that no channel's
   * state is read from (DeliveryTable.pruneChunk), a chunk per transaction with other work let in between;
   * stops early when `signal` aborts. Safe to run from two processes.
   */
  async pruneDeliveries(opts: { now: number; keepMs?: number; signal?: AbortSignal }): Promise<{ deleted: number; chunks: number }> {
    const before = opts.now - (opts.keepMs ?? DELIVERY_KEEP_MS);
    const report = { deleted: 0, chunks: 0 };
    while (!opts.signal?.aborted) {
      const deleted = this.deliveries.pruneChunk(before);
      if (deleted === 0) break;
      report.deleted += deleted;
      report.chunks++;
      await nextTurn();
    }
    return report;
  }

  recordDrill(drill: Drill): Drill {
    return this.drillTable.record(drill);
  }

  drills(sourceId: string, opts?: { since?: number; limit?: number }): Drill[] {
    return this.drillTable.recent(sourceId, opts);
  }

  lastPassingDrill(sourceId: string): Drill | null {
    return this.drillTable.lastPassing(sourceId);
  }

  recordPolicies(at: number, entries: readonly PolicyEntry[]): PolicyChange[] {
    return this.evidence.recordPolicies(at, entries);
  }

  close(): void {
    this.db.close();
  }
}
