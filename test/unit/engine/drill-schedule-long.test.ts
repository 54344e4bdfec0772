// `drill.every: 30d` under a running engine (serve, the app): one drill at start, the next 30 days after it,
// none in between. Node's timers overflow past 24.8 days to 1 ms, which once ran 23 drills in 36 seconds; the
// fake clock here overflows the same way.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { validateConfig, type Config } from '../../../shared/config';
import { Engine } from '../../../electron/engine/engine';
import { runDrill } from '../../../electron/engine/drills/drill-frame';
import type { Probe } from '../../../electron/engine/sources/probe';
import { DAY, dump, openHistory, tempDir } from '../store/temp-history';

afterEach(() => {
  vi.useRealTimers();
});

function config(drill: Record<string, unknown>): Config {
  const parsed = validateConfig({
    defaults: { drillDir: tempDir() },
    // Polled once at start and then every 10 years: only the drill schedule moves in these 60 days.
    sources: [{ id: 'orders-dumps', kind: 'dump-dir', path: '/nonexistent', interval: '10y', drill }],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

/** A dump directory with one backup, whose drill passes at once (the frame, timeout and record are real). */
function quickDrills(): Probe {
  return {
    kind: 'dump-dir',
    observe: async () => ({
      backups: [dump('orders.dump', Date.now() - DAY)],
      metrics: { kind: 'dump-dir', fileCount: 1, totalBytes: 1_000_000, inProgress: 0 },
    }),
    drill: (source, backup, ctx) => runDrill({ sourceId: source.id, backupKey: backup.key, timeoutMs: ctx.timeoutMs, signal: ctx.signal, now: ctx.now }, async () => 'restored'),
  };
}

describe('a drill scheduled every 30 days', () => {
  it('runs once at start, then once 30 days later: not earlier, not back to back', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { history } = openHistory();
    const engine = new Engine({ config: config({ every: '30d', timeout: '4w' }), store: history, probeFor: quickDrills, drillStartDelayMs: 0 });
    const drillTimes = () => history.drills('orders-dumps').map((d) => d.startedAt);
    const start = Date.now();
    await engine.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(drillTimes()).toHaveLength(1);
    const first = drillTimes()[0]!;
    expect(first - start).toBeLessThan(1000);
    history.drills('orders-dumps').forEach((d) => expect(d.outcome).toBe('pass'));

    await vi.advanceTimersByTimeAsync(first + 30 * DAY - Date.now() - 1000);
    expect(drillTimes()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(drillTimes()).toHaveLength(2);
    expect(drillTimes().sort()[1]! - first).toBeGreaterThanOrEqual(30 * DAY);
    await vi.advanceTimersByTimeAsync(7 * DAY);
    expect(drillTimes()).toHaveLength(2);
    engine.stop();
    history.drills('orders-dumps').forEach((d) => expect(d.outcome).toBe('pass'));
  });
});
