// The engine thins old polls on its own once started, with the configured raw window, and not once stopped.
import { describe, expect, it } from 'vitest';
import { validateConfig, type Config } from '../../../shared/config';
import { Engine } from '../../../electron/engine/engine';
import type { Probe } from '../../../electron/engine/sources/probe';
import type { History } from '../../../electron/engine/store/history';
import type { PollEntry } from '../../../electron/engine/store/types';
import { waitFor } from '../../support/postgres-fixtures';
import { DAY, HOUR, MINUTE, T0, okPoll, openHistory } from '../store/temp-history';

const NOW = T0 + 60 * DAY;
const KEEP_RAW = 40 * DAY;
const POLLED_HOURS = 60 * 24 - 1;

const steady: Probe = {
  kind: 'dump-dir',
  observe: async () => ({ backups: [], metrics: { kind: 'dump-dir', fileCount: 0, totalBytes: 0, inProgress: 0 } }),
};

function config(defaults: Record<string, unknown>): Config {
  const parsed = validateConfig({ defaults, sources: [{ id: 'dumps', kind: 'dump-dir', path: '/nonexistent' }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

/** 60 days of 5-minute polls up to an hour ago, age rising through each hour. */
function recordTwoMonths(history: History): void {
  const entries: PollEntry[] = [];
  for (let at = T0; at < T0 + POLLED_HOURS * HOUR; at += 5 * MINUTE) entries.push({ poll: okPoll('dumps', at, { newestBackupAt: T0 }), backups: [] });
  history.recordPolls(entries);
}

const pollsBetween = (history: History, since: number, until: number) => history.polls('dumps', { since, until: until - 1 }).length;

describe('the engine compacting its history', () => {
  it('thins polls older than defaults.keepRawPolls soon after start, leaving newer ones', async () => {
    const { history } = openHistory();
    recordTwoMonths(history);
    const engine = new Engine({ config: config({ keepRawPolls: '40d' }), store: history, now: () => NOW, probeFor: () => steady, compactionDelayMs: 0 });
    await engine.start();
    await waitFor('the old polls thinned', () => pollsBetween(history, T0, NOW - KEEP_RAW) === 20 * 24 * 2, { timeoutMs: 15_000, intervalMs: 20 });
    engine.stop();
    expect(pollsBetween(history, NOW - KEEP_RAW, T0 + POLLED_HOURS * HOUR)).toBe((POLLED_HOURS - 20 * 24) * 12);
    // The engine's own poll at NOW.
    expect(history.latestPoll('dumps')?.at).toBe(NOW);
  });

  it('does not compact once stopped', async () => {
    const { history } = openHistory();
    recordTwoMonths(history);
    const engine = new Engine({ config: config({}), store: history, now: () => NOW, probeFor: () => steady, compactionDelayMs: 50 });
    await engine.start();
    engine.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pollsBetween(history, T0, T0 + POLLED_HOURS * HOUR)).toBe(POLLED_HOURS * 12);
  });
});

describe('defaults.keepRawPolls', () => {
  it('is 35 days unless set, and refuses less than the 30-day chart needs', () => {
    expect(config({}).defaults.keepRawPolls).toBe(35 * DAY);
    expect(config({ keepRawPolls: '90d' }).defaults.keepRawPolls).toBe(90 * DAY);
    expect(validateConfig({ defaults: { keepRawPolls: '7d' } })).toEqual({
      ok: false,
      problems: [{ path: 'defaults.keepRawPolls', message: 'must be at least 31d (found 7d): the 30-day charts show every poll, and older polls are thinned to hourly highs and lows' }],
    });
  });
});
