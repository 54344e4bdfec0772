// The finding_spans table (migrations/011-finding-spans.ts): when each rule of a source or a database went below ok
// and when it was ok again. Written inside the write transaction that stores the subject's judgement, after the
// caller found it not stale (status-events.ts, database-events.ts), so several processes judging one subject write
// each span once.
import type { Database, Statement } from 'better-sqlite3';
import { databaseAlertId } from '../../../shared/databases';
import { STATUS_SEVERITY, type Status } from '../../../shared/model';
import type { FindingSpan, SpanFinding } from './types';

/** A database's spans beside the sources': "database:<key>", as alerts name it (source ids never hold a colon). */
export const databaseSpanSubject = (key: string): string => databaseAlertId(key);

interface SpanRow {
  id: number;
  subject: string;
  rule: string;
  status: Status;
  message: string;
  opened_at: number;
  fixed_at: number | null;
}

export class FindingSpanTable {
  private readonly selectOpen: Statement<[string], SpanRow>;
  private readonly selectNewestAt: Statement<[string], number | null>;
  private readonly insert: Statement<[string, string, Status, string, number]>;
  private readonly worsen: Statement<[Status, string, number]>;
  private readonly fix: Statement<[number, number]>;
  private readonly selectDuring: Statement<[string, number, number], SpanRow>;

  constructor(db: Database) {
    this.selectOpen = db.prepare<[string], SpanRow>('SELECT * FROM finding_spans WHERE subject = ? AND fixed_at IS NULL ORDER BY id');
    this.selectNewestAt = db.prepare<[string], number | null>('SELECT MAX(MAX(opened_at), IFNULL(MAX(fixed_at), 0)) FROM finding_spans WHERE subject = ?').pluck();
    this.insert = db.prepare<[string, string, Status, string, number]>('INSERT INTO finding_spans (subject, rule, status, message, opened_at) VALUES (?, ?, ?, ?, ?)');
    this.worsen = db.prepare<[Status, string, number]>('UPDATE finding_spans SET status = ?, message = ? WHERE id = ?');
    this.fix = db.prepare<[number, number]>('UPDATE finding_spans SET fixed_at = ? WHERE id = ?');
    this.selectDuring = db.prepare<[string, number, number], SpanRow>(
      'SELECT * FROM finding_spans WHERE subject = ? AND opened_at <= ? AND (fixed_at IS NULL OR fixed_at >= ?) ORDER BY opened_at, id',
    );
  }

  /**
   * Inside the write transaction, for a judgement the caller found not stale: opens a span for each rule newly below
   * ok, keeps an open one's worst status and message, and closes (fixed at `at`) each open span whose rule is ok or
   * gone. A judgement older than the subject's newest opening or fix changes nothing: a newer observation decided.
   */
  write(subject: string, at: number, findings: readonly SpanFinding[]): void {
    const newestAt = this.selectNewestAt.get(subject) ?? null;
    if (newestAt !== null && at < newestAt) return;
    const below = new Map<string, SpanFinding>();
    for (const finding of findings) {
      if (finding.status === 'ok') continue;
      const seen = below.get(finding.rule);
      if (!seen || STATUS_SEVERITY[finding.status] > STATUS_SEVERITY[seen.status]) below.set(finding.rule, finding);
    }
    for (const span of this.selectOpen.all(subject)) {
      const now = below.get(span.rule);
      below.delete(span.rule);
      if (!now) this.fix.run(at, span.id);
      else if (STATUS_SEVERITY[now.status] > STATUS_SEVERITY[span.status]) this.worsen.run(now.status, now.message, span.id);
    }
    for (const finding of below.values()) this.insert.run(subject, finding.rule, finding.status, finding.message, at);
  }

  /** The subject's spans open at any time of [from, to], oldest first. */
  during(subject: string, from: number, to: number): FindingSpan[] {
    return this.selectDuring.all(subject, to, from).map(toFindingSpan);
  }
}

function toFindingSpan(row: SpanRow): FindingSpan {
  return { subject: row.subject, rule: row.rule, status: row.status, message: row.message, openedAt: row.opened_at, fixedAt: row.fixed_at };
}
