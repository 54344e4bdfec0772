// Each source's figures for /metrics, read from what the dashboard already shows (the engine's summaries: status,
// newest backup, last passing restore) and the history (the newest poll, failed polls in a row), with the limits
// the config sets. Reads only: a scrape never polls, judges anew when the engine already has, or writes.
import type { Config, SourceConfig } from '../../shared/config';
import type { SourceSummary } from '../../shared/model';
import type { HistoryStore } from '../engine/store/types';
import type { SourceMetricsSample } from './metrics';

/** What the samples are read from: an Engine and its History fit. */
export interface MetricsSourcesOptions {
  engine: { summaries(): SourceSummary[]; readonly currentConfig: Config };
  store: Pick<HistoryStore, 'latestPoll' | 'consecutiveFailures'>;
}

export function sourceMetricsSamples({ engine, store }: MetricsSourcesOptions): SourceMetricsSample[] {
  const config = engine.currentConfig;
  const configs = new Map(config.sources.map((source) => [source.id, source]));
  return engine.summaries().map((summary) => {
    const source = configs.get(summary.id);
    const poll = store.latestPoll(summary.id);
    return {
      id: summary.id,
      kind: summary.kind,
      status: summary.status,
      newestBackup: summary.newestBackup && { finishedAt: summary.newestBackup.finishedAt, sizeBytes: summary.newestBackup.sizeBytes },
      lastRestore: summary.lastRestore && { at: summary.lastRestore.at, restoreMs: summary.lastRestore.restoreMs },
      consecutiveFailures: poll === null || poll.ok ? 0 : store.consecutiveFailures(summary.id),
      lastProbe: poll && { at: poll.at, durationMs: poll.durationMs },
      backupMaxAgeMs: source && source.kind !== 'postgres' ? (source.maxAge ?? config.defaults.maxAge) : null,
      restoreMaxAgeMs: (source && drillMaxAge(source)) ?? null,
    };
  });
}

function drillMaxAge(source: SourceConfig): number | undefined {
  return 'drill' in source ? source.drill?.maxAge : undefined;
}
