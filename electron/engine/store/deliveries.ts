// The alert_deliveries table (migration 005): every attempt to deliver an alert, and the question the
// alert-delivery finding asks of it: is this channel failing, since when, how many alerts did not get through.
// Beside it, alert_told (migration 007): what each channel was last told about each source, so reminders and
// recoveries follow the history file, not one process's memory. Old attempts are pruned (pruneNext) on the
// history's compaction schedule, keeping what a channel's state is read from.
import Database from 'better-sqlite3';
import type { Database as DatabaseHandle, Statement } from 'better-sqlite3';
import type { ChannelFailure } from '../alerts/channel-failure';
import type { Told, ToldLog } from '../alerts/select';
import type { AlertPurpose, DeliveryAttempt, DeliveryLog } from '../alerts/types';
import type { Status } from '../../../shared/model';
import { migrate } from './migrations/index';

interface DeliveryRow {
  id: number;
  channel_id: string;
  alert_key: string;
  purpose: AlertPurpose;
  at: number;
  attempt: number;
  final: number;
  ok: number;
  title: string;
  status: Status;
  sources: number;
  http_status: number | null;
  reply_code: number | null;
  reply: string | null;
  error: string | null;
  retryable: number;
  duration_ms: number;
}

/** How long attempts are kept (beyond what a channel's state needs): 90 days. No setting yet. */
export const DELIVERY_KEEP_MS = 90 * 24 * 3_600_000;
/** Attempts deleted per transaction, so polls and the dashboard are not held up by a big prune. */
const PRUNE_CHUNK = 5_000;

export class DeliveryTable implements DeliveryLog, ToldLog {
  private readonly insert: Statement;
  private readonly selectLastOk: Statement<[string], { at: number | null }>;
  private readonly selectUndelivered: Statement<[string, number], { alert_key: string; first_at: number }>;
  private readonly selectLastFailed: Statement<[string], DeliveryRow>;
  private readonly selectRecent: Statement<[string, number, number], DeliveryRow>;
  private readonly selectRecentAll: Statement<[number, number], DeliveryRow>;
  private readonly selectTold: Statement<[string], { source_id: string; status: Status; at: number }>;
  private readonly upsertTold: Statement<[string, string, Status, number]>;
  private readonly deleteTold: Statement<[string, string]>;
  private readonly writeTold;
  private readonly selectChannels: Statement<[], { id: string }>;
  private readonly deleteBefore: Statement<[string, number, number]>;

  /**
   * The table in the history file at `file`, on a connection of its own (WAL: the engine's History writes on
   * another); migrated like History.open does, so either may open the file first. `nativeBinding` as
   * History.nativeBinding (the desktop app run from a checkout).
   */
  static open(file: string, nativeBinding?: string): DeliveryTable {
    const db = new Database(file, nativeBinding ? { nativeBinding } : {});
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    migrate(db, file);
    return new DeliveryTable(db);
  }

  constructor(private readonly db: DatabaseHandle) {
    this.insert = db.prepare(
      `INSERT INTO alert_deliveries (channel_id, alert_key, purpose, at, attempt, final, ok, title, status, sources,
         http_status, reply_code, reply, error, retryable, duration_ms)
       VALUES (@channel_id, @alert_key, @purpose, @at, @attempt, @final, @ok, @title, @status, @sources,
         @http_status, @reply_code, @reply, @error, @retryable, @duration_ms)`,
    );
    this.selectLastOk = db.prepare('SELECT MAX(at) AS at FROM alert_deliveries WHERE channel_id = ? AND ok = 1');
    // Alerts (tests aside: their result is shown where they were asked for) given up on after the last success.
    this.selectUndelivered = db.prepare(
      `SELECT alert_key, MIN(at) AS first_at FROM alert_deliveries
       WHERE channel_id = ? AND at > ? AND purpose <> 'test'
       GROUP BY alert_key HAVING MAX(final) = 1 AND MAX(ok) = 0 ORDER BY first_at`,
    );
    this.selectLastFailed = db.prepare(
      "SELECT * FROM alert_deliveries WHERE channel_id = ? AND ok = 0 AND purpose <> 'test' ORDER BY at DESC, id DESC LIMIT 1",
    );
    this.selectRecent = db.prepare('SELECT * FROM alert_deliveries WHERE channel_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?');
    this.selectRecentAll = db.prepare('SELECT * FROM alert_deliveries WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?');
    this.selectTold = db.prepare('SELECT source_id, status, at FROM alert_told WHERE channel_id = ?');
    this.upsertTold = db.prepare(
      'INSERT INTO alert_told (channel_id, source_id, status, at) VALUES (?, ?, ?, ?) ON CONFLICT (channel_id, source_id) DO UPDATE SET status = excluded.status, at = excluded.at',
    );
    this.deleteTold = db.prepare('DELETE FROM alert_told WHERE channel_id = ? AND source_id = ?');
    this.writeTold = db.transaction((channelId: string, updates: ReadonlyMap<string, Told | null>) => {
      for (const [sourceId, told] of updates) {
        if (told) this.upsertTold.run(channelId, sourceId, told.status, told.at);
        else this.deleteTold.run(channelId, sourceId);
      }
    });
    // Each channel once, through the index (a loose index scan): the log may hold millions of attempts.
    this.selectChannels = db.prepare(
      `WITH RECURSIVE channel(id) AS (
         SELECT MIN(channel_id) FROM alert_deliveries
         UNION ALL SELECT (SELECT MIN(channel_id) FROM alert_deliveries WHERE channel_id > channel.id) FROM channel WHERE channel.id IS NOT NULL)
       SELECT id FROM channel WHERE id IS NOT NULL`,
    );
    this.deleteBefore = db.prepare('DELETE FROM alert_deliveries WHERE id IN (SELECT id FROM alert_deliveries WHERE channel_id = ? AND at < ? LIMIT ?)');
  }

