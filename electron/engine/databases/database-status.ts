// A database's status as the history records it (issue 17): its row (database-index.ts) turned into a judgement the
// store compares with the last one it holds (store/database-events.ts). Its findings are what makes it not ok: its
// own (coverage, objectives), its server's archiving and standbys, and each routine not ok, by the routine's own
// status and worst message, so a report says which routine kept the database down and when it stopped. Pure.
import type { DatabaseSummary } from '../../../shared/databases';
import type { Status } from '../../../shared/model';
import type { DatabaseJudgement, SpanFinding } from '../store/types';

/** The rule of a routine's finding on a database: one span per routine, whatever its own rules. */
export const routineRule = (sourceId: string): string => `routine:${sourceId}`;

/** `sourceStatus`: a source's whole status as this process judged it (the server's, beyond its archiving and standbys). */
export function databaseJudgement(db: DatabaseSummary, at: number, sourceStatus: (sourceId: string) => Status): DatabaseJudgement {
  const findings: SpanFinding[] = [
    ...db.findings.map(({ rule, status, message }) => ({ rule, status, message })),
    ...(db.server?.findings ?? []).map(({ rule, status, message }) => ({ rule, status, message: `${db.server!.name}: ${message}` })),
    ...db.routines.filter((r) => r.status !== 'ok').map((r) => ({ rule: routineRule(r.sourceId), status: r.status, message: `${r.name}: ${r.finding ?? r.status}` })),
  ];
  const sources = [...db.routines.map((r) => ({ id: r.sourceId, status: r.status })), ...(db.server ? [{ id: db.server.id, status: sourceStatus(db.server.id) }] : [])];
  return { key: db.key, at, status: db.status, findings: findings.filter((f) => f.status !== 'ok'), sources };
}
