import { describe, expect, it } from 'vitest';
import type { BackupType, ObservedBackup } from '../../../shared/model';
import { sizeAnomaly } from '../../../electron/engine/health/size-anomalies';

const DAY = 86_400_000;
const backup = (day: number, sizeBytes: number, type: BackupType = 'dump', readable = true): ObservedBackup => ({ key: `b${day}`, type, finishedAt: day * DAY, sizeBytes, readable });

describe('size anomalies on the size chart', () => {
  const week = [1, 2, 3, 4, 5, 6, 7].map((d) => backup(d, 100_000_000));

  it('marks a dump far smaller than the ones before it, and an unreadable one', () => {
    expect(sizeAnomaly(backup(8, 30_000_000), week)).toBe('small');
    expect(sizeAnomaly(backup(8, 90_000_000), week)).toBeNull();
    expect(sizeAnomaly(backup(8, 0), week)).toBe('unreadable');
    expect(sizeAnomaly(backup(8, 5_000, 'dump', false), week)).toBe('unreadable');
    expect(sizeAnomaly(backup(8, 90_000_000), week, 95_000_000)).toBe('small');
  });

  it('compares like with like: a tiny incremental is normal, a small full among fulls is not', () => {
    const fulls = [1, 8, 15].map((d) => backup(d, 100_000_000, 'full'));
    const incrs = [2, 3, 4, 5, 6].map((d) => backup(d, 10_000, 'incr'));
    const history = [...fulls, ...incrs].sort((a, b) => a.finishedAt - b.finishedAt);
    expect(sizeAnomaly(backup(16, 10_000, 'incr'), history)).toBeNull();
    expect(sizeAnomaly(backup(22, 30_000_000, 'full'), history)).toBe('small');
    expect(sizeAnomaly(backup(22, 95_000_000, 'full'), history)).toBeNull();
  });
});
