import { describe, expect, it } from 'vitest';
import { judgeWalArchive } from '../../../electron/engine/health/wal-rules';
import { walContinuity } from '../../../electron/engine/wal/continuity';
import { segmentName } from '../../../electron/engine/wal/names';
import type { WalArchiveSummary } from '../../../shared/model';

const S16 = 16 * 1024 * 1024;
const ARCHIVED = Date.UTC(2026, 10, 30, 4, 12, 30);

function summary(overrides: Partial<WalArchiveSummary> = {}): WalArchiveSummary {
  return {
    segmentSize: S16,
    timeline: 1,
    chain: [1],
    startSegment: '000000010000000300000001',
    newestSegment: '000000010000000300000100',
    newestArchivedAt: ARCHIVED,
    newestPartial: null,
    segmentsExpected: 100,
    segmentsPresent: 100,
    missingSegments: 0,
    gapCount: 0,
    gaps: [],
    windows: [],
    truncated: [],
    truncatedCount: 0,
    missingHistories: [],
    otherTimelines: [],
    ...overrides,
  };
}

describe('the wal-continuity rule', () => {
  it('says nothing when every segment is there', () => {
    expect(judgeWalArchive(summary())).toEqual([]);
  });

  it('a gap is critical, in the words a sysadmin needs', () => {
    const gap = { after: '0000000100000003000000A7', afterArchivedAt: ARCHIVED, missing: 14, firstMissing: '0000000100000003000000A8' };
    expect(judgeWalArchive(summary({ gapCount: 1, missingSegments: 14, gaps: [gap] }))).toEqual([
      {
        rule: 'wal-continuity',
        status: 'critical',
        message: 'point-in-time recovery stops at 0000000100000003000000A7 (archived 2026-11-30 04:12 UTC): 14 segments missing after it; restores to later times are impossible',
        observed: 14,
        limit: 0,
      },
    ]);
    const many = judgeWalArchive(summary({ gapCount: 3, missingSegments: 20, gaps: [gap] }));
    expect(many[0]!.message).toContain('restores to later times are impossible (3 gaps, 20 segments missing in all)');
  });

  it('a missing start segment means the oldest backup cannot be restored', () => {
    const [finding] = judgeWalArchive(summary({ gapCount: 1, missingSegments: 1, gaps: [{ after: null, afterArchivedAt: null, missing: 1, firstMissing: '000000010000000300000001' }] }));
    expect(finding).toMatchObject({ status: 'critical', message: expect.stringMatching(/^point-in-time recovery cannot start: 000000010000000300000001, the first WAL segment the oldest base backup needs, is not in the archive/) });
  });

  it('a truncated segment is critical, naming it and its size', () => {
    const [finding] = judgeWalArchive(summary({ truncated: [{ name: '000000010000000300000042', sizeBytes: 8 * 1024 * 1024 }], truncatedCount: 1 }));
    expect(finding).toMatchObject({ rule: 'wal-continuity', status: 'critical', message: expect.stringContaining('WAL segment 000000010000000300000042 in the archive is 8') });
    expect(finding!.message).toContain('cut short');
  });

  it('a missing .history of the followed timeline is critical', () => {
    const [finding] = judgeWalArchive(summary({ timeline: 2, chain: [1, 2], missingHistories: [2] }));
    expect(finding).toMatchObject({ status: 'critical', message: expect.stringContaining('00000002.history is missing from the WAL archive or cannot be read') });
  });

  it('the newest WAL only as .partial is said, without turning the source yellow', () => {
    const listing = [
      { name: segmentName(1, 1, S16), sizeBytes: S16, mtimeMs: ARCHIVED },
      { name: `${segmentName(1, 2, S16)}.partial`, sizeBytes: S16, mtimeMs: ARCHIVED + 60_000 },
    ];
    const findings = judgeWalArchive(walContinuity({ listing, segmentSize: S16, startSegment: null, histories: [] }));
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'wal-continuity', status: 'ok', message: expect.stringContaining('the newest WAL exists only as 000000010000000000000002.partial (archived 2026-11-30 04:13 UTC)') }),
    ]);
  });
});
