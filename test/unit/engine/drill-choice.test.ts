// Which backup a drill restores, and the failed drill of a source whose every backup is unreadable.
import { describe, expect, it } from 'vitest';
import { dumpDirSourceSchema, resticSourceSchema } from '../../../shared/config';
import type { ObservedBackup, Poll } from '../../../shared/model';
import { chooseDrillBackup, DrillRequestError } from '../../../electron/engine/drill-choice';

const AT = Date.UTC(2026, 0, 15, 3, 0);
const HOUR = 3_600_000;
const backup = (key: string, readable: boolean, problem?: string): ObservedBackup => ({ key, type: 'dump', finishedAt: AT - 1000, sizeBytes: 10, readable, problem });

describe('chooseDrillBackup', () => {
  it('restores the newest readable backup, skipping unreadable newer ones', () => {
    const known = [backup('/d/3.dump', false, 'empty file (0 bytes): pg_dump probably failed'), backup('/d/2.dump', true), backup('/d/1.dump', true)];
    expect(chooseDrillBackup('orders', known, AT)).toEqual({ backup: known[1] });
  });

  it('a source whose every backup is unreadable gets a failed drill naming the newest and why', () => {
    const known = [backup('/d/2.dump', false, 'empty file (0 bytes): pg_dump probably failed'), backup('/d/1.dump', false, 'not a pg_dump file')];
    expect(chooseDrillBackup('orders', known, AT)).toEqual({
      noneRestores: {
        sourceId: 'orders',
        backupKey: '/d/2.dump',
        startedAt: AT,
        finishedAt: AT,
        outcome: 'fail',
        phases: {},
        restoreMs: null,
        tables: 0,
        rows: 0,
        restoredBytes: null,
        checks: [],
        message: 'no backup of orders restores: all 2 backups are unreadable; the newest, /d/2.dump: empty file (0 bytes): pg_dump probably failed',
      },
    });
    const only = chooseDrillBackup('orders', [backup('/d/1.dump', false)], AT);
    expect(only).toMatchObject({ noneRestores: { outcome: 'fail', message: 'no backup of orders restores: its only backup, /d/1.dump, is unreadable' } });
  });

  it('no backups at all is a request error, not a drill: there is nothing to judge', () => {
    expect(() => chooseDrillBackup('orders', [], AT)).toThrow(new DrillRequestError('orders has no backups to restore yet'));
  });

  it('a backup asked for by key or file name is drilled even when unreadable; an unknown one is a request error', () => {
    const known = [backup('/d/2.dump', false, 'not a pg_dump file'), backup('/d/1.dump', true)];
    expect(chooseDrillBackup('orders', known, AT, '/d/2.dump')).toEqual({ backup: known[0] });
    expect(chooseDrillBackup('orders', known, AT, '1.dump')).toEqual({ backup: known[1] });
    expect(() => chooseDrillBackup('orders', known, AT, '9.dump')).toThrow('orders has no backup "9.dump" (newest: /d/2.dump, /d/1.dump)');
  });

  it('picks by the one definition of newest whatever order it is given: the pg_dump header time, then mtime, then name', () => {
    const dated = (key: string, createdAt: number): ObservedBackup => ({ ...backup(key, true), meta: { header: { format: 'custom', createdAt } } });
    // One mtime for all (a copied directory): shop-2's header is the newest; shop-3 only sorts last.
    const known = [dated('/d/shop-1.dump', AT - 3 * HOUR), dated('/d/shop-3.dump', AT - 2 * HOUR), dated('/d/shop-2.dump', AT - HOUR)];
    expect(chooseDrillBackup('shop', known, AT)).toEqual({ backup: known[2] });
    expect(chooseDrillBackup('shop', [...known].reverse(), AT)).toEqual({ backup: known[2] });
    // Without header times, the same mtime: the name that sorts last.
    const undated = [backup('/d/orders-2026-01-14.dump', true), backup('/d/orders-2026-01-15.dump', true)];
    expect(chooseDrillBackup('orders', undated, AT)).toEqual({ backup: undated[1] });
  });

  it('--backup naming a file rewritten in place picks its newest version', () => {
    const version = (finishedAt: number): ObservedBackup => ({ ...backup('/d/latest.dump', true), finishedAt });
    const known = [version(AT - 2 * HOUR), version(AT - 26 * HOUR), version(AT - HOUR)];
    expect(chooseDrillBackup('orders', known, AT, 'latest.dump')).toEqual({ backup: known[2] });
    expect(chooseDrillBackup('orders', known, AT, '/d/latest.dump')).toEqual({ backup: known[2] });
  });

  describe('no backups: says what the poll found instead', () => {
    const dumps = dumpDirSourceSchema.parse({ id: 'orders', kind: 'dump-dir', path: '/var/backups/orders', pattern: '*.dump' });
    const poll = (overrides: Partial<Poll>): Poll => ({
      sourceId: 'orders',
      at: AT,
      durationMs: 5,
      ok: true,
      error: null,
      metrics: { kind: 'dump-dir', fileCount: 0, totalBytes: 0, inProgress: 0 },
      newestBackupAt: null,
      newestBackupSize: null,
      storedBytes: null,
      status: 'unknown',
      ...overrides,
    });
    const refusal = (latest: Parameters<typeof chooseDrillBackup>[4]) => {
      try {
        chooseDrillBackup('orders', [], AT, undefined, latest);
      } catch (err) {
        expect(err).toBeInstanceOf(DrillRequestError);
        return (err as Error).message;
      }
      throw new Error('a drill was chosen');
    };

    it('files copied in within settle: still being written, drill once they settle', () => {
      const metrics = { kind: 'dump-dir' as const, fileCount: 0, totalBytes: 0, inProgress: 9 };
      expect(refusal({ source: dumps, poll: poll({ metrics }) })).toBe(
        'orders has no backups to restore yet: 9 files matching "*.dump" in /var/backups/orders changed in the last 1m and are still being written; drill again once they have been unchanged for that long (settle), or lower settle if they are complete',
      );
      const remote = dumpDirSourceSchema.parse({ ...dumps, host: 'backup@backup1', settle: '5m' });
      expect(refusal({ source: remote, poll: poll({ metrics: { ...metrics, inProgress: 1 } }) })).toContain('1 file matching "*.dump" in /var/backups/orders on backup@backup1 changed in the last 5m and is still being written');
    });

    it('an empty directory, a failed poll, a source never polled', () => {
      expect(refusal({ source: dumps, poll: poll({}) })).toBe('orders has no backups to restore yet: no file matching "*.dump" in /var/backups/orders');
      const failed = poll({ ok: false, metrics: null, error: { code: 'permission-denied', message: 'permission denied reading /var/backups/orders: user bh (uid 998) cannot list it' } });
      expect(refusal({ source: dumps, poll: failed })).toBe(
        'orders has no backups to restore yet: the poll of it failed (permission denied reading /var/backups/orders: user bh (uid 998) cannot list it); fix that, then drill again',
      );
      expect(refusal({ source: dumps, poll: null })).toBe('orders has no backups to restore yet: it has not been polled; run backup-health check first');
      const restic = resticSourceSchema.parse({ id: 'orders', kind: 'restic', repo: '/srv/restic', passwordFile: '/etc/restic.pass' });
      expect(refusal({ source: restic, poll: poll({ metrics: null }) })).toBe('orders has no backups to restore yet');
    });
  });
});
