// A source's page: its summary, the charts' series over the range (backup age, stored size, each backup's size
// with the anomalies the size rule sees, drills) and its status changes, each series thinned to what a chart
// can show (MAX_CHART_POINTS), failures always kept. For kinds that keep WAL, the recoverable window at each
// poll (one point per time bucket, the worst of it) and the newest poll's view of the archive.
import { RANGES, MAX_CHART_POINTS, type BackupPoint, type DrillPoint, type RangeId, type SourceDetail, type WalArchiveView, type WalWindowPoint } from '../../shared/api';
import type { SourceConfig } from '../../shared/config';
import type { Drill, Poll } from '../../shared/model';
import { recoveryReached } from '../../shared/recovery-words';
import { isDrillable, type Engine } from './engine';
import { thin } from './chart-thin';
import { sizeAnomaly } from './health/size-anomalies';
import { sourceModule, STORED_BYTES_LABEL } from './sources/index';
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
    maxRecoveryPointMs: 'maxRecoveryPoint' in source ? (source.maxRecoveryPoint ?? null) : null,
    ...walArchiveSeries(store, source, from, to),
  };
}

/** The poll's WAL archive view, or undefined when its metrics hold none (a failed poll, a poll from before it was listed). */
function walOf(poll: Poll | null): WalArchiveView | undefined {
  const metrics = poll?.metrics ?? null;
  if (poll === null || metrics === null || !('walArchive' in metrics) || metrics.walArchive === undefined) return undefined;
  return { at: poll.at, summary: metrics.walArchive, error: metrics.walArchive === null ? (metrics.walArchiveError ?? null) : null };
}

/**
 * The recoverable window at each poll of [from, to], at most MAX_CHART_POINTS / 2 points (a band has two
 * edges): per time bucket the poll with the most segments missing, else the bucket's last poll, so a gap is
 * never thinned away. The store reduces them from its index of each poll's window (store/wal-windows.ts); the
 * page never gets them raw, and only the newest poll's metrics are read whole.
 */
export function walArchiveSeries(store: HistoryStore, source: SourceConfig, from: number, to: number): { walWindows: WalWindowPoint[]; walArchive: WalArchiveView | null } {
  if (!sourceModule(source).keepsWal) return { walWindows: [], walArchive: null };
  const walWindows = store.walWindowSeries(source.id, { from, to, buckets: MAX_CHART_POINTS / 2 });
  // Nothing judged the archive in the range: the newest poll may still have (a source polled long ago).
  const newest = walOf(store.newestWalArchivePoll(source.id, { from, to })) ?? walOf(store.latestPoll(source.id));
  return { walWindows, walArchive: newest ?? null };
}

/** Up to `count` backups of `type` before `index` (history is oldest first). */
function sameTypeBefore<T extends { type: string }>(history: T[], index: number, type: string, count: number): T[] {
  const found: T[] = [];
  for (let i = index - 1; i >= 0 && found.length < count; i--) if (history[i]!.type === type) found.unshift(history[i]!);
  return found;
}

function drillPoint(drill: Drill): DrillPoint {
  return {
    ...(drill.recovery ? { recovery: recoveryReached(drill.recovery) } : {}),
    ...(drill.provenance ? { provenance: drill.provenance } : {}),
    id: drill.id ?? 0,
    finishedAt: drill.finishedAt,
    outcome: drill.outcome,
    restoreMs: drill.restoreMs,
    durationMs: drill.finishedAt - drill.startedAt,
    backupKey: drill.backupKey,
    message: drill.message,
  };
}
