import { describe, expect, it } from 'vitest';
import { STORED_BYTES_LABEL, storedBytesOf } from '../../../electron/engine/sources/index';

import type { PostgresMetrics } from '../../../shared/model';

const postgres = (sizes: (number | null)[]): PostgresMetrics => ({
  kind: 'postgres',
  serverVersion: '16.4',
  serverVersionNum: 160004,
  serverMajor: 16,
  inRecovery: false,
  databases: sizes.map((sizeBytes, i) => ({ name: `db${i}`, sizeBytes })),
  archiver: null,
  standbys: [],
  replayDelayMs: null,
});

describe('storedBytesOf', () => {
  it("takes each kind's stored size from its metrics", () => {
    expect(storedBytesOf({ kind: 'restic', snapshotCount: 4, repoSizeBytes: 7_000_000, restoreSizeBytes: 2_000_000, sizesPending: 0 })).toBe(7_000_000);
    expect(storedBytesOf({ kind: 'borg', archiveCount: 3, encryption: 'repokey', repoSizeBytes: 5_500_000 })).toBe(5_500_000);
    expect(storedBytesOf({ kind: 'dump-dir', fileCount: 7, totalBytes: 350_000_000, inProgress: 1 })).toBe(350_000_000);
    expect(
      storedBytesOf({ kind: 'pgbackrest', stanzaStatus: { code: 0, message: 'ok' }, archiveMin: null, archiveMax: null, backupCount: 2, backupLockHeld: false, repoSizeBytes: 9_000_000 }),
    ).toBe(9_000_000);
  });

  it('sums the database sizes the monitoring role may read, and knows nothing when it may read none', () => {
    expect(storedBytesOf(postgres([5_000_000_000, null, 7_500_000]))).toBe(5_007_500_000);
    expect(storedBytesOf(postgres([null, null]))).toBeNull();
    expect(storedBytesOf(postgres([]))).toBeNull();
    expect(storedBytesOf(postgres([0]))).toBe(0);
  });

  it('is null for a failed poll and for sizes the probe could not measure', () => {
    expect(storedBytesOf(null)).toBeNull();
    expect(storedBytesOf({ kind: 'restic', snapshotCount: 4, repoSizeBytes: null, restoreSizeBytes: null, sizesPending: 4 })).toBeNull();
    expect(storedBytesOf({ kind: 'borg', archiveCount: 0, encryption: 'none', repoSizeBytes: null })).toBeNull();
    // Metrics recorded before pgBackRest's repository size was measured.
    expect(storedBytesOf({ kind: 'pgbackrest', stanzaStatus: { code: 0, message: 'ok' }, archiveMin: null, archiveMax: null, backupCount: 2, backupLockHeld: false })).toBeNull();
  });

  it('keeps an emptied repository or directory as 0 bytes: that is the prune gone wrong the chart is for', () => {
    expect(storedBytesOf({ kind: 'dump-dir', fileCount: 0, totalBytes: 0, inProgress: 0 })).toBe(0);
    expect(storedBytesOf({ kind: 'restic', snapshotCount: 0, repoSizeBytes: 0, restoreSizeBytes: null, sizesPending: 0 })).toBe(0);
  });

  it('counts a basebackup source\'s backups and WAL archive together', () => {
    const metrics = { kind: 'basebackup' as const, backupCount: 2, backupBytes: 5_000_000, archiveBytes: 48_000_000, archiveFiles: 3, newestSegment: null, newestSegmentAt: null, walSegmentSize: 16_777_216, walArchive: null };
    expect(storedBytesOf(metrics)).toBe(53_000_000);
  });

  it('names what it measures for every kind', () => {
    expect(STORED_BYTES_LABEL).toEqual({
      restic: 'Repository size',
      borg: 'Repository size',
      pgbackrest: 'Repository size',
      basebackup: 'Base backups and WAL archive',
      barman: 'Barman backups and WAL',
      'dump-dir': 'Dump directory size',
      postgres: 'Database size',
    });
  });
});
