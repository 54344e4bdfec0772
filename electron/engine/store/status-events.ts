// The events table: every status change of a source, written inside History's write lock, read for timelines.
import type { Database, Statement } from 'better-sqlite3';
import type { Finding, Status, StatusEvent } from '../../../shared/model';
import { NO_LIMIT, type StatusJudgement } from './types';


interface LastEventRow {
  at: number;
  to_status: Status;
}

export interface EventRow {
  id: number;
  at: number;
  source_id: string;
  from_status: Status | null;
  to_status: Status;
  findings: string;
}

export class StatusEventTable {
  private readonly insertEvent: Statement;
  private readonly selectLastStatus: Statement<[string], Status>;
  private readonly selectLastEvent: Statement<[string], LastEventRow>;
  private readonly selectNewestPollAt: Statement<[string], number | null>;
  private readonly selectEvents: Statement<[number, number], EventRow>;
  private readonly selectSourceEvents: Statement<[string, number, number], EventRow>;
  private readonly selectEventsAfter: Statement<[string, number], EventRow>;
  private readonly selectLastEventId: Statement<[string], number | null>;

  constructor(db: Database) {
    this.insertEvent = db.prepare(
      'INSERT INTO events (at, source_id, from_status, to_status, findings) VALUES (?, ?, ?, ?, ?)',
    );
    this.selectLastStatus = db
      .prepare<[string], Status>('SELECT to_status FROM events WHERE source_id = ? ORDER BY at DESC, id DESC LIMIT 1')
      .pluck();
    this.selectLastEvent = db.prepare<[string], LastEventRow>(
      'SELECT at, to_status FROM events WHERE source_id = ? ORDER BY at DESC, id DESC LIMIT 1',
    );
    this.selectNewestPollAt = db.prepare<[string], number | null>('SELECT MAX(at) FROM polls WHERE source_id = ?').pluck();
    this.selectEvents = db.prepare<[number, number], EventRow>(
      'SELECT * FROM events WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?',
    );
    this.selectSourceEvents = db.prepare<[string, number, number], EventRow>(
      'SELECT * FROM events WHERE source_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?',
    );
    this.selectEventsAfter = db.prepare<[string, number], EventRow>('SELECT * FROM events WHERE source_id = ? AND id > ? ORDER BY id LIMIT 1000');
    this.selectLastEventId = db.prepare<[string], number | null>('SELECT MAX(id) FROM events WHERE source_id = ?').pluck();
  }

  /**
   * Inside the write lock: whether a newer observation already decided, so the judgement must change nothing (no
   * event, no finding span).
   */
  stale(judgement: Pick<StatusJudgement, 'sourceId' | 'at' | 'polledAt'>): boolean {
    const { sourceId, at, polledAt } = judgement;
    const newestPollAt = this.selectNewestPollAt.get(sourceId) ?? null;
    // Another process polled this source after the poll this judgement rests on: its newer view decides.
    if (newestPollAt !== null && (polledAt === null || polledAt < newestPollAt)) return true;
    const last = this.selectLastEvent.get(sourceId);
    // Observed before the last change was, written late: a change now would contradict the order of observations.
    return last !== undefined && at < last.at;
  }

  /**
   * Inside the write lock, for a judgement stale() let through: the change (if any) from the source's last stored
   * status, whoever stored it. Every process that polls a source judges it, so the first to write a change stores it
   * and the others find it already there; events of a source are stored in the order of their observation times.
   */
  write(judgement: StatusJudgement): StatusEvent | null {
    const { sourceId, at, status, findings } = judgement;
    const from = this.lastStatus(sourceId);
    if (from === status) return null;
    const { lastInsertRowid } = this.insertEvent.run(at, sourceId, from, status, JSON.stringify(findings));
    return { id: Number(lastInsertRowid), at, sourceId, from, to: status, findings };
  }

  lastStatus(sourceId: string): Status | null {
    return this.selectLastStatus.get(sourceId) ?? null;
  }

  after(sourceId: string, afterId: number): StatusEvent[] {
    return this.selectEventsAfter.all(sourceId, afterId).map(toStatusEvent);
  }

  lastId(sourceId: string): number {
    return this.selectLastEventId.get(sourceId) ?? 0;
  }

  /** Newest first, for a timeline; `limit` keeps the newest ones. */
  recent(opts: { sourceId?: string; since?: number; limit?: number }): StatusEvent[] {
    const since = opts.since ?? 0;
    const limit = opts.limit ?? NO_LIMIT;
    const rows =
      opts.sourceId === undefined
        ? this.selectEvents.all(since, limit)
        : this.selectSourceEvents.all(opts.sourceId, since, limit);
    return rows.map(toStatusEvent);
  }
}

export function toStatusEvent(row: EventRow): StatusEvent {
  return {
    id: row.id,
    at: row.at,
    sourceId: row.source_id,
    from: row.from_status,
    to: row.to_status,
    findings: JSON.parse(row.findings) as Finding[],
  };
}
