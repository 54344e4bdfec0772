// A database's own findings (issue 15): no routine holds it; or its recovery objectives (`databases:` in the
// config) are not met: at least one passing drill no older than drillAge must have proved a recovery point within
// rpo and a restore within rto. Each message says why, in the routines' terms ("best proven recovery point 1d 2h:
// only orders-dumps (dump-dir) reaches it; the last drill of orders-pitr (pgbackrest) failed: …"). Pure.
import { DEFAULT_DRILL_AGE_MS, type DatabaseObjectives, type DatabaseRoutine, type ProvenRestore } from '../../../shared/databases';
import type { Finding } from '../../../shared/model';
import { formatDuration } from '../../../shared/units';

export interface ObjectiveFacts {
  /** "orders on orders-db" */
  label: string;
  now: number;
  objectives: DatabaseObjectives | null;
  routines: readonly DatabaseRoutine[];
  /** Passing drills of its routines within drillAge, any order. */
  recent: readonly ProvenRestore[];
  /** The newest passing drill of any routine, however old. */
  lastRestore: ProvenRestore | null;
}

export function databaseFindings(facts: ObjectiveFacts): Finding[] {
  const { label, objectives, routines } = facts;
  if (routines.length === 0) {
    return [
      {
        rule: 'database-coverage',
        status: objectives ? 'critical' : 'warning',
        message: `no backup holds ${label}: no backup source's backups hold it; link a backup source to its server with database: and dump it, or back up the whole cluster`,
        observed: null,
        limit: null,
      },
    ];
  }
  if (!objectives) return [];
  const problem = objectiveProblem(facts, objectives);
  return problem === null ? [] : [{ rule: 'database-objectives', status: 'critical', message: `${label} misses its recovery objectives: ${problem}`, observed: null, limit: null }];
}

function objectiveProblem(facts: ObjectiveFacts, objectives: DatabaseObjectives): string | null {
  const { now, recent, routines, lastRestore } = facts;
  const { rpoMs, rtoMs, drillAgeMs } = objectives;
  const states = routineStates(facts);
  if (recent.length === 0) {
    const since = lastRestore ? `no drill has restored it for ${formatDuration(now - lastRestore.at)}` : 'no drill has ever restored it';
    return `${since} (drillAge ${formatDuration(drillAgeMs)})${states ? `; ${states}` : ''}`;
  }
  const meetsRpo = (p: ProvenRestore) => rpoMs === null || (p.recoveryPointMs !== null && p.recoveryPointMs <= rpoMs);
  const meetsRto = (p: ProvenRestore) => rtoMs === null || (p.restoreMs !== null && p.restoreMs <= rtoMs);
  if (recent.some((p) => meetsRpo(p) && meetsRto(p))) return null;
  const byName = (p: ProvenRestore) => routineName(routines, p.sourceId);
  if (!recent.some(meetsRpo)) {
    const measured = recent.filter((p) => p.recoveryPointMs !== null);
    if (measured.length === 0) return `no drill within ${formatDuration(drillAgeMs)} measured a recovery point, so rpo ${formatDuration(rpoMs!)} is not proven${states ? `; ${states}` : ''}`;
    const best = measured.reduce((a, b) => (b.recoveryPointMs! < a.recoveryPointMs! ? b : a));
    const reaching = [...new Set(measured.map(byName))];
    return `best proven recovery point ${formatDuration(best.recoveryPointMs!)}, over its rpo ${formatDuration(rpoMs!)}: only ${reaching.join(' and ')} ${reaching.length === 1 ? 'reaches' : 'reach'} it within ${formatDuration(drillAgeMs)}${states ? `; ${states}` : ''}`;
  }
  if (!recent.some(meetsRto)) {
    const timed = recent.filter((p) => p.restoreMs !== null);
    if (timed.length === 0) return `no drill within ${formatDuration(drillAgeMs)} measured its restore time, so rto ${formatDuration(rtoMs!)} is not proven`;
    const fastest = timed.reduce((a, b) => (b.restoreMs! < a.restoreMs! ? b : a));
    return `the fastest restore within ${formatDuration(drillAgeMs)} took ${formatDuration(fastest.restoreMs!)} (${byName(fastest)}), over its rto ${formatDuration(rtoMs!)}`;
  }
  const rpoBy = [...new Set(recent.filter(meetsRpo).map(byName))].join(', ');
  const rtoBy = [...new Set(recent.filter(meetsRto).map(byName))].join(', ');
  return `no one drill proves both: the recovery point within ${formatDuration(rpoMs!)} came from ${rpoBy}, a restore within ${formatDuration(rtoMs!)} from ${rtoBy}`;
}

/** "the last drill of orders-pitr (pgbackrest) failed: <its message>; orders-dumps (dump-dir) was never drilled". */
function routineStates(facts: ObjectiveFacts): string {
  const window = facts.objectives?.drillAgeMs ?? DEFAULT_DRILL_AGE_MS;
  return facts.routines
    .flatMap((r) => {
      const name = `${r.sourceId} (${r.kind})`;
      if (r.lastDrill === null) return [`${name} was never drilled`];
      if (r.lastDrill.outcome !== 'pass') return [`the last drill of ${name} ${r.lastDrill.outcome === 'fail' ? 'failed' : 'could not run'}: ${r.lastDrill.message}`];
      if (r.lastDrill.at < facts.now - window) return [`${name} last passed a drill ${formatDuration(facts.now - r.lastDrill.at)} ago`];
      return [];
    })
    .join('; ');
}

function routineName(routines: readonly DatabaseRoutine[], sourceId: string): string {
  const routine = routines.find((r) => r.sourceId === sourceId);
  return routine ? `${routine.sourceId} (${routine.kind})` : sourceId;
}
