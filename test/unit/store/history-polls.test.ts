import { describe, expect, it } from 'vitest';
import type { Poll, PostgresMetrics } from '../../../shared/model';
import { MINUTE, T0, failedPoll, okPoll, openHistory } from './temp-history';

const postgresMetrics: PostgresMetrics = {
  kind: 'postgres',
  serverVersion: '16.4 (Debian 16.4-1.pgdg120+1)',
  serverVersionNum: 160004,
  serverMajor: 16,
  inRecovery: false,
  databases: [
    { name: 'app', sizeBytes: 52_428_800 },
    { name: 'ünïcode "quoted"', sizeBytes: 8_000_000 },
  ],
  archiver: {
    archiveMode: 'on',
    archivedCount: 1234,
    lastArchivedWal: '000000010000000A000000FE',
    lastArchivedAt: T0 - MINUTE,
    failedCount: 2,
    lastFailedWal: '000000010000000A000000F0',
    lastFailedAt: T0 - 60 * MINUTE,
  },
  standbys: [
    {
      applicationName: 'replica1',
      clientAddr: '10.0.0.2',
      state: 'streaming',
      syncState: 'async',
      writeLagMs: 1.5,
      flushLagMs: null,
      replayLagMs: 12,
    },
  ],
  replayDelayMs: null,
};

describe('History polls', () => {
  it('gives back a poll exactly as recorded: metrics, error, newest backup, status', () => {
    const { history } = openHistory();
    const good = okPoll('prod', T0, { metrics: postgresMetrics, durationMs: 87, status: 'warning' });
    const bad = failedPoll('prod', T0 + 5 * MINUTE);
    const noHost: Poll = { ...failedPoll('prod', T0 + 10 * MINUTE), error: { code: 'refused', message: 'connection refused' } };
    history.recordPolls([good, bad, noHost].map((poll) => ({ poll, backups: [] })));

    expect(history.polls('prod', { since: T0 })).toEqual([good, bad, noHost]);
    expect(history.latestPoll('prod')).toEqual(noHost);
  });

  it('keeps sources apart and answers null for a source never polled', () => {
    const { history } = openHistory();
    history.recordPolls([
      { poll: okPoll('a', T0), backups: [] },
      { poll: okPoll('b', T0 + MINUTE), backups: [] },
    ]);
    expect(history.latestPoll('a')?.at).toBe(T0);
    expect(history.latestPoll('b')?.at).toBe(T0 + MINUTE);
    expect(history.latestPoll('never')).toBeNull();
    expect(history.polls('never', { since: 0 })).toEqual([]);
  });

  it('latestPoll is the newest by time even when recorded out of order', () => {
    const { history } = openHistory();
    history.recordPolls([{ poll: okPoll('a', T0 + 10 * MINUTE), backups: [] }]);
    history.recordPolls([{ poll: okPoll('a', T0), backups: [] }]);
    expect(history.latestPoll('a')?.at).toBe(T0 + 10 * MINUTE);
  });

  it('polls() returns the range oldest first, inclusive, and limit keeps the oldest', () => {
    const { history } = openHistory();
    history.recordPolls(
      Array.from({ length: 10 }, (_, i) => ({ poll: okPoll('a', T0 + i * MINUTE), backups: [] })),
    );
    const at = (polls: Poll[]): number[] => polls.map((p) => (p.at - T0) / MINUTE);
    expect(at(history.polls('a', { since: T0 + 2 * MINUTE, until: T0 + 5 * MINUTE }))).toEqual([2, 3, 4, 5]);
    expect(at(history.polls('a', { since: T0 + 7 * MINUTE }))).toEqual([7, 8, 9]);
    expect(at(history.polls('a', { since: T0, limit: 3 }))).toEqual([0, 1, 2]);
  });

  it('counts failed polls in a row up to the newest, stopping at the last success', () => {
    const { history } = openHistory();
    expect(history.consecutiveFailures('a')).toBe(0);
    history.recordPolls([
      { poll: failedPoll('a', T0), backups: [] },
      { poll: okPoll('a', T0 + 1 * MINUTE), backups: [] },
      { poll: failedPoll('a', T0 + 2 * MINUTE), backups: [] },
      { poll: failedPoll('a', T0 + 3 * MINUTE), backups: [] },
      { poll: failedPoll('b', T0 + 3 * MINUTE), backups: [] },
    ]);
    expect(history.consecutiveFailures('a')).toBe(2);
    expect(history.consecutiveFailures('b')).toBe(1);

    history.recordPolls([{ poll: failedPoll('a', T0 + 4 * MINUTE), backups: [] }]);
    expect(history.consecutiveFailures('a')).toBe(3);
    history.recordPolls([{ poll: okPoll('a', T0 + 5 * MINUTE), backups: [] }]);
    expect(history.consecutiveFailures('a')).toBe(0);
  });

  it('counts every poll when a source has never succeeded', () => {
    const { history } = openHistory();
    history.recordPolls(Array.from({ length: 4 }, (_, i) => ({ poll: failedPoll('a', T0 + i * MINUTE), backups: [] })));
    expect(history.consecutiveFailures('a')).toBe(4);
  });

  it('records nothing when one poll of a batch cannot be stored', () => {
    const { history } = openHistory();
    const broken = { ...okPoll('a', T0 + MINUTE), status: 'purple' } as unknown as Poll;
    expect(() =>
      history.recordPolls([
        { poll: okPoll('a', T0), backups: [] },
        { poll: broken, backups: [] },
      ]),
    ).toThrow();
    expect(history.latestPoll('a')).toBeNull();
  });
});
