// One database's page (issue 15): every routine's backups and the drills that restored it on one time axis,
// with what each drill proved (restore time, recovery point), thinned to what a chart can show, failures kept;
// and the age of its newest backup of any routine over time, from the finish times of the backups that hold it.
import { MAX_CHART_POINTS, RANGES, type DatabaseBackupMark, type DatabaseDetail, type DatabaseDrillMark, type RangeId } from '../../../shared/api';
import type { DatabaseSummary } from '../../../shared/databases';
import type { HistoryStore } from '../store/types';
import { thin } from '../chart-thin';
import { proven, restoredIt } from './database-index';

export interface DatabaseDetailInput {
  summary: DatabaseSummary;
  store: Pick<HistoryStore, 'backups' | 'drills' | 'databaseBackupAgeSeries'>;
  range: RangeId;
  now: number;
}

/** How many backups of one routine the page reads at most (a year of hourly dumps). */
const BACKUPS_READ = 10_000;

export function databaseDetail({ summary, store, range, now }: DatabaseDetailInput): DatabaseDetail {
  const to = now;
  const from = to - RANGES[range];
  const backups: DatabaseBackupMark[] = [];
  const drills: DatabaseDrillMark[] = [];
  const finishedAt = new Map<string, number>();
  for (const routine of summary.routines) {
    const history = store.backups(routine.sourceId, { limit: BACKUPS_READ }).reverse();
    for (const b of history) finishedAt.set(`${routine.sourceId}\0${b.key}`, b.finishedAt);
    // A routine holding dumps of several databases: only the dumps of this one are its marks.
    const ofThis = routine.everyDrill ? history : history.filter((b) => b.meta?.header?.dbName === summary.name || (b.meta?.databases ?? []).includes(summary.name ?? ''));
    const inRange = ofThis.filter((b) => b.finishedAt >= from && b.finishedAt <= to);
    for (const b of thin(inRange, MAX_CHART_POINTS, (x) => !x.readable)) backups.push({ sourceId: routine.sourceId, key: b.key, finishedAt: b.finishedAt, sizeBytes: b.sizeBytes, readable: b.readable });
    for (const d of store.drills(routine.sourceId, { since: from })) {
      if (!restoredIt(d, routine.everyDrill, summary.name)) continue;
      const proof = proven(d, { backupFinishedAt: (sourceId, key) => finishedAt.get(`${sourceId}\0${key}`) ?? null });
      drills.push({
        sourceId: routine.sourceId,
        id: d.id ?? 0,
        finishedAt: d.finishedAt,
        outcome: d.outcome,
        backupKey: d.backupKey,
        restoreMs: d.restoreMs,
        recoveryPointMs: d.outcome === 'pass' ? proof.recoveryPointMs : null,
        message: d.message,
      });
    }
  }
  backups.sort((a, b) => a.finishedAt - b.finishedAt);
  drills.sort((a, b) => a.finishedAt - b.finishedAt);
  // As the marks: a routine holding dumps of several databases counts only this one's (billing dumped last night
  // does not make orders fresh).
  const ofDatabase = summary.routines.map((r) => ({ sourceId: r.sourceId, database: r.everyDrill ? null : (summary.name ?? '') }));
  const ageSeries = store.databaseBackupAgeSeries(ofDatabase, { from, to, maxPoints: MAX_CHART_POINTS });
  return { summary, range, from, to, backups, drills: thin(drills, MAX_CHART_POINTS, (d) => d.outcome !== 'pass'), ageSeries };
}
