import { describe, expect, it } from 'vitest';
import { parseLsn } from '../../../electron/engine/wal/names';
import { parseTimelineHistory, recoveryTarget, recoveryTimeline, timelineChain, timelineOfSegment, type TimelineHistory } from '../../../electron/engine/wal/timelines';

const MB = 1024 * 1024;

function history(timeline: number, text: string): TimelineHistory {
  const parsed = parseTimelineHistory(timeline, text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.history;
}

describe('timeline history files', () => {
  it('reads what a promotion writes, oldest ancestor first', () => {
    // As PostgreSQL 15 wrote it for a standby promoted twice.
    const h = history(3, '1\t0/5000148\tno recovery target specified\n\n2\t0/9000060\tbefore 2026-11-30 04:12:00.123+00\n');
    expect(h).toEqual({
      timeline: 3,
      switches: [
        { parent: 1, switchLsn: 0x5000148n, reason: 'no recovery target specified' },
        { parent: 2, switchLsn: 0x9000060n, reason: 'before 2026-11-30 04:12:00.123+00' },
      ],
    });
  });

  it('skips comments and blank lines, and refuses damage naming the file and line', () => {
    expect(history(2, '# comment\n\n1\t0/3000000\tx\n').switches).toHaveLength(1);
    const bad = parseTimelineHistory(2, '1\tnot-a-location\treason\n');
    expect(bad).toEqual({ ok: false, message: expect.stringContaining('00000002.history line 1') });
    const disorder = parseTimelineHistory(3, '2\t0/9000000\tx\n1\t0/5000000\ty\n');
    expect(disorder.ok).toBe(false);
    expect(parseTimelineHistory(2, '2\t0/9000000\tx\n').ok).toBe(false);
  });
});

describe('the chain recovery follows', () => {
  const histories = [history(2, '1\t0/5000148\tno recovery target specified\n'), history(3, '1\t0/5000148\tx\n2\t0/9000060\ty\n')];

  it('reads a switch segment from the new timeline and everything before from the old', () => {
    const chain = timelineChain(3, histories, 16 * MB);
    expect(chain).toEqual([
      { timeline: 1, firstSegment: 0, lastSegment: 4, beginLsn: null },
      { timeline: 2, firstSegment: 5, lastSegment: 8, beginLsn: 0x5000148n },
      { timeline: 3, firstSegment: 9, lastSegment: null, beginLsn: 0x9000060n },
    ]);
    expect([4, 5, 8, 9, 100].map((s) => timelineOfSegment(chain, s))).toEqual([1, 2, 2, 3, 3]);
  });

  it('depends on the segment size', () => {
    const chain = timelineChain(2, histories, 64 * MB);
    // 0/5000148 lies in 64 MB segment 1.
    expect(chain.map((s) => [s.timeline, s.firstSegment, s.lastSegment])).toEqual([
      [1, 0, 0],
      [2, 1, null],
    ]);
  });

  it('drops a timeline that ended in the segment it began in', () => {
    const quick = [history(3, '1\t0/5000148\tx\n2\t0/5000200\ty\n')];
    expect(timelineChain(3, quick, 16 * MB).map((s) => s.timeline)).toEqual([1, 3]);
  });

  it('is the target alone without its history', () => {
    expect(timelineChain(1, [], 16 * MB)).toEqual([{ timeline: 1, firstSegment: 0, lastSegment: null, beginLsn: null }]);
    expect(parseLsn('0/5000148')).toBe(0x5000148n);
  });
});

describe('recoveryTimeline', () => {
  it('is the highest timeline with a .history file, as recovery_target_timeline = latest finds it', () => {
    expect(recoveryTimeline([])).toBe(1);
    expect(recoveryTimeline([{ timeline: 2 }, { timeline: 5 }, { timeline: 3 }])).toBe(5);
    expect(recoveryTarget([])).toEqual({});
    expect(recoveryTarget([{ timeline: 4 }, { timeline: 2 }])).toEqual({ targetTimeline: 4 });
  });
});
