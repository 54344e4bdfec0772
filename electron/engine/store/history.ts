// The history file: every poll (thinned to hourly extremes once old: poll-compaction.ts), every backup once,
// every status change. One SQLite file in WAL mode,
// so the dashboard and a `backup-health check` from cron can read while the engine writes.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type {
  BackupRecord,
  BackupType,
  Finding,
  ObservedBackup,
  Poll,
  ProbeErrorCode,
  SeriesPoint,
  Status,
  StatusEvent,
  Drill,
} from '../../../shared/model';
import { DrillTable } from './drills';
import { HistoryFileError, checkSchemaVersion, migrate } from './migrations/index';
import { MinMaxSeriesQuery } from './min-max-series';
import { PollCompactor, type CompactionReport } from './poll-compaction';
import { storedBytesOf } from './stored-bytes';
import type { HistoryStore, PollEntry, StatusJudgement } from './types';

export { HistoryFileError } from './migrations/index';

const NO_LIMIT = -1;
const END_OF_TIME = Number.MAX_SAFE_INTEGER;

interface PollRow {
  source_id: string;
  at: number;
  duration_ms: number;
  ok: number;
  error_code: string | null;
  error_message: string | null;
  error_host: string | null;
  metrics: string | null;
  newest_backup_at: number | null;
  newest_backup_size: number | null;
  status: Status;
}

interface BackupRow {
  source_id: string;
  key: string;
  type: BackupType;
  started_at: number | null;
  finished_at: number;
  size_bytes: number;
  readable: number;
  problem: string | null;
  meta: string | null;
  first_seen_at: number;
}

interface LastEventRow {
  at: number;
  to_status: Status;
}

interface EventRow {
  id: number;
  at: number;
  source_id: string;
  from_status: Status | null;
  to_status: Status;
  findings: string;
}

