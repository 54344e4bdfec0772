// Each source's figures for /metrics, read from what the dashboard already shows (the engine's summaries: status,
// newest backup, last passing restore and the recovery point it reached) and the history (the newest poll's
// duration, failed polls in a row, WAL segments missing from the archive), with the limits the config sets. Reads only: a scrape never polls, judges anew when the engine already has, or writes.
import type { Config, SourceConfig } from '../../shared/config';
import type { SourceSummary } from '../../shared/model';
import type { HistoryStore } from '../engine/store/types';
import type { DatabaseMetricsSample, SourceMetricsSample } from './metrics';
import type { DatabaseSummary } from '../../shared/databases';
import { walArchiveOf } from '../engine/health/wal-rules';

/** What the samples are read from: an Engine and its History fit. */
export interface MetricsSourcesOptions {
  engine: { summaries(): SourceSummary[]; readonly currentConfig: Config };
  store: Pick<HistoryStore, 'latestPoll' | 'consecutiveFailures'>;
}

type PollFigures = Pick<SourceMetricsSample, 'lastProbe' | 'consecutiveFailures' | 'walMissingSegments'>;

/**
 * Reads the samples for each scrape. The history is asked about a source's newest poll only when the engine has
 * judged a newer one than last time: Prometheus scrapes far more often than sources are polled, and 1,000 sources
 * must scrape within 50 ms (test/bench/metrics.ts).
 */
export class SourceMetricsReader {
  private figures = new Map<string, { pollAt: number; figures: PollFigures }>();

  constructor(private readonly options: MetricsSourcesOptions) {}

  samples(): SourceMetricsSample[] {
    const { engine } = this.options;
    const config = engine.currentConfig;
    const configs = new Map(config.sources.map((source) => [source.id, source]));
    const seen = new Map<string, { pollAt: number; figures: PollFigures }>();
    const samples = engine.summaries().map((summary): SourceMetricsSample => {
      const source = configs.get(summary.id);
      const figures = this.pollFigures(summary, seen);
      return {
        id: summary.id,
        kind: summary.kind,
        status: summary.status,
        newestBackup: summary.newestBackup && { finishedAt: summary.newestBackup.finishedAt, sizeBytes: summary.newestBackup.sizeBytes },
        lastRestore: summary.lastRestore && { at: summary.lastRestore.at, restoreMs: summary.lastRestore.restoreMs },
        ...figures,
        backupMaxAgeMs: source && source.kind !== 'postgres' ? (source.maxAge ?? config.defaults.maxAge) : null,
        restoreMaxAgeMs: (source && drillMaxAge(source)) ?? null,
        // undefined, not null, where no drill measured one: those samples stay as they were.
        recoveryPointMs: summary.lastRestore?.recovery?.recoveryPointMs ?? undefined,
      };
    });
    // Removed sources drop out with the scrape that no longer lists them.
    this.figures = seen;
    return samples;
  }

  private pollFigures(summary: SourceSummary, seen: Map<string, { pollAt: number; figures: PollFigures }>): PollFigures {
    const kept = this.figures.get(summary.id);
    if (kept && summary.lastPollAt !== null && kept.pollAt === summary.lastPollAt) {
      seen.set(summary.id, kept);
      return kept.figures;
    }
    const { store } = this.options;
    const poll = store.latestPoll(summary.id);
    const figures: PollFigures = {
      lastProbe: poll && { at: poll.at, durationMs: poll.durationMs },
      consecutiveFailures: poll === null || poll.ok ? 0 : store.consecutiveFailures(summary.id),
      // undefined, not null, for kinds without WAL: their samples stay as they were.
      walMissingSegments: (poll?.ok ? walMissingSegments(poll.metrics) : null) ?? undefined,
    };
    // Kept only once the history holds the poll the engine judged (it records a round after observing it).
    if (poll !== null && poll.at === summary.lastPollAt) seen.set(summary.id, { pollAt: poll.at, figures });
    return figures;
  }
}

/** Missing segments of a kind that keeps WAL (its metrics carry a WAL archive summary); null for the others. */
function walMissingSegments(metrics: unknown): number | null {
  const summary = walArchiveOf(metrics);
  return summary ? summary.missingSegments : null;
}

function drillMaxAge(source: SourceConfig): number | undefined {
  return 'drill' in source ? source.drill?.maxAge : undefined;
}

/** Each database's figures for /metrics, from the engine's databases view (electron/engine/databases/). */
export function databaseMetricsSamples(databases: readonly DatabaseSummary[]): DatabaseMetricsSample[] {
  return databases.map((d) => ({
    database: d.name ?? d.key,
    server: d.server?.id ?? '',
    status: d.status,
    objectivesMet: d.objectives === null ? null : !d.findings.some((f) => f.rule === 'database-objectives' || f.rule === 'database-coverage'),
    bestRecoveryPointMs: d.bestRecoveryPoint?.recoveryPointMs ?? null,
    lastRestoreAt: d.lastRestore?.at ?? null,
    routines: d.routines.length,
  }));
}
