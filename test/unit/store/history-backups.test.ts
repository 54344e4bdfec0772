import { describe, expect, it } from 'vitest';
import type { ObservedBackup } from '../../../shared/model';
import { DAY, HOUR, MINUTE, T0, dump, okPoll, openHistory } from './temp-history';

describe('History backups', () => {
  it('stores a backup once however many polls see it, first seen at the first of them', () => {
    const { history } = openHistory();
    const monday = dump('/backups/app-monday.dump', T0 - HOUR);
    let newBackups = 0;
    for (let i = 0; i < 5; i++) {
      newBackups += history.recordPolls([{ poll: okPoll('app', T0 + i * MINUTE), backups: [monday] }]).newBackups;
    }
    // The same backup seen many times within one bulk record, too.
    newBackups += history.recordPolls(
      Array.from({ length: 5 }, (_, i) => ({ poll: okPoll('app', T0 + (10 + i) * MINUTE), backups: [monday] })),
    ).newBackups;

    expect(newBackups).toBe(1);
    expect(history.backups('app')).toEqual([
      { ...monday, sourceId: 'app', startedAt: null, problem: null, firstSeenAt: T0 },
    ]);
  });

  it('in one bulk record, first seen is the earliest poll that saw the backup', () => {
    const { history } = openHistory();
    const nightly = dump('/backups/nightly.dump', T0);
    const minutes = [30, 10, 20];
    history.recordPolls(minutes.map((m) => ({ poll: okPoll('app', T0 + m * MINUTE), backups: [nightly] })));
    expect(history.backups('app').map((b) => b.firstSeenAt)).toEqual([T0 + 10 * MINUTE]);
  });

  it('a file overwritten under the same name with a new finish time is a second backup', () => {
    const { history } = openHistory();
    const first = dump('/backups/app-latest.dump', T0 - DAY, 1_000_000);
    const second = dump('/backups/app-latest.dump', T0, 7);
    expect(history.recordPolls([{ poll: okPoll('app', T0 - DAY + HOUR), backups: [first] }]).newBackups).toBe(1);
    expect(history.recordPolls([{ poll: okPoll('app', T0 + HOUR), backups: [second] }]).newBackups).toBe(1);

    const stored = history.backups('app');
    expect(stored.map((b) => [b.key, b.finishedAt, b.sizeBytes, b.firstSeenAt])).toEqual([
      ['/backups/app-latest.dump', T0, 7, T0 + HOUR],
      ['/backups/app-latest.dump', T0 - DAY, 1_000_000, T0 - DAY + HOUR],
    ]);
  });

  it('the same key on two sources is two backups', () => {
    const { history } = openHistory();
    const same = dump('nightly', T0);
    const { newBackups } = history.recordPolls([
      { poll: okPoll('a', T0 + MINUTE), backups: [same] },
      { poll: okPoll('b', T0 + MINUTE), backups: [same] },
    ]);
    expect(newBackups).toBe(2);
    expect(history.backups('a')).toHaveLength(1);
    expect(history.backups('b')).toHaveLength(1);
  });

  it('a record that failed half-way loses no backup: the next poll stores it', () => {
    const { history } = openHistory();
    const good = dump('/backups/a-good.dump', T0);
    const broken = { ...dump('/backups/b-broken.dump', T0), sizeBytes: null } as unknown as ObservedBackup;
    expect(() => history.recordPolls([{ poll: okPoll('app', T0 + MINUTE), backups: [good, broken] }])).toThrow();
    expect(history.backups('app')).toEqual([]);
    expect(history.latestPoll('app')).toBeNull();

    expect(history.recordPolls([{ poll: okPoll('app', T0 + 2 * MINUTE), backups: [good] }]).newBackups).toBe(1);
    expect(history.backups('app').map((b) => [b.key, b.firstSeenAt])).toEqual([['/backups/a-good.dump', T0 + 2 * MINUTE]]);
  });

  it('keeps what made a backup suspect: unreadable, problem, dump header, start time', () => {
    const { history } = openHistory();
    const truncated: ObservedBackup = {
      key: '/backups/app.dump',
      type: 'dump',
      startedAt: T0 - 10 * MINUTE,
      finishedAt: T0,
      sizeBytes: 512,
      readable: false,
      problem: 'the archive header is cut short',
      meta: { header: { format: 'custom', archiveVersion: '1.14', pgDumpVersion: '9.2.24', serverVersion: '9.6.1' } },
    };
    history.recordPolls([{ poll: okPoll('app', T0 + MINUTE), backups: [truncated] }]);
    expect(history.backups('app')).toEqual([{ ...truncated, sourceId: 'app', firstSeenAt: T0 + MINUTE }]);
  });

  it('lists newest finish first, with limit and before', () => {
    const { history } = openHistory();
    const days = [3, 0, 2, 1, 4];
    history.recordPolls([
      { poll: okPoll('app', T0 + 5 * DAY), backups: days.map((d) => dump(`/backups/day-${d}.dump`, T0 + d * DAY)) },
    ]);
    const keys = (opts?: { limit?: number; before?: number }): string[] =>
      history.backups('app', opts).map((b) => b.key.replace('/backups/', ''));
    expect(keys()).toEqual(['day-4.dump', 'day-3.dump', 'day-2.dump', 'day-1.dump', 'day-0.dump']);
    expect(keys({ limit: 2 })).toEqual(['day-4.dump', 'day-3.dump']);
    expect(keys({ before: T0 + 2 * DAY, limit: 8 })).toEqual(['day-1.dump', 'day-0.dump']);
  });
});
