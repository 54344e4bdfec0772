// One sender per history file: the desktop app, `serve` (one or several) and a cron `check` may all watch the
// same sources, but each alert and heartbeat must go out once. The process holding the lease in the history
// (migration 006) sends; the others stay quiet and say who sends instead. The holder renews the lease on its own
// timer every LEASE_MS/3 (alerts/alert-service.ts), whatever its poll interval; a holder that stops (closed,
// crashed, killed) is replaced once its lease runs out, or at once when it releases it on the way out.
import Database from 'better-sqlite3';
import type { Database as DatabaseHandle, Statement, Transaction } from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { formatSince } from '../alerts/channel-failure';
import { migrate } from './migrations/index';

/** A process that may send: the same object for all its calls. */
export interface LeaseHolder {
  /** pid@host#token: unique per process, so a pid reused after a crash is not taken for the dead holder. */
  id: string;
  /** What the process is, for the others' status line: "serve", "the desktop app", "check". */
  program: string;
  pid: number;
  host: string;
}

/** This process may send until `until` (renew before then); `since` is when it took the lease. */
export type LeaseState = { held: true; since: number; until: number } | { held: false; holder: LeaseHolder; until: number };

/**
 * How long a lease lasts unless renewed: a minute. The holder renews it every 20 s, so missing three renewals is
 * being gone, and another process sends within a minute of a crash. Not tied to the poll interval: a holder that
 * polls hourly keeps its lease, and a takeover does not wait three of its rounds.
 */
export const LEASE_MS = 60_000;

/** A holder for this process (call once per process): "serve", "the desktop app". */
export function leaseHolder(program: string, pid = process.pid, host = hostname()): LeaseHolder {
  return { id: `${pid}@${host}#${randomBytes(8).toString('hex')}`, program, pid, host };
}

interface LeaseRow {
  holder: string;
  program: string;
  pid: number;
  host: string;
  acquired_at: number;
  expires_at: number;
}

export class AlertLease {
  private readonly select: Statement<[], LeaseRow>;
  private readonly upsert: Statement;
  private readonly remove: Statement<[string]>;
  private readonly acquire: Transaction<(holder: LeaseHolder, now: number, ttlMs: number) => LeaseState>;

  /**
   * The lease in the history file at `file`, on a connection of its own (WAL, as DeliveryTable.open): migrated
   * like History.open does, so either may open the file first. `nativeBinding` as History.nativeBinding.
   */
  static open(file: string, nativeBinding?: string): AlertLease {
    const db = new Database(file, nativeBinding ? { nativeBinding } : {});
    try {
      db.pragma('busy_timeout = 5000');
      db.pragma('journal_mode = WAL');
      migrate(db, file);
      return new AlertLease(db, true);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Over a connection someone else opened and migrated (History's); close() then leaves it open. */
  constructor(
    private readonly db: DatabaseHandle,
    private readonly ownsConnection = false,
  ) {
    this.select = db.prepare<[], LeaseRow>('SELECT holder, program, pid, host, acquired_at, expires_at FROM alert_sender_lease WHERE id = 1');
    this.upsert = db.prepare(
      `INSERT INTO alert_sender_lease (id, holder, program, pid, host, acquired_at, expires_at)
       VALUES (1, @holder, @program, @pid, @host, @acquired_at, @expires_at)
       ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, program = excluded.program, pid = excluded.pid,
         host = excluded.host, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
    );
    this.remove = db.prepare<[string]>('DELETE FROM alert_sender_lease WHERE id = 1 AND holder = ?');
    this.acquire = db.transaction((holder: LeaseHolder, now: number, ttlMs: number): LeaseState => {
      const row = this.select.get();
      const live = row !== undefined && row.expires_at > now;
      if (row && live && row.holder !== holder.id) return { held: false, holder: holderOf(row), until: row.expires_at };
      // Renewing keeps the start; a lease that ran out is a new one, even for the same process.
      const since = row && live ? row.acquired_at : now;
      const until = now + ttlMs;
      this.upsert.run({ holder: holder.id, program: holder.program, pid: holder.pid, host: holder.host, acquired_at: since, expires_at: until });
      return { held: true, since, until };
    });
  }

  /**
   * Takes the lease when nobody holds it or its holder's ran out, or renews this holder's own; otherwise says
   * who holds it and until when. Read and written under the write lock (BEGIN IMMEDIATE), so of two processes
   * asking at once exactly one gets it. Throws when the file stays locked past busy_timeout (5 s): the caller
   * then does not send this round (a missed alert is retried next round; a duplicate cannot be taken back).
   */
  tryAcquire(holder: LeaseHolder, now: number, ttlMs: number): LeaseState {
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) throw new RangeError(`a lease lasts a positive, finite time (got ${ttlMs} ms)`);
    return this.acquire.immediate(holder, now, ttlMs);
  }

  /** Gives the lease up (on the way out) so another process sends at once; false when this holder did not hold it. */
  release(holder: LeaseHolder): boolean {
    return this.remove.run(holder.id).changes > 0;
  }

  /** The lease as stored, without taking it (a process that never sends, such as a one-off `check`); null: none. */
  current(): { holder: LeaseHolder; since: number; until: number } | null {
    const row = this.select.get();
    return row ? { holder: holderOf(row), since: row.acquired_at, until: row.expires_at } : null;
  }

  close(): void {
    if (this.ownsConnection) this.db.close();
  }
}

function holderOf(row: LeaseRow): LeaseHolder {
  return { id: row.holder, program: row.program, pid: row.pid, host: row.host };
}

/**
 * The status line: "alerts sent by this process", or "alerts sent by serve (pid 4242 on host1) until 22:10;
 * this one stays quiet". The time is `now`'s day's clock time (with the date when another day), in `timeZone`
 * (the machine's when absent).
 */
export function describeLease(state: LeaseState, now: number, timeZone?: string): string {
  if (state.held) return 'alerts sent by this process';
  const { program, pid, host } = state.holder;
  return `alerts sent by ${program} (pid ${pid} on ${host}) until ${formatSince(state.until, now, timeZone)}; this one stays quiet`;
}
