// Which backup a drill restores, and the failed drill of a source whose every backup is unreadable.
import { describe, expect, it } from 'vitest';
import type { ObservedBackup } from '../../../shared/model';
import { chooseDrillBackup, DrillRequestError } from '../../../electron/engine/drill-choice';

const AT = Date.UTC(2026, 0, 15, 3, 0);
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
});
