// The polls and backups tables: every poll with the backups it saw (each backup stored once, marked gone when a
// successful poll no longer lists it), read back for the dashboard.
import type { Database, Statement } from 'better-sqlite3';
import type { BackupRecord, BackupType, ObservedBackup, Poll, ProbeErrorCode, Status } from '../../../shared/model';
import { NO_LIMIT, type PollEntry } from './types';
import { walWindowColumns } from './wal-windows';

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
  stored_bytes: number | null;
  status: Status;
}

export interface BackupRow {
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
  gone_at: number | null;
}

export class PollTable {
  private readonly insertPoll: Statement;
  private readonly insertBackup: Statement;
  private readonly selectLatestPoll: Statement<[string], PollRow>;
  private readonly selectOkNewestFirst: Statement<[string], number>;
  private readonly selectBackups: Statement<[string, number, number], BackupRow>;
  private readonly selectPolls: Statement<[string, number, number, number], PollRow>;
  private readonly selectNewestWalArchive: Statement<[string, number, number], PollRow>;
  private readonly selectPresent: Statement<[string], { id: number; key: string; finished_at: number; first_seen_at: number }>;
  private readonly markGone: Statement<[number, number]>;
  private readonly markBack: Statement<[string, string, number, number]>;
  /**
   * Per source, key -> finishedAt of backups known to be in the file (the newest finishedAt per key).
   * Rows are never deleted (a backup gone from the source is marked gone_at, see markAbsent), so a hit is always
   * right and a miss only costs an insert that does nothing; whatever comes to delete rows (retention) must clear it.
   */
  private readonly storedBackups = new Map<string, Map<string, number>>();

  constructor(db: Database) {
    this.insertPoll = db.prepare(
      `INSERT INTO polls (source_id, at, duration_ms, ok, error_code, error_message, error_host, metrics,
         newest_backup_at, newest_backup_size, status, stored_bytes, wal_archive, wal_from, wal_to, wal_missing, wal_stops_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Not INSERT OR IGNORE: that would also silently drop a backup breaking NOT NULL or CHECK.
    this.insertBackup = db.prepare(
      `INSERT INTO backups (source_id, key, type, started_at, finished_at, size_bytes, readable, problem, meta,
         first_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, key, finished_at) DO NOTHING`,
    );
    this.selectLatestPoll = db.prepare<[string], PollRow>(
      'SELECT * FROM polls WHERE source_id = ? ORDER BY at DESC LIMIT 1',
    );
    this.selectOkNewestFirst = db
      .prepare<[string], number>('SELECT ok FROM polls WHERE source_id = ? ORDER BY at DESC')
      .pluck();
    this.selectBackups = db.prepare<[string, number, number], BackupRow>(
      'SELECT * FROM backups WHERE source_id = ? AND finished_at < ? ORDER BY finished_at DESC, id DESC LIMIT ?',
    );
    this.selectPolls = db.prepare<[string, number, number, number], PollRow>(
      'SELECT * FROM polls WHERE source_id = ? AND at BETWEEN ? AND ? ORDER BY at LIMIT ?',
    );
    // The backups not found gone, from the partial index backups_present alone (012-backup-gone.ts).
    this.selectPresent = db.prepare<[string], { id: number; key: string; finished_at: number; first_seen_at: number }>(
      'SELECT id, key, finished_at, first_seen_at FROM backups WHERE source_id = ? AND gone_at IS NULL',
    );
    this.markGone = db.prepare<[number, number]>('UPDATE backups SET gone_at = ? WHERE id = ? AND gone_at IS NULL');
    // Only by a poll after the one that found it gone: a poll of another process, older but written later, lists
    // what was there at its time.
    this.markBack = db.prepare<[string, string, number, number]>(
      'UPDATE backups SET gone_at = NULL WHERE source_id = ? AND key = ? AND finished_at = ? AND gone_at < ?',
    );
    // A seek in the partial index polls_wal_windows (008-wal-windows.ts), then the one row.
    this.selectNewestWalArchive = db.prepare<[string, number, number], PollRow>(
      'SELECT * FROM polls WHERE source_id = ? AND at BETWEEN ? AND ? AND wal_archive IS NOT NULL ORDER BY at DESC, id DESC LIMIT 1',
    );
  }

  /** Inside a transaction of the caller's; after a rollback the caller must call forgetStoredBackups(). */
  write(entries: PollEntry[]): { newBackups: number } {
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
        poll.storedBytes,
        ...walWindowColumns(poll.metrics),
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
    for (const entry of [...entries].sort((a, b) => a.poll.at - b.poll.at)) if (entry.poll.ok) this.markAbsent(entry);
    return { newBackups };
  }

  /**
   * What a successful poll's listing says about the stored backups (012-backup-gone.ts): one seen before this poll
   * and not listed is gone from this poll on; one found gone before and listed is back. A failed poll lists nothing
   * and proves nothing, so it never comes here. A backup first seen after this poll (by another process's newer poll,
   * written first) was not there yet, not gone.
   */
  private markAbsent({ poll, backups }: PollEntry): void {
    const listed = new Set(backups.map((b) => `${b.key}\u0000${b.finishedAt}`));
    const present = new Set<string>();
    for (const row of this.selectPresent.all(poll.sourceId)) {
      const id = `${row.key}\u0000${row.finished_at}`;
      if (listed.has(id)) present.add(id);
      else if (row.first_seen_at < poll.at) this.markGone.run(poll.at, row.id);
    }
    for (const backup of backups) {
      if (!present.has(`${backup.key}\u0000${backup.finishedAt}`)) this.markBack.run(poll.sourceId, backup.key, backup.finishedAt, poll.at);
    }
  }

  /** The rolled-back backups may be in the cache; forgetting everything only costs a few lookups. */
  forgetStoredBackups(): void {
    this.storedBackups.clear();
  }

  latest(sourceId: string): Poll | null {
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

  backups(sourceId: string, opts: { limit?: number; before?: number }): BackupRecord[] {
    return this.selectBackups.all(sourceId, opts.before ?? END_OF_TIME, opts.limit ?? NO_LIMIT).map(toBackupRecord);
  }

  /** Oldest first, from `since` to `until` inclusive; `limit` keeps the oldest ones. */
  polls(sourceId: string, opts: { since: number; until?: number; limit?: number }): Poll[] {
    return this.selectPolls.all(sourceId, opts.since, opts.until ?? END_OF_TIME, opts.limit ?? NO_LIMIT).map(toPoll);
  }

  /** The newest poll of [from, to] whose metrics say something of the WAL archive (a summary, or why there is none). */
  newestWithWalArchive(sourceId: string, from: number, to: number): Poll | null {
    const row = this.selectNewestWalArchive.get(sourceId, from, to);
    return row === undefined ? null : toPoll(row);
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
    storedBytes: row.stored_bytes,
    status: row.status,
  };
}

export function toBackupRecord(row: BackupRow): BackupRecord {
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
    ...(row.gone_at === null ? {} : { goneAt: row.gone_at }),
  };
}