  record(attempt: DeliveryAttempt): void {
    const { result } = attempt;
    this.insert.run({
      channel_id: attempt.channelId,
      alert_key: attempt.alertKey,
      purpose: attempt.purpose,
      at: attempt.at,
      attempt: attempt.attempt,
      final: attempt.final ? 1 : 0,
      ok: result.ok ? 1 : 0,
      title: attempt.title,
      status: attempt.status,
      sources: attempt.sources,
      http_status: result.httpStatus ?? null,
      reply_code: result.replyCode ?? null,
      reply: result.reply ?? null,
      error: result.error ?? null,
      retryable: result.retryable ? 1 : 0,
      duration_ms: result.durationMs,
    });
  }

  channelFailure(channelId: string): ChannelFailure | null {
    const lastOk = this.selectLastOk.get(channelId)?.at ?? -1;
    const undelivered = this.selectUndelivered.all(channelId, lastOk);
    if (undelivered.length === 0) return null;
    const last = this.selectLastFailed.get(channelId);
    return {
      channelId,
      failingSince: undelivered[0]!.first_at,
      undelivered: undelivered.length,
      last: last ? resultOf(last) : {},
    };
  }

  /** A channel's last attempt (when, and whether it delivered) and its last delivery, for /metrics; null: none. */
  deliveryState(channelId: string): { lastAttempt: { at: number; ok: boolean } | null; lastSuccessAt: number | null } {
    const [last] = this.selectRecent.all(channelId, 0, 1);
    return { lastAttempt: last ? { at: last.at, ok: last.ok === 1 } : null, lastSuccessAt: this.selectLastOk.get(channelId)?.at ?? null };
  }

  /** Newest first: one channel's attempts, or every channel's. */
  recent(opts: { channelId?: string; since?: number; limit?: number } = {}): DeliveryAttempt[] {
    const since = opts.since ?? 0;
    const limit = opts.limit ?? 100;
    const rows = opts.channelId === undefined ? this.selectRecentAll.all(since, limit) : this.selectRecent.all(opts.channelId, since, limit);
    return rows.map(attemptOf);
  }

  /** What the channel was last told about each source it was told of, by source id. */
  told(channelId: string): Map<string, Told> {
    return new Map(this.selectTold.all(channelId).map((row) => [row.source_id, { status: row.status, at: row.at }]));
  }

  /** Changes the channel's record for these sources in one transaction; null forgets a source. */
  setTold(channelId: string, updates: ReadonlyMap<string, Told | null>): void {
    if (updates.size > 0) this.writeTold.immediate(channelId, updates);
  }

  /**
   * Deletes up to PRUNE_CHUNK attempts made before `before` that no channel's state is read from, and returns how
   * many went (0: nothing left to prune). Kept whatever their age: a channel's newest delivery and every attempt
   * after it (its newest attempt, the failure since then: when it began, how many alerts it left undelivered), so
   * deliveryState and channelFailure answer the same afterwards. A channel that never delivered keeps all its
   * attempts: they are its failure.
   */
  pruneChunk(before: number): number {
    for (const { id } of this.selectChannels.all()) {
      const lastOk = this.selectLastOk.get(id)?.at ?? null;
      if (lastOk === null) continue;
      const deleted = this.deleteBefore.run(id, Math.min(before, lastOk), PRUNE_CHUNK).changes;
      if (deleted > 0) return deleted;
    }
    return 0;
  }

  close(): void {
    this.db.close();
  }
}

function resultOf(row: DeliveryRow): ChannelFailure['last'] {
  return {
    ...(row.http_status !== null ? { httpStatus: row.http_status } : {}),
    ...(row.reply_code !== null ? { replyCode: row.reply_code } : {}),
    ...(row.reply !== null ? { reply: row.reply } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
  };
}

function attemptOf(row: DeliveryRow): DeliveryAttempt {
  return {
    id: row.id,
    channelId: row.channel_id,
    alertKey: row.alert_key,
    purpose: row.purpose,
    at: row.at,
    attempt: row.attempt,
    final: row.final === 1,
    title: row.title,
    status: row.status,
    sources: row.sources,
    result: { ok: row.ok === 1, ...resultOf(row), retryable: row.retryable === 1, durationMs: row.duration_ms },
  };
}
