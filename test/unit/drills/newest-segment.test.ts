// The newest segment a physical drill fetched: the furthest position, and there the highest timeline (a
// promotion's first segment on timeline 2 is newer than timeline 1's file of the same position).
import { describe, expect, it } from 'vitest';
import { newestSegmentOf } from '../../../electron/engine/drills/wal-replay';

describe('newestSegmentOf', () => {
  it('takes the furthest position, not the highest timeline', () => {
    expect(newestSegmentOf(['000000020000000000000005', '000000010000000000000009', '000000010000000000000007'])).toBe('000000010000000000000009');
  });

  it('at the same position, the higher timeline', () => {
    expect(newestSegmentOf(['000000010000000000000006', '000000020000000000000006', '000000010000000000000005'])).toBe('000000020000000000000006');
  });

  it('is null for none', () => {
    expect(newestSegmentOf([])).toBeNull();
  });
});
