// The samples /metrics reads for each source: the engine's summary (status, newest backup, last passing restore),
// the history's newest poll and failed polls in a row, the config's limits; the history asked again only when
// the engine has judged a newer poll.
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig, type Config } from '../../../shared/config';
import type { Poll, SourceSummary } from '../../../shared/model';
import { History } from '../../../electron/engine/store/history';
import { SourceMetricsReader } from '../../../electron/server/metrics-sources';

const T = 1_700_000_000_000;
const HOUR = 3_600_000;

function config(): Config {
  const validated = validateConfig({
    defaults: { maxAge: '30h' },
    sources: [
      { id: 'nightly', kind: 'dump-dir', path: '/srv/dumps', drill: { maxAge: '8d' } },
      { id: 'weekly', kind: 'dump-dir', path: '/srv/weekly', maxAge: '8d' },
      { id: 'orders-db', kind: 'postgres', url: 'postgresql://monitor@db1/orders' },
    ],
  });
  if (!validated.ok) throw new Error(JSON.stringify(validated.problems));
  return validated.config;
}

function summary(id: string, kind: SourceSummary['kind'], lastPollAt: number | null, extra: Partial<SourceSummary> = {}): SourceSummary {
  return { id, name: id, kind, status: 'ok', findings: [], lastPollAt, newestBackup: null, lastRestore: null, ...extra };
}

function poll(sourceId: string, at: number, ok: boolean, durationMs = 40): Poll {
  return {
    sourceId,
    at,
    durationMs,
    ok,
    error: ok ? null : { code: 'timeout', message: 'db1:5432 did not answer within 10s' },
    metrics: null,
    newestBackupAt: null,
    newestBackupSize: null,
    storedBytes: null,
    status: ok ? 'ok' : 'unknown',
  };
}

/** The history, counting how often the reader asks it. */
function countingStore(history: History) {
  const asked = { latestPoll: 0, consecutiveFailures: 0 };
  return {
    asked,
    store: {
      latestPoll: (id: string) => (asked.latestPoll++, history.latestPoll(id)),
      consecutiveFailures: (id: string) => (asked.consecutiveFailures++, history.consecutiveFailures(id)),
    },
  };
}

let history: History | undefined;
afterEach(() => history?.close());

describe('SourceMetricsReader', () => {
  it("reads each source's summary, newest poll, failures in a row and limits", () => {
    history = History.open(':memory:');
    history.recordPolls([poll('nightly', T, true, 1250), poll('orders-db', T - 2 * HOUR, true), poll('orders-db', T - HOUR, false), poll('orders-db', T, false, 10_000)].map((p) => ({ poll: p, backups: [] })));
    const summaries = [
      summary('nightly', 'dump-dir', T, { status: 'warning', newestBackup: { key: 'n.dump', finishedAt: T - HOUR, sizeBytes: 1234, readable: true }, lastRestore: { at: T - 24 * HOUR, restoreMs: 5000, backupKey: 'n.dump' } }),
      summary('weekly', 'dump-dir', null, { status: 'unknown' }),
      summary('orders-db', 'postgres', T, { status: 'critical' }),
    ];
    const reader = new SourceMetricsReader({ engine: { summaries: () => summaries, currentConfig: config() }, store: history });
    expect(reader.samples()).toEqual([
      { id: 'nightly', kind: 'dump-dir', status: 'warning', newestBackup: { finishedAt: T - HOUR, sizeBytes: 1234 }, lastRestore: { at: T - 24 * HOUR, restoreMs: 5000 }, consecutiveFailures: 0, lastProbe: { at: T, durationMs: 1250 }, backupMaxAgeMs: 30 * HOUR, restoreMaxAgeMs: 8 * 24 * HOUR },
      { id: 'weekly', kind: 'dump-dir', status: 'unknown', newestBackup: null, lastRestore: null, consecutiveFailures: 0, lastProbe: null, backupMaxAgeMs: 8 * 24 * HOUR, restoreMaxAgeMs: null },
      { id: 'orders-db', kind: 'postgres', status: 'critical', newestBackup: null, lastRestore: null, consecutiveFailures: 2, lastProbe: { at: T, durationMs: 10_000 }, backupMaxAgeMs: null, restoreMaxAgeMs: null },
    ]);
  });

  it('asks the history again only when the engine has judged a newer poll, and only once the history holds it', () => {
    history = History.open(':memory:');
    history.recordPolls([{ poll: poll('orders-db', T, false), backups: [] }]);
    let lastPollAt = T;
    const { store, asked } = countingStore(history);
    const reader = new SourceMetricsReader({ engine: { summaries: () => [summary('orders-db', 'postgres', lastPollAt)], currentConfig: config() }, store });
    expect(reader.samples()[0]!.consecutiveFailures).toBe(1);
    expect(reader.samples()[0]!.consecutiveFailures).toBe(1);
    expect(asked).toEqual({ latestPoll: 1, consecutiveFailures: 1 });

    // The engine judged a poll it has not recorded yet: the history's figures are shown, not kept.
    lastPollAt = T + HOUR;
    expect(reader.samples()[0]!.lastProbe).toEqual({ at: T, durationMs: 40 });
    reader.samples();
    expect(asked.latestPoll).toBe(3);
    history.recordPolls([{ poll: poll('orders-db', T + HOUR, false, 99), backups: [] }]);
    expect(reader.samples()[0]).toMatchObject({ consecutiveFailures: 2, lastProbe: { at: T + HOUR, durationMs: 99 } });
    reader.samples();
    expect(asked.latestPoll).toBe(4);
  });
});
