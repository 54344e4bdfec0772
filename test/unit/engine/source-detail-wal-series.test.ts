// The source page's WAL chart and archive facts now come from the store's index of each poll's window; built for
// the same history file, they are what the page built before by reading every poll whole (HistoryStore.polls,
// reduced as walSeriesFromPolls does), for a basebackup and a pgBackRest source, each range, and a source whose
// newest poll judging the archive is older than the range.
import { describe, expect, it } from 'vitest';
import { MAX_CHART_POINTS, RANGES, type RangeId } from '../../../shared/api';
import { validateConfig, type Config } from '../../../shared/config';
import { Engine } from '../../../electron/engine/engine';
import { sourceDetail } from '../../../electron/engine/source-detail';
import type { Probe } from '../../../electron/engine/sources/probe';
import type { History } from '../../../electron/engine/store/history';
import { DAY, HOUR, MINUTE, T0, openHistory } from '../store/temp-history';
import { walArchivePolls, walSeriesFromPolls, type WalPollRhythm } from '../store/wal-archive-polls';

const NOW = T0 + 40 * DAY;
const RHYTHM: WalPollRhythm = { failed: 11, unlisted: 23, notListedYet: 29, noNewestTime: 31, otherKind: 37, firstSegmentMissing: 41 };

function config(): Config {
  const parsed = validateConfig({
    sources: [
      { id: 'base', kind: 'basebackup', path: '/srv/base', walArchive: '/srv/wal' },
      { id: 'stanza', kind: 'pgbackrest', stanza: 'main' },
      { id: 'quiet', kind: 'basebackup', path: '/srv/quiet', walArchive: '/srv/quiet-wal' },
    ],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

const idle: Probe = { kind: 'dump-dir', observe: async () => ({ backups: [], metrics: { kind: 'dump-dir', fileCount: 0, totalBytes: 0, inProgress: 0 } }) };

function seed(): { history: History; engine: Engine } {
  const { history } = openHistory();
  // A timeline switch 10 days in, gaps of 3 hours 12 and 35 days in.
  const origin = T0 - 90 * DAY;
  for (const [sourceId, every] of [['base', 5 * MINUTE], ['stanza', 15 * MINUTE]] as const) {
    const polls = walArchivePolls(sourceId, { origin, start: T0, end: NOW + 1, every, rhythm: RHYTHM });
    history.recordPolls(polls.map((poll) => ({ poll, backups: [] })));
  }
  // Polled 60 days ago for the last time: no poll in the 30-day range judged its archive.
  const quiet = walArchivePolls('quiet', { origin, start: NOW - 61 * DAY, end: NOW - 60 * DAY, every: HOUR, rhythm: RHYTHM });
  history.recordPolls(quiet.map((poll) => ({ poll, backups: [] })));
  const engine = new Engine({ config: config(), store: history, now: () => NOW, probeFor: () => idle, compactionDelayMs: 0 });
  return { history, engine };
}

describe('the WAL chart and archive facts of the source page', () => {
  it('are what reading every poll whole gave, for each WAL-keeping source and range', () => {
    const { history, engine } = seed();
    for (const sourceId of ['base', 'stanza', 'quiet']) {
      const source = engine.currentConfig.sources.find((s) => s.id === sourceId)!;
      for (const range of Object.keys(RANGES) as RangeId[]) {
        const detail = sourceDetail({ engine, store: history, source, range, now: NOW });
        const polls = history.polls(sourceId, { since: detail.from, until: detail.to });
        const before = walSeriesFromPolls(polls, detail.from, detail.to, MAX_CHART_POINTS / 2);
        const latest = history.latestPoll(sourceId)!;
        const latestView = walSeriesFromPolls([latest], latest.at, latest.at, 1).newest;
        expect(detail.walWindows, `${sourceId} ${range}`).toEqual(before.walWindows);
        expect(detail.walArchive, `${sourceId} ${range}`).toEqual(before.newest ?? latestView);
      }
    }
    // What the comparison covered: a chart with gaps, and the quiet source's facts from its newest poll, out of range.
    const base = sourceDetail({ engine, store: history, source: engine.currentConfig.sources.find((s) => s.id === 'base')!, range: '30d', now: NOW });
    expect(base.walWindows.length).toBeGreaterThan(MAX_CHART_POINTS / 2 - 5);
    expect(base.walWindows.some((p) => p.missing > 0)).toBe(true);
    const quiet = sourceDetail({ engine, store: history, source: engine.currentConfig.sources.find((s) => s.id === 'quiet')!, range: '30d', now: NOW });
    expect(quiet.walWindows).toEqual([]);
    expect(quiet.walArchive?.at).toBeLessThan(NOW - 60 * DAY);
  });
});
