import { describe, expect, it } from 'vitest';
import { walContinuity, type WalArchiveEntry } from '../../../electron/engine/wal/continuity';
import { segmentName } from '../../../electron/engine/wal/names';
import { parseTimelineHistory, type TimelineHistory } from '../../../electron/engine/wal/timelines';

const MB = 1024 * 1024;
const S16 = 16 * MB;
const T0 = Date.UTC(2026, 10, 30, 4, 0, 0);

/** Full segments `from`..`to` of a timeline, archived a minute apart from `at`. */
function segments(timeline: number, from: number, to: number, size = S16, at = T0, ext = ''): WalArchiveEntry[] {
  const out: WalArchiveEntry[] = [];
  for (let s = from; s <= to; s++) out.push({ name: segmentName(timeline, s, size) + ext, sizeBytes: ext ? 1000 : size, mtimeMs: at + (s - from) * 60_000 });
  return out;
}

function history(timeline: number, text: string): TimelineHistory {
  const parsed = parseTimelineHistory(timeline, text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.history;
}

describe('walContinuity', () => {
  it('an unbroken archive: every segment from the start to the newest, with its window', () => {
    const listing = [...segments(1, 1, 20), { name: '000000010000000000000002.00000028.backup', sizeBytes: 300, mtimeMs: T0 }];
    const s = walContinuity({ listing, segmentSize: S16, startSegment: segmentName(1, 2, S16), histories: [] });
    expect(s).toMatchObject({
      timeline: 1,
      chain: [1],
      newestSegment: '000000010000000000000014',
      newestArchivedAt: T0 + 19 * 60_000,
      segmentsExpected: 19,
      segmentsPresent: 19,
      missingSegments: 0,
      gapCount: 0,
      gaps: [],
      truncatedCount: 0,
      newestPartial: null,
      windows: [{ timeline: 1, fromSegment: '000000010000000000000002', fromArchivedAt: T0 + 60_000, toSegment: '000000010000000000000014', toArchivedAt: T0 + 19 * 60_000 }],
    });
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('a gap in the middle: where recovery stops, when that segment was archived, how many are missing', () => {
    const listing = segments(1, 0xa0, 0xc0).filter((e) => !(e.name >= segmentName(1, 0xa8, S16) && e.name <= segmentName(1, 0xb5, S16)));
    const s = walContinuity({ listing, segmentSize: S16, startSegment: segmentName(1, 0xa0, S16), histories: [] });
    expect(s.gaps).toEqual([{ after: '0000000100000000000000A7', afterArchivedAt: T0 + 7 * 60_000, missing: 14, firstMissing: '0000000100000000000000A8' }]);
    expect(s).toMatchObject({ gapCount: 1, missingSegments: 14, segmentsExpected: 33, segmentsPresent: 19 });
  });

  it('keeps a few gaps in detail and counts them all', () => {
    const listing = segments(1, 1, 100).filter((e, i) => i % 10 !== 5);
    const s = walContinuity({ listing, segmentSize: S16, startSegment: segmentName(1, 1, S16), histories: [], detail: 3 });
    expect(s.gapCount).toBe(10);
    expect(s.missingSegments).toBe(10);
    expect(s.gaps.map((g) => g.firstMissing)).toEqual([segmentName(1, 6, S16), segmentName(1, 16, S16), segmentName(1, 26, S16)]);
  });

  it('follows a timeline switch after a promotion: no false gap, the old timeline’s .partial fills nothing', () => {
    // Promoted at 0/15000148 (segment 0x15): timeline 1 ends at 0x14 full plus 0x15 as .partial;
    // timeline 2 starts with its own full copy of 0x15.
    const listing = [
      ...segments(1, 1, 0x14),
      { name: `${segmentName(1, 0x15, S16)}.partial`, sizeBytes: S16, mtimeMs: T0 + 3_600_000 },
      { name: '00000002.history', sizeBytes: 42, mtimeMs: T0 + 3_600_000 },
      ...segments(2, 0x15, 0x20, S16, T0 + 3_700_000),
    ];
    const histories = [history(2, '1\t0/15000148\tno recovery target specified\n')];
    const s = walContinuity({ listing, segmentSize: S16, startSegment: segmentName(1, 3, S16), histories });
    expect(s).toMatchObject({
      timeline: 2,
      chain: [1, 2],
      newestSegment: '000000020000000000000020',
      gapCount: 0,
      missingSegments: 0,
      segmentsExpected: 0x20 - 3 + 1,
      segmentsPresent: 0x20 - 3 + 1,
      newestPartial: null,
      missingHistories: [],
    });
    expect(s.windows.map((w) => [w.timeline, w.fromSegment, w.toSegment])).toEqual([
      [1, '000000010000000000000003', '000000010000000000000014'],
      [2, '000000010000000000000003', '000000020000000000000020'],
    ]);
  });

  it('the switch segment missing on the new timeline is a gap, even with the old timeline’s .partial there', () => {
    const listing = [
      ...segments(1, 1, 0x14),
      { name: `${segmentName(1, 0x15, S16)}.partial`, sizeBytes: S16, mtimeMs: T0 + 3_600_000 },
      ...segments(2, 0x16, 0x20, S16, T0 + 3_700_000),
    ];
    const s = walContinuity({ listing, segmentSize: S16, startSegment: segmentName(1, 1, S16), histories: [history(2, '1\t0/15000148\tx\n')] });
    expect(s.gaps).toEqual([{ after: '000000010000000000000014', afterArchivedAt: T0 + 19 * 60_000, missing: 1, firstMissing: '000000020000000000000015' }]);
  });

  it('an abandoned timeline with the lexically largest names is not the newest', () => {
    // Timeline 2 was promoted at segment 5 and later abandoned (a failed failover); the old primary went on
    // archiving timeline 1, more recently. Timeline 2's names sort after every name of timeline 1.
    const listing = [...segments(1, 1, 30, S16, T0), ...segments(2, 5, 9, S16, T0 - 3_600_000), { name: '00000002.history', sizeBytes: 40, mtimeMs: T0 - 3_600_000 }];
    const s = walContinuity({ listing, segmentSize: S16, startSegment: segmentName(1, 1, S16), histories: [history(2, '1\t0/5000000\tx\n')] });
    expect(s).toMatchObject({ timeline: 1, chain: [1], newestSegment: segmentName(1, 30, S16), gapCount: 0, otherTimelines: [2] });
    // Asked for explicitly, timeline 2 is followed.
    const t2 = walContinuity({ listing, segmentSize: S16, startSegment: segmentName(1, 1, S16), histories: [history(2, '1\t0/5000000\tx\n')], targetTimeline: 2 });
    expect(t2).toMatchObject({ timeline: 2, chain: [1, 2], newestSegment: segmentName(2, 9, S16), gapCount: 0, otherTimelines: [] });
  });

  it('a promoted server archiving its old timeline’s last segment late does not make the old timeline the newest', () => {
    // Timeline 2 began in segment 5; timeline 1's segment 4 reached the archive after timeline 2's first
    // segments (the new primary's archiver caught up with it). Recovery to timeline 2 reads that very file.
    const listing = [...segments(1, 1, 3), ...segments(2, 5, 7, S16, T0 + 3_600_000), { name: segmentName(1, 4, S16), sizeBytes: S16, mtimeMs: T0 + 7_200_000 }];
    const s = walContinuity({ listing, segmentSize: S16, startSegment: segmentName(1, 1, S16), histories: [history(2, '1\t0/5000148\tx\n')] });
    expect(s).toMatchObject({ timeline: 2, chain: [1, 2], newestSegment: segmentName(2, 7, S16), gapCount: 0, otherTimelines: [] });
  });

  it('says when the newest WAL exists only as .partial, and does not count it', () => {
    const listing = [...segments(1, 1, 9), { name: `${segmentName(1, 10, S16)}.partial`, sizeBytes: S16, mtimeMs: T0 + 3_600_000 }];
    const s = walContinuity({ listing, segmentSize: S16, startSegment: segmentName(1, 1, S16), histories: [] });
    expect(s).toMatchObject({
      newestSegment: segmentName(1, 9, S16),
      newestPartial: { name: '00000001000000000000000A.partial', archivedAt: T0 + 3_600_000 },
      segmentsExpected: 9,
      segmentsPresent: 9,
      gapCount: 0,
    });
  });

  it('a .partial does not fill a gap', () => {
    const listing = [...segments(1, 1, 4), { name: `${segmentName(1, 5, S16)}.partial`, sizeBytes: S16, mtimeMs: T0 }, ...segments(1, 6, 9)];
    const s = walContinuity({ listing, segmentSize: S16, startSegment: segmentName(1, 1, S16), histories: [] });
    expect(s.gaps).toEqual([expect.objectContaining({ after: segmentName(1, 4, S16), missing: 1 })]);
    expect(s.newestPartial).toBeNull();
  });

  it('steps by the segment size it is given: 1 MB and 64 MB', () => {
    // 1 MB: 4096 segments per log, so ...00000FFF is followed by ...0100000000.
    const small = segments(1, 4090, 4100, MB);
    expect(small.map((e) => e.name).slice(5, 7)).toEqual(['000000010000000000000FFF', '000000010000000100000000']);
    const s1 = walContinuity({ listing: small, segmentSize: MB, startSegment: segmentName(1, 4090, MB), histories: [] });
    expect(s1).toMatchObject({ gapCount: 0, segmentsPresent: 11, newestSegment: '000000010000000100000004' });
    // The same names read as 16 MB segments would be nonsense: the 1 MB low part FFF does not exist there.
    expect(walContinuity({ listing: small, segmentSize: S16, startSegment: null, histories: [] }).segmentsPresent).toBeLessThan(11);

    // 64 MB: 64 segments per log, ...0000003F then ...0100000000; a missing one is a gap of exactly one.
    const big = segments(1, 60, 70, 64 * MB).filter((e) => e.name !== '000000010000000100000001');
    expect(big.map((e) => e.name)[3]).toBe('00000001000000000000003F');
    const s64 = walContinuity({ listing: big, segmentSize: 64 * MB, startSegment: segmentName(1, 60, 64 * MB), histories: [] });
    expect(s64.gaps).toEqual([expect.objectContaining({ after: '000000010000000100000000', missing: 1, firstMissing: '000000010000000100000001' })]);
  });

  it('finds uncompressed segments of the wrong size, and does not measure compressed ones', () => {
    const listing = [...segments(1, 1, 5), ...segments(1, 6, 8, S16, T0, '.gz')];
    listing[2] = { ...listing[2]!, sizeBytes: 8 * MB };
    const s = walContinuity({ listing, segmentSize: S16, startSegment: segmentName(1, 1, S16), histories: [] });
    expect(s.truncated).toEqual([{ name: segmentName(1, 3, S16), sizeBytes: 8 * MB }]);
    expect(s).toMatchObject({ truncatedCount: 1, segmentsPresent: 8, gapCount: 0 });
    // A whole copy beside the cut one counts as the segment.
    const withCopy = walContinuity({ listing: [...listing, { name: `${segmentName(1, 3, S16)}.gz`, sizeBytes: 900, mtimeMs: T0 }], segmentSize: S16, startSegment: null, histories: [] });
    expect(withCopy.truncatedCount).toBe(0);
  });

  it('reads pgBackRest names (checksum and compression)', () => {
    const sha = 'aa'.repeat(20);
    const listing = segments(1, 1, 6).map((e) => ({ ...e, name: `${e.name}-${sha}.gz`, sizeBytes: 1000 }));
    listing.splice(3, 1);
    const s = walContinuity({ listing, segmentSize: S16, startSegment: segmentName(1, 1, S16), histories: [] });
    expect(s.gaps).toEqual([expect.objectContaining({ after: segmentName(1, 3, S16), missing: 1 })]);
    expect(s.truncatedCount).toBe(0);
  });

  it('the start segment itself missing: recovery cannot start', () => {
    const s = walContinuity({ listing: segments(1, 5, 9), segmentSize: S16, startSegment: segmentName(1, 3, S16), histories: [] });
    expect(s.gaps).toEqual([{ after: null, afterArchivedAt: null, missing: 2, firstMissing: segmentName(1, 3, S16) }]);
    const none = walContinuity({ listing: segments(1, 1, 2), segmentSize: S16, startSegment: segmentName(1, 3, S16), histories: [] });
    expect(none.gaps).toEqual([{ after: null, afterArchivedAt: null, missing: 1, firstMissing: segmentName(1, 3, S16) }]);
  });

  it('a timeline without its .history file: said, and the chain guessed from the archive', () => {
    const listing = [...segments(1, 1, 9), ...segments(2, 10, 12, S16, T0 + 3_600_000)];
    const s = walContinuity({ listing, segmentSize: S16, startSegment: segmentName(1, 1, S16), histories: [] });
    expect(s).toMatchObject({ timeline: 2, chain: [1, 2], missingHistories: [2], gapCount: 0, segmentsPresent: 12 });
  });

  it('an empty archive says nothing is there', () => {
    const s = walContinuity({ listing: [], segmentSize: S16, startSegment: null, histories: [] });
    expect(s).toMatchObject({ newestSegment: null, segmentsExpected: 0, gapCount: 0 });
  });

  it('refuses a segment size that does not exist', () => {
    expect(() => walContinuity({ listing: [], segmentSize: 3 * MB, startSegment: null, histories: [] })).toThrow(/wal_segment_size 3145728/);
  });
});
