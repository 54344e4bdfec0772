// The database_events table (migrations/011-finding-spans.ts): every status change of a database, as the events
// table holds a source's. A database is not polled: the engine computes its status from its routines, its server and
// its drills (databases/), and every process that runs an engine computes it, so, as for a source, the history
// decides inside the write lock whether a judgement is a change, and the first writer stores it.
import type { Database, Statement } from 'better-sqlite3';
import type { Status } from '../../../shared/model';
import type { DatabaseJudgement, DatabaseStatusEvent, SpanFinding } from './types';

export interface DatabaseEventRow {
  id: number;
  at: number;
  database_key: string;
  from_status: Status | null;
  to_status: Status;
  findings: string;
}

export class DatabaseEventTable {
  private readonly insertEvent: Statement<[number, string, Status | null, Status, string]>;
  private readonly selectLast: Statement<[string], DatabaseEventRow>;

  constructor(db: Database) {
    this.insertEvent = db.prepare<[number, string, Status | null, Status, string]>(
      'INSERT INTO database_events (at, database_key, from_status, to_status, findings) VALUES (?, ?, ?, ?, ?)',
    );
    this.selectLast = db.prepare<[string], DatabaseEventRow>('SELECT * FROM database_events WHERE database_key = ? ORDER BY at DESC, id DESC LIMIT 1');
  }

  /**
   * Inside the write lock: whether the judgement must change nothing. It rests on statuses of sources this process
   * judged; when the history holds another last status for one of them, another process saw newer and its view
   * decides. A judgement older than the database's last change would contradict the order of observations.
   */
  stale(judgement: DatabaseJudgement, sourceStatus: (sourceId: string) => Status | null): boolean {
    if (judgement.sources.some(({ id, status }) => (sourceStatus(id) ?? status) !== status)) return true;
    const last = this.selectLast.get(judgement.key);
    return last !== undefined && judgement.at < last.at;
  }

  /** Inside the write lock, for a judgement stale() let through: the change, if any, from the last stored status. */
  write(judgement: DatabaseJudgement): DatabaseStatusEvent | null {
    const { key, at, status, findings } = judgement;
    const from = this.selectLast.get(key)?.to_status ?? null;
    if (from === status) return null;
    const { lastInsertRowid } = this.insertEvent.run(at, key, from, status, JSON.stringify(findings));
    return { id: Number(lastInsertRowid), at, databaseKey: key, from, to: status, findings };
  }
}

export function toDatabaseStatusEvent(row: DatabaseEventRow): DatabaseStatusEvent {
  return { id: row.id, at: row.at, databaseKey: row.database_key, from: row.from_status, to: row.to_status, findings: JSON.parse(row.findings) as SpanFinding[] };
}
