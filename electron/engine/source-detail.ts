// A source's page: its summary, the charts' series over the range (backup age, stored size, each backup's size
// with the anomalies the size rule sees, drills) and its status changes, each series thinned to what a chart
// can show (MAX_CHART_POINTS), failures always kept.
import { RANGES, MAX_CHART_POINTS, type BackupPoint, type RangeId, type SourceDetail } from '../../shared/api';
import type { SourceConfig } from '../../shared/config';
import type { Drill } from '../../shared/model';
import { isDrillable, type Engine } from './engine';
import { sizeAnomaly } from './health/size-anomalies';
import { STORED_BYTES_LABEL } from './sources/index';
import type { HistoryStore } from './store/types';

export interface SourceDetailInput {
  engine: Engine;
  store: HistoryStore;
  source: SourceConfig;
  range: RangeId;
  now: number;
}

export function sourceDetail({ engine, store, source, range, now }: SourceDetailInput): SourceDetail {
  const to = now;
  const from = to - RANGES[range];
  const summary = engine.summary(source.id);
  const config = engine.currentConfig;
  const backupSource = source.kind === 'postgres' ? null : source;
  const minSize = backupSource?.minSize;
  // Oldest first, with enough earlier backups before `from` for the first ones' medians.
  const history = store.backups(source.id, { limit: 100_000 }).reverse();
  const firstInRange = history.findIndex((b) => b.finishedAt >= from);
  const inRange = firstInRange === -1 ? [] : history.slice(firstInRange);
  const backups: BackupPoint[] = thin(inRange, MAX_CHART_POINTS, (b) => !b.readable).map((b) => {
    const index = history.indexOf(b);
    return {
      key: b.key,
      finishedAt: b.finishedAt,
      sizeBytes: b.sizeBytes,
      readable: b.readable,
      problem: b.problem ?? null,
      // The earlier backups of the same type (fulls against fulls), as the size rule compares them.
      anomaly: sizeAnomaly(b, sameTypeBefore(history, index, b.type, 8), minSize),
    };
  });
  const drills = thin(store.drills(source.id, { since: from }).reverse(), MAX_CHART_POINTS, (d) => d.outcome !== 'pass').map(drillPoint);
  return {
    summary,
    range,
    from,
    to,
    maxAgeMs: backupSource ? (backupSource.maxAge ?? config.defaults.maxAge) : null,
    ageSeries: store.backupAgeSeries(source.id, { from, to, maxPoints: MAX_CHART_POINTS }),
    storedSeries: store.storedSeries(source.id, { from, to, maxPoints: MAX_CHART_POINTS }),
    storedLabel: STORED_BYTES_LABEL[source.kind],
    backups,
    drills,
    events: store.events({ sourceId: source.id, since: from, limit: 500 }),
    findings: summary.findings,
    drillable: isDrillable(source),
  };
}

/** Up to `count` backups of `type` before `index` (history is oldest first). */
function sameTypeBefore<T extends { type: string }>(history: T[], index: number, type: string, count: number): T[] {
  const found: T[] = [];
  for (let i = index - 1; i >= 0 && found.length < count; i--) if (history[i]!.type === type) found.unshift(history[i]!);
  return found;
}

/** At most `max` items, evenly spread, always keeping the ones `keep` marks (failures stand out). */
function thin<T>(items: T[], max: number, keep: (item: T) => boolean): T[] {
  if (items.length <= max) return items;
  const step = items.length / max;
  return items.filter((item, i) => keep(item) || Math.floor(i / step) !== Math.floor((i - 1) / step) || i === items.length - 1);
}

function drillPoint(drill: Drill) {
  return {
    id: drill.id ?? 0,
    finishedAt: drill.finishedAt,
    outcome: drill.outcome,
    restoreMs: drill.restoreMs,
    durationMs: drill.finishedAt - drill.startedAt,
    backupKey: drill.backupKey,
    message: drill.message,
  };
}
