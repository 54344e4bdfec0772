import { describe, expect, it } from 'vitest';
import { downsampleMinMax } from '../../../electron/engine/store/downsample';
import type { History } from '../../../electron/engine/store/history';
import type { SeriesPoint } from '../../../shared/model';
import { DAY, HOUR, MINUTE, T0, failedPoll, okPoll, openHistory } from './temp-history';

const POLL_EVERY = 5 * MINUTE;
const DAYS = 60;
const MISSED_DAY = 37;

/**
 * 60 days of 5-minute polls of a dump that finishes nightly at 02:00, except on day 37 when it did
 * not run; every 50th poll failed. Returns the raw (at, age) points the chart is made from.
 */
function recordSawtooth(history: History, sourceId: string): SeriesPoint[] {
  const raw: SeriesPoint[] = [];
  const entries = [];
  let newestBackupAt = T0 - DAY + 2 * HOUR;
  for (let i = 0, at = T0; at < T0 + DAYS * DAY; i++, at += POLL_EVERY) {
    const tonight = Math.floor((at - T0) / DAY) * DAY + T0 + 2 * HOUR;
    if (at >= tonight && Math.floor((at - T0) / DAY) !== MISSED_DAY) newestBackupAt = tonight;
    if (i % 50 === 7) {
      entries.push({ poll: failedPoll(sourceId, at), backups: [] });
    } else {
      entries.push({ poll: okPoll(sourceId, at, { newestBackupAt }), backups: [] });
      raw.push({ at, value: at - newestBackupAt });
    }
  }
  history.recordPolls(entries);
  return raw;
}

describe('History.polledAgeSeries (the age each poll saw)', () => {
  it('reduces two months of polls to at most maxPoints real points, keeping every nightly peak', () => {
    const { history } = openHistory();
    const raw = recordSawtooth(history, 'app');
    recordSawtooth(history, 'other-source');
    const series = history.polledAgeSeries('app', { from: T0, to: T0 + DAYS * DAY, maxPoints: 1000 });

    expect(raw.length).toBeGreaterThan(16_000);
    expect(series.length).toBeLessThanOrEqual(1000);
    expect(series.length).toBeGreaterThan(900);
    const rawByAt = new Map(raw.map((p) => [p.at, p.value]));
    for (const point of series) expect(rawByAt.get(point.at)).toBe(point.value);
    for (let i = 1; i < series.length; i++) expect(series[i]!.at).toBeGreaterThan(series[i - 1]!.at);

    // Each day's highest age (the poll just before the dump lands) is on the chart, including the
    // 48-hour peak of the night the dump did not run.
    for (let day = 0; day < DAYS; day++) {
      const dayPoints = raw.filter((p) => p.at >= T0 + day * DAY + 2 * HOUR && p.at < T0 + (day + 1) * DAY + 2 * HOUR);
      const peak = dayPoints.reduce((high, p) => (p.value > high.value ? p : high));
      expect(series, `day ${day}`).toContainEqual(peak);
    }
    expect(Math.max(...series.map((p) => p.value))).toBe(48 * HOUR - POLL_EVERY);
  });

  it('picks the same points as downsampleMinMax over the raw series', () => {
    const { history } = openHistory();
    const raw = recordSawtooth(history, 'app');
    for (const maxPoints of [1, 2, 3, 50, 333]) {
      const series = history.polledAgeSeries('app', { from: T0, to: T0 + DAYS * DAY, maxPoints });
      expect(series, `maxPoints ${maxPoints}`).toEqual(downsampleMinMax(raw, maxPoints));
      expect(series.length).toBeLessThanOrEqual(maxPoints);
    }
    expect(history.polledAgeSeries('app', { from: T0, to: T0 + DAYS * DAY, maxPoints: 1 })).toEqual([
      { at: T0 + (MISSED_DAY + 1) * DAY + 2 * HOUR - POLL_EVERY, value: 48 * HOUR - POLL_EVERY },
    ]);
  });

  it('returns every point of a short range, within [from, to], without failed polls', () => {
    const { history } = openHistory();
    const raw = recordSawtooth(history, 'app');
    const from = T0 + 10 * DAY;
    const to = T0 + 10 * DAY + 3 * HOUR;
    const series = history.polledAgeSeries('app', { from, to, maxPoints: 1000 });
    expect(series).toEqual(raw.filter((p) => p.at >= from && p.at <= to));
    expect(series).toHaveLength(3 * 12 + 1 - 1); // 37 polls in the range, one of them failed
  });

  it('is empty for a source whose polls all failed, or that was never polled', () => {
    const { history } = openHistory();
    history.recordPolls(Array.from({ length: 5 }, (_, i) => ({ poll: failedPoll('down', T0 + i * MINUTE), backups: [] })));
    expect(history.polledAgeSeries('down', { from: T0, to: T0 + DAY, maxPoints: 2 })).toEqual([]);
    expect(history.polledAgeSeries('never', { from: T0, to: T0 + DAY, maxPoints: 100 })).toEqual([]);
  });
});
