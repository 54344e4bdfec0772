// The alert_deliveries table (migration 005): every attempt to deliver an alert, and the question the
// alert-delivery finding asks of it: is this channel failing, since when, how many alerts did not get through.
import Database from 'better-sqlite3';
import type { Database as DatabaseHandle, Statement } from 'better-sqlite3';
import type { ChannelFailure } from '../alerts/channel-failure';
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

export class DeliveryTable implements DeliveryLog {
  private readonly insert: Statement;
  private readonly selectLastOk: Statement<[string], { at: number | null }>;
  private readonly selectUndelivered: Statement<[string, number], { alert_key: string; first_at: number }>;
  private readonly selectLastFailed: Statement<[string], DeliveryRow>;
  private readonly selectRecent: Statement<[string, number, number], DeliveryRow>;
  private readonly selectRecentAll: Statement<[number, number], DeliveryRow>;

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
