// The policies table (migrations/010-policies.ts): a subject's judging limits each time they changed, so a report
// judges each moment by the policy in force then. Written only when a subject's policy differs from its last row.
import type { Database, Statement } from 'better-sqlite3';

/** One subject's policy as the config gave it: `policy` is the JSON of its judging fields (report/policy.ts). */
export interface PolicyEntry {
  subject: string;
  policy: Record<string, unknown>;
}

/** A stored change: from `at` on, `policy` was in force (null: the subject was no longer in the config). */
export interface PolicyChange {
  subject: string;
  at: number;
  policy: Record<string, unknown> | null;
}

interface PolicyRow {
  subject: string;
  at: number;
  policy: string | null;
}

export class PolicyTable {
  private readonly selectLatest: Statement<[], PolicyRow>;
  private readonly insert: Statement<[string, number, string | null]>;
  private readonly selectUntil: Statement<[number], PolicyRow>;
  private readonly recordTransaction;

  constructor(db: Database) {
    this.selectLatest = db.prepare<[], PolicyRow>('SELECT subject, at, policy FROM policies WHERE id IN (SELECT max(id) FROM policies GROUP BY subject)');
    this.insert = db.prepare<[string, number, string | null]>('INSERT INTO policies (subject, at, policy) VALUES (?, ?, ?)');
    this.selectUntil = db.prepare<[number], PolicyRow>('SELECT subject, at, policy FROM policies WHERE at <= ? ORDER BY subject, at, id');
    this.recordTransaction = db.transaction((at: number, entries: readonly PolicyEntry[]) => {
      const latest = new Map(this.selectLatest.all().map((row) => [row.subject, row.policy]));
      const changes: PolicyChange[] = [];
      const present = new Set<string>();
      for (const { subject, policy } of entries) {
        present.add(subject);
        const json = JSON.stringify(policy);
        if (latest.get(subject) === json) continue;
        this.insert.run(subject, at, json);
        changes.push({ subject, at, policy });
      }
      for (const [subject, json] of latest) {
        if (json === null || present.has(subject)) continue;
        this.insert.run(subject, at, null);
        changes.push({ subject, at, policy: null });
      }
      return changes;
    });
  }

  /**
   * Records, in one IMMEDIATE transaction, each subject whose policy differs from its last stored one, and the
   * removal of each subject no longer among `entries`; returns what it stored. Loading the same config again
   * stores nothing.
   */
  record(at: number, entries: readonly PolicyEntry[]): PolicyChange[] {
    return this.recordTransaction.immediate(at, entries);
  }

  /** Every change up to `until`, by subject then time. */
  changes(until: number): PolicyChange[] {
    return this.selectUntil.all(until).map((row) => ({ subject: row.subject, at: row.at, policy: row.policy === null ? null : (JSON.parse(row.policy) as Record<string, unknown>) }));
  }
}
