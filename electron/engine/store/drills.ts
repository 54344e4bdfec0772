// The drills table: every restore drill, its outcome and its evidence.
import type { Database, Statement } from 'better-sqlite3';
import type { Drill, DrillOutcome } from '../../../shared/model';

export interface DrillRow {
  id: number;
  source_id: string;
  backup_key: string;
  started_at: number;
  finished_at: number;
  outcome: DrillOutcome;
  restore_ms: number | null;
  tables: number;
  rows: number;
  restored_bytes: number | null;
  message: string;
  detail: string;
}

type DrillDetail = Pick<Drill, 'phases' | 'checks' | 'restoredWith' | 'tableDetails' | 'safety' | 'database' | 'warnings' | 'recovery' | 'provenance'>;

export class DrillTable {
  private readonly insert: Statement;
  private readonly selectRecent: Statement<[string, number, number], DrillRow>;
  private readonly selectLastPassing: Statement<[string], DrillRow>;

  constructor(private readonly db: Database) {
    this.insert = db.prepare(
      `INSERT INTO drills (source_id, backup_key, started_at, finished_at, outcome, restore_ms, tables, rows,
         restored_bytes, message, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.selectRecent = db.prepare(
      'SELECT * FROM drills WHERE source_id = ? AND finished_at >= ? ORDER BY finished_at DESC, id DESC LIMIT ?',
    );
    this.selectLastPassing = db.prepare(
      "SELECT * FROM drills WHERE source_id = ? AND outcome = 'pass' ORDER BY finished_at DESC, id DESC LIMIT 1",
    );
  }

  record(drill: Drill): Drill {
    const detail: DrillDetail = { phases: drill.phases, checks: drill.checks, restoredWith: drill.restoredWith ?? null, tableDetails: drill.tableDetails ?? [], ...(drill.safety ? { safety: drill.safety } : {}), ...(drill.database != null ? { database: drill.database } : {}), ...(drill.warnings?.length ? { warnings: drill.warnings } : {}), ...(drill.recovery ? { recovery: drill.recovery } : {}), ...(drill.provenance ? { provenance: drill.provenance } : {}) };
    const write = this.db.transaction(() =>
      this.insert.run(
        drill.sourceId,
        drill.backupKey,
        drill.startedAt,
        drill.finishedAt,
        drill.outcome,
        drill.restoreMs,
        drill.tables,
        drill.rows,
        drill.restoredBytes,
        drill.message,
        JSON.stringify(detail),
      ),
    );
    const { lastInsertRowid } = write.immediate();
    return { ...drill, id: Number(lastInsertRowid) };
  }

  /** Newest first. */
  recent(sourceId: string, opts: { since?: number; limit?: number } = {}): Drill[] {
    return this.selectRecent.all(sourceId, opts.since ?? 0, opts.limit ?? 1000).map(fromRow);
  }

  lastPassing(sourceId: string): Drill | null {
    const row = this.selectLastPassing.get(sourceId);
    return row ? fromRow(row) : null;
  }
}

export function fromRow(row: DrillRow): Drill {
  const detail = JSON.parse(row.detail) as DrillDetail;
  return {
    id: row.id,
    sourceId: row.source_id,
    backupKey: row.backup_key,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outcome: row.outcome,
    restoreMs: row.restore_ms,
    tables: row.tables,
    rows: row.rows,
    restoredBytes: row.restored_bytes,
    message: row.message,
    ...detail,
  };
}