export class History implements HistoryStore {
  private readonly insertPoll;
  private readonly insertBackup;
  private readonly insertEvent;
  private readonly selectLatestPoll;
  private readonly selectOkNewestFirst;
  private readonly selectLastStatus;
  private readonly selectLastEvent;
  private readonly selectNewestPollAt;
  private readonly selectBackups;
  private readonly selectPolls;
  private readonly selectEvents;
  private readonly selectSourceEvents;
  private readonly selectEventsAfter;
  private readonly selectLastEventId;
  private readonly ageSeries: MinMaxSeriesQuery;
  private readonly storedSizeSeries: MinMaxSeriesQuery;
  private readonly recordPollsTransaction;
  private readonly recordStatusTransaction;
  private readonly drillTable: DrillTable;
  private readonly compactor: PollCompactor;
  /**
   * Per source, key -> finishedAt of backups known to be in the file (the newest finishedAt per key).
   * Rows are never deleted, so a hit is always right and a miss only costs an insert that does nothing;
   * whatever comes to delete backups (retention) must clear it.
   */
  private readonly storedBackups = new Map<string, Map<string, number>>();

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
    this.insertPoll = db.prepare(
      `INSERT INTO polls (source_id, at, duration_ms, ok, error_code, error_message, error_host, metrics,
         newest_backup_at, newest_backup_size, status, stored_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Not INSERT OR IGNORE: that would also silently drop a backup breaking NOT NULL or CHECK.
    this.insertBackup = db.prepare(
      `INSERT INTO backups (source_id, key, type, started_at, finished_at, size_bytes, readable, problem, meta,
         first_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, key, finished_at) DO NOTHING`,
    );
    this.insertEvent = db.prepare(
      'INSERT INTO events (at, source_id, from_status, to_status, findings) VALUES (?, ?, ?, ?, ?)',
    );
    this.selectLatestPoll = db.prepare<[string], PollRow>(
      'SELECT * FROM polls WHERE source_id = ? ORDER BY at DESC LIMIT 1',
    );
    this.selectOkNewestFirst = db
      .prepare<[string], number>('SELECT ok FROM polls WHERE source_id = ? ORDER BY at DESC')
      .pluck();
    this.selectLastStatus = db
      .prepare<[string], Status>('SELECT to_status FROM events WHERE source_id = ? ORDER BY at DESC, id DESC LIMIT 1')
      .pluck();
    this.selectLastEvent = db.prepare<[string], LastEventRow>(
      'SELECT at, to_status FROM events WHERE source_id = ? ORDER BY at DESC, id DESC LIMIT 1',
    );
    this.selectNewestPollAt = db.prepare<[string], number | null>('SELECT MAX(at) FROM polls WHERE source_id = ?').pluck();
    this.selectBackups = db.prepare<[string, number, number], BackupRow>(
      'SELECT * FROM backups WHERE source_id = ? AND finished_at < ? ORDER BY finished_at DESC, id DESC LIMIT ?',
    );
    this.selectPolls = db.prepare<[string, number, number, number], PollRow>(
      'SELECT * FROM polls WHERE source_id = ? AND at BETWEEN ? AND ? ORDER BY at LIMIT ?',
    );
    this.selectEvents = db.prepare<[number, number], EventRow>(
      'SELECT * FROM events WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?',
    );
    this.selectSourceEvents = db.prepare<[string, number, number], EventRow>(
      'SELECT * FROM events WHERE source_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?',
    );
    this.selectEventsAfter = db.prepare<[string, number], EventRow>('SELECT * FROM events WHERE source_id = ? AND id > ? ORDER BY id LIMIT 1000');
    this.selectLastEventId = db.prepare<[string], number | null>('SELECT MAX(id) FROM events WHERE source_id = ?').pluck();
    // Both series read only the covering index polls_by_source_time (see 001-initial.ts, 003-stored-bytes.ts).
    this.ageSeries = new MinMaxSeriesQuery(db, 'at - newest_backup_at', 'newest_backup_at IS NOT NULL');
    this.storedSizeSeries = new MinMaxSeriesQuery(db, 'stored_bytes', 'stored_bytes IS NOT NULL');
    this.drillTable = new DrillTable(db);
    this.compactor = new PollCompactor(db);
    this.recordPollsTransaction = db.transaction((entries: PollEntry[], judgements: StatusJudgement[]) => {
      const { newBackups } = this.writePolls(entries);
      const events = judgements.map((judgement) => this.writeStatus(judgement)).filter((event) => event !== null);
      return { newBackups, events };
    });
    this.recordStatusTransaction = db.transaction((judgement: StatusJudgement) => this.writeStatus(judgement));
  }

  recordPolls(entries: PollEntry[], judgements: StatusJudgement[] = []): { newBackups: number; events: StatusEvent[] } {
    try {
      // IMMEDIATE takes the write lock up front, so a reader in another process cannot make us fail half-way,
      // and no other writer can record a status between our reading the last one and storing the change.
      return this.recordPollsTransaction.immediate(entries, judgements);
    } catch (error) {
      // The rolled-back backups may be in the cache; forgetting everything only costs a few lookups.
      this.storedBackups.clear();
      throw error;
    }
  }

  private writePolls(entries: PollEntry[]): { newBackups: number } {
    // Every poll reports every backup present, so nearly all are already stored: only the ones the
    // cache does not know go to SQLite, once per call, first seen at the earliest poll that saw them.
    const unknown = new Map<string, { sourceId: string; backup: ObservedBackup; firstSeenAt: number }>();
    for (const { poll, backups } of entries) {
      const error = poll.error;
      this.insertPoll.run(
        poll.sourceId,
        poll.at,
        poll.durationMs,
        poll.ok ? 1 : 0,
        error?.code ?? null,
        error?.message ?? null,
        error?.host ?? null,
        poll.metrics === null ? null : JSON.stringify(poll.metrics),
        poll.newestBackupAt,
        poll.newestBackupSize,
        poll.status,
        storedBytesOf(poll.metrics),
      );
      if (backups.length === 0) continue;
      const stored = this.storedBackups.get(poll.sourceId);
      for (const backup of backups) {
        if (stored?.get(backup.key) === backup.finishedAt) continue;
        const id = `${poll.sourceId}\u0000${backup.key}\u0000${backup.finishedAt}`;
        const seen = unknown.get(id);
        if (seen === undefined) unknown.set(id, { sourceId: poll.sourceId, backup, firstSeenAt: poll.at });
        else if (poll.at < seen.firstSeenAt) seen.firstSeenAt = poll.at;
      }
    }
    let newBackups = 0;
    for (const { sourceId, backup, firstSeenAt } of unknown.values()) {
      newBackups += this.insertBackup.run(
        sourceId,
        backup.key,
        backup.type,
        backup.startedAt ?? null,
        backup.finishedAt,
        backup.sizeBytes,
        backup.readable ? 1 : 0,
        backup.problem ?? null,
        backup.meta === undefined ? null : JSON.stringify(backup.meta),
        firstSeenAt,
      ).changes;
      let stored = this.storedBackups.get(sourceId);
      if (stored === undefined) this.storedBackups.set(sourceId, (stored = new Map()));
      stored.set(backup.key, backup.finishedAt);
    }
    return { newBackups };
  }

  recordStatus(judgement: StatusJudgement): StatusEvent | null {
    return this.recordStatusTransaction.immediate(judgement);
  }

  /**
   * Inside the write lock: the change (if any) from the source's last stored status, whoever stored it. Every
   * process that polls a source judges it, so the first to write a change stores it and the others find it
   * already there; events of a source are stored in the order of their observation times.
   */
  private writeStatus(judgement: StatusJudgement): StatusEvent | null {
    const { sourceId, at, polledAt, status, findings } = judgement;
    const newestPollAt = this.selectNewestPollAt.get(sourceId) ?? null;
    // Another process polled this source after the poll this judgement rests on: its newer view decides.
    if (newestPollAt !== null && (polledAt === null || polledAt < newestPollAt)) return null;
    const last = this.selectLastEvent.get(sourceId);
    // Observed before the last change was, written late: a change now would contradict the order of observations.
    if (last !== undefined && at < last.at) return null;
    const from = last?.to_status ?? null;
    if (from === status) return null;
    const { lastInsertRowid } = this.insertEvent.run(at, sourceId, from, status, JSON.stringify(findings));
    return { id: Number(lastInsertRowid), at, sourceId, from, to: status, findings };
  }

  latestPoll(sourceId: string): Poll | null {
    const row = this.selectLatestPoll.get(sourceId);
    return row === undefined ? null : toPoll(row);
  }

  consecutiveFailures(sourceId: string): number {
    let failures = 0;
    // iterate() stops reading at the first successful poll instead of loading the source's history.
    for (const ok of this.selectOkNewestFirst.iterate(sourceId)) {
      if (ok === 1) break;
      failures++;
    }
    return failures;
  }

  lastStatus(sourceId: string): Status | null {
    return this.selectLastStatus.get(sourceId) ?? null;
  }

  backups(sourceId: string, opts: { limit?: number; before?: number } = {}): BackupRecord[] {
    return this.selectBackups.all(sourceId, opts.before ?? END_OF_TIME, opts.limit ?? NO_LIMIT).map(toBackupRecord);
  }

  /** Oldest first, from `since` to `until` inclusive; `limit` keeps the oldest ones. */
  polls(sourceId: string, opts: { since: number; until?: number; limit?: number }): Poll[] {
    return this.selectPolls.all(sourceId, opts.since, opts.until ?? END_OF_TIME, opts.limit ?? NO_LIMIT).map(toPoll);
  }

  eventsAfter(sourceId: string, afterId: number): StatusEvent[] {
    return this.selectEventsAfter.all(sourceId, afterId).map(toStatusEvent);
  }

  lastEventId(sourceId: string): number {
    return this.selectLastEventId.get(sourceId) ?? 0;
  }

  /** Newest first, for a timeline; `limit` keeps the newest ones. */
  events(opts: { sourceId?: string; since?: number; limit?: number }): StatusEvent[] {
    const since = opts.since ?? 0;
    const limit = opts.limit ?? NO_LIMIT;
    const rows =
      opts.sourceId === undefined
        ? this.selectEvents.all(since, limit)
        : this.selectSourceEvents.all(opts.sourceId, since, limit);
    return rows.map(toStatusEvent);
  }

  backupAgeSeries(sourceId: string, opts: { from: number; to: number; maxPoints: number }): SeriesPoint[] {
    return this.ageSeries.series(sourceId, opts);
  }

  storedSeries(sourceId: string, opts: { from: number; to: number; maxPoints: number }): SeriesPoint[] {
    return this.storedSizeSeries.series(sourceId, opts);
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

  recordDrill(drill: Drill): Drill {
    return this.drillTable.record(drill);
  }

  drills(sourceId: string, opts?: { since?: number; limit?: number }): Drill[] {
    return this.drillTable.recent(sourceId, opts);
  }

  lastPassingDrill(sourceId: string): Drill | null {
    return this.drillTable.lastPassing(sourceId);
  }

  close(): void {
    this.db.close();
  }
}

function toPoll(row: PollRow): Poll {
  return {
    sourceId: row.source_id,
    at: row.at,
    durationMs: row.duration_ms,
    ok: row.ok === 1,
    error:
      row.error_code === null
        ? null
        : {
            code: row.error_code as ProbeErrorCode,
            message: row.error_message ?? '',
            ...(row.error_host === null ? {} : { host: row.error_host }),
          },
    metrics: row.metrics === null ? null : JSON.parse(row.metrics),
    newestBackupAt: row.newest_backup_at,
    newestBackupSize: row.newest_backup_size,
    status: row.status,
  };
}

function toBackupRecord(row: BackupRow): BackupRecord {
  return {
    sourceId: row.source_id,
    key: row.key,
    type: row.type,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    sizeBytes: row.size_bytes,
    readable: row.readable === 1,
    problem: row.problem,
    ...(row.meta === null ? {} : { meta: JSON.parse(row.meta) }),
    firstSeenAt: row.first_seen_at,
  };
}

function toStatusEvent(row: EventRow): StatusEvent {
  return {
    id: row.id,
    at: row.at,
    sourceId: row.source_id,
    from: row.from_status,
    to: row.to_status,
    findings: JSON.parse(row.findings) as Finding[],
  };
}
