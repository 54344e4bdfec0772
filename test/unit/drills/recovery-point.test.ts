// The recovery point, defined once (wal-replay.ts): the later of the last replayed commit and the archive time of
// the newest segment replayed; the drill's start minus that; 0 when the linked server had written nothing past
// the replay; the bytes the replay stayed behind the server; the segment named with the backup's segment size.
import { describe, expect, it } from 'vitest';
import { recoveryPoint, type Replayed } from '../../../electron/engine/drills/wal-replay';
import { replayStoppedEarly } from '../../../electron/engine/drills/physical-drill';

const MB = 1024 * 1024;
const start = Date.UTC(2026, 11, 3, 10, 45, 0);
const archivedAt = new Map([
  ['000000010000000000000004', Date.UTC(2026, 11, 3, 10, 30, 0)],
  ['000000010000000000000005', Date.UTC(2026, 11, 3, 10, 41, 7)],
]);
const replayed = (over: Partial<Replayed> = {}): Replayed => ({ lastReplayedLsn: '0/5000100', lastCommitAt: Date.UTC(2026, 11, 3, 10, 40, 0), timeline: 1, ...over });
const point = (r: Replayed, more: Partial<Parameters<typeof recoveryPoint>[0]> = {}) =>
  recoveryPoint({ mode: 'end-of-archive', drillStartedAt: start, replayed: r, wal: { archivedAt, segmentSizeBytes: 16 * MB }, walReplayed: 2, replayMs: 1500, ...more });

describe('the recovery point', () => {
  it('is the later of the last commit and the archive time of the newest segment replayed', () => {
    expect(point(replayed())).toMatchObject({ recoveredTo: Date.UTC(2026, 11, 3, 10, 41, 7), lastSegmentArchivedAt: Date.UTC(2026, 11, 3, 10, 41, 7), lastReplayedSegment: '000000010000000000000005', recoveryPointMs: (4 * 60 - 7) * 1000 });
    const later = Date.UTC(2026, 11, 3, 10, 42, 0);
    expect(point(replayed({ lastCommitAt: later, lastReplayedLsn: '0/4FFFF00' }))).toMatchObject({ recoveredTo: later, lastReplayedSegment: '000000010000000000000004', recoveryPointMs: 3 * 60 * 1000 });
  });

  it('a replay that ends exactly at a segment boundary (after a switch) ended in the segment before', () => {
    expect(point(replayed({ lastReplayedLsn: '0/6000000' })).lastReplayedSegment).toBe('000000010000000000000005');
  });

  it('is 0 when the linked server had written nothing past the replay, and counts the bytes when it had', () => {
    expect(point(replayed(), { server: { lsn: '0/5000100', at: start } })).toMatchObject({ idle: true, recoveryPointMs: 0, behindServerBytes: 0 });
    // The server's position as the last replayed segment was switched out: the start of the next one.
    expect(point(replayed({ lastReplayedLsn: '0/6000000' }), { server: { lsn: '0/6000000', at: start } })).toMatchObject({ idle: true, recoveryPointMs: 0 });
    expect(point(replayed(), { server: { lsn: '0/7000028', at: start } })).toMatchObject({ idle: false, behindServerBytes: 0x7000028 - 0x5000100, recoveryPointMs: (4 * 60 - 7) * 1000 });
    expect(point(replayed()).idle).toBeUndefined();
  });

  it('is unknown, not zero, when nothing says a time', () => {
    expect(point(replayed({ lastCommitAt: null }), { wal: { archivedAt: new Map(), segmentSizeBytes: 16 * MB } })).toMatchObject({ recoveredTo: null, recoveryPointMs: null });
  });

  it('names segments with the backup\'s own segment size and the timeline replayed', () => {
    expect(point(replayed({ lastReplayedLsn: '0/300010', timeline: 2 }), { wal: { archivedAt: new Map(), segmentSizeBytes: 1 * MB } }).lastReplayedSegment).toBe('000000020000000000000003');
    expect(point(replayed({ lastReplayedLsn: '1/80000010', timeline: 3 }), { wal: { archivedAt: new Map(), segmentSizeBytes: 64 * MB } }).lastReplayedSegment).toBe('000000030000000100000020');
  });

  it('is never negative (a clock that stepped back)', () => {
    expect(point(replayed({ lastCommitAt: start + 5000 })).recoveryPointMs).toBe(0);
  });
});

describe('a replay that stopped early', () => {
  const recovery = (last: string) => ({ mode: 'end-of-archive' as const, recoveredTo: start, lastCommitAt: null, lastReplayedLsn: null, lastReplayedSegment: last, lastSegmentArchivedAt: start, recoveryPointMs: 0, walReplayed: 1, replayMs: 1 });
  const fetched = (names: string[]) => ({ archivedAt: new Map(names.map((n) => [n, start])), newestSegment: names.at(-1)!, segmentSizeBytes: 16 * MB });

  it('names the next segment on the followed chain and counts the newer ones', () => {
    const said = replayStoppedEarly(recovery('000000010000000000000003'), replayed({ timeline: 1 }), fetched(['000000010000000000000003', '000000010000000000000005', '000000010000000000000006']));
    expect(said).toMatch(/^point-in-time recovery stops at 000000010000000000000003 \(archived .*\): 000000010000000000000004 is missing from the archive or could not be replayed, so 2 newer segments after it/);
  });

  it('is not a stop when it reached the newest segment, nor when only a branch it did not follow goes further', () => {
    expect(replayStoppedEarly(recovery('000000010000000000000006'), replayed({ timeline: 1 }), fetched(['000000010000000000000005', '000000010000000000000006']))).toBeNull();
    // Timeline 2 branched from 1 and was abandoned; recovery followed timeline 3, which branched from 1 later.
    const onThree = replayed({ timeline: 3, ancestors: [{ parent: 1, switchLsn: 0x6000000n, reason: '' }] });
    expect(replayStoppedEarly(recovery('000000030000000000000007'), onThree, fetched(['000000030000000000000007', '000000020000000000000009']))).toBeNull();
  });
});
