import { describe, expect, it } from 'vitest';
import { pollsToKeep, type CompactionPoll } from '../../../electron/engine/store/poll-compaction';
import { MINUTE, T0 } from './temp-history';

let nextId = 1;
/** A successful poll `minute` minutes after T0 with the given backup age (minutes) and stored size. */
function ok(minute: number, ageMinutes: number | null, storedBytes: number | null = null): CompactionPoll {
  const at = T0 + minute * MINUTE;
  return { id: nextId++, at, ok: 1, newestBackupAt: ageMinutes === null ? null : at - ageMinutes * MINUTE, storedBytes };
}
function failed(minute: number): CompactionPoll {
  return { id: nextId++, at: T0 + minute * MINUTE, ok: 0, newestBackupAt: null, storedBytes: null };
}
const kept = (polls: CompactionPoll[], nextFailed = false) => polls.filter((p) => pollsToKeep(polls, nextFailed).has(p.id));

describe('pollsToKeep', () => {
  it('keeps, per clock hour, the polls holding the lowest and highest age and stored size', () => {
    const hour = [ok(0, 60, 500), ok(10, 70, 900), ok(20, 5, 300), ok(30, 15, 700), ok(40, 25, 400), ok(50, 35, 600)];
    const next = [ok(60, 45, 100), ok(70, 55, 100)];
    expect(kept([...hour, ...next])).toEqual([hour[1], hour[2], next[0], next[1]]);
  });

  it('keeps the earliest of equal values, the one the chart picks', () => {
    const flat = [ok(0, 10, 7), ok(5, 10, 7), ok(10, 10, 7)];
    expect(kept(flat)).toEqual([flat[0]]);
  });

  it('keeps every failed poll and the successful poll just before each, across hours too', () => {
    const polls = [ok(0, 1, 5), ok(20, 2, 5), ok(40, 3, 5), failed(45), ok(50, 4, 5), ok(55, 5, 5), failed(60), failed(65), ok(70, 6, 5)];
    expect(kept(polls)).toEqual([polls[0], polls[2], polls[3], polls[5], polls[6], polls[7], polls[8]]);
    // The last poll given is followed by a failure recorded later.
    const tail = [ok(0, 1, 5), ok(20, 2, 5), ok(40, 1, 5)];
    expect(kept(tail, true)).toEqual([tail[0], tail[1], tail[2]]);
    expect(kept(tail, false)).toEqual([tail[0], tail[1]]);
  });

  it('keeps one poll of an hour that has no value and no failure, so the hour still shows it was observed', () => {
    const blind = [ok(0, null), ok(20, null), ok(40, null)];
    expect(kept(blind)).toEqual([blind[2]]);
    expect(pollsToKeep([], true).size).toBe(0);
  });

  it('cuts hours on the clock, whatever minute the polls started at', () => {
    const polls = [ok(50, 10, 1), ok(55, 20, 1), ok(60, 30, 1), ok(65, 40, 1)];
    // Hours counted from the first poll would put all four in one and keep only minutes 50 and 65.
    expect(kept(polls).map((p) => (p.at - T0) / MINUTE)).toEqual([50, 55, 60, 65]);
  });
});
