// What a Barman drill restores and what it refuses, from backup.info as Barman 3.4 writes it (the lines below
// are a real backup.info of a backup_method = postgres backup, with the fields a drill does not read left out)
// and from xlog.db's compression names.
import { describe, expect, it } from 'vitest';
import { parseBackupInfoFile } from '../../../electron/engine/sources/barman/barman-json';
import { backupToDrill } from '../../../electron/engine/sources/barman/drill-backup-info';
import { refuseUnreadable } from '../../../electron/engine/sources/barman/fetch-wal';

const INFO = `backup_label='START WAL LOCATION: 0/3000028 (file 000000010000000000000003)\\nCHECKPOINT LOCATION: 0/3000060\\nBACKUP METHOD: streamed\\nBACKUP FROM: primary\\nSTART TIME: 2026-12-04 08:26:49 UTC\\nLABEL: pg_basebackup base backup\\nSTART TIMELINE: 1\\n'
begin_offset=40
begin_time=2026-12-04 08:26:45.913418+00:00
begin_wal=000000010000000000000003
begin_xlog=0/3000028
compression=None
end_wal=000000010000000000000004
mode=postgres
pgdata=/srv/pg/data
status=DONE
tablespaces=None
timeline=1
version=150018
xlog_segment_size=16777216
`;
const DIRS = { basebackupsDirectory: '/var/lib/barman/pg/base', walsDirectory: '/var/lib/barman/pg/wals' };
const withFields = (fields: Record<string, string>) => {
  return { ...parseBackupInfoFile(INFO), ...fields };
};

describe('backupToDrill', () => {
  it("reads where the tree is, the WAL it needs, the PostgreSQL major and the segment size", () => {
    expect(backupToDrill('20261204T082645', parseBackupInfoFile(INFO), DIRS)).toEqual({
      id: '20261204T082645',
      dir: '/var/lib/barman/pg/base/20261204T082645',
      dataDir: '/var/lib/barman/pg/base/20261204T082645/data',
      walsDirectory: '/var/lib/barman/pg/wals',
      beginWal: '000000010000000000000003',
      endWal: '000000010000000000000004',
      pgMajor: 15,
      segmentSizeBytes: 16777216,
    });
  });

  it('fails a backup that is not DONE, naming its status', () => {
    for (const status of ['FAILED', 'WAITING_FOR_WALS', 'STARTED']) {
      const stop = (() => {
        try {
          backupToDrill('20261204T082645', withFields({ status }), DIRS);
        } catch (err) {
          return err as { outcome: string; message: string };
        }
        throw new Error('not refused');
      })();
      expect(stop.outcome).toBe('fail');
      expect(stop.message).toBe(`Barman backup 20261204T082645 is ${status} in its backup.info, not DONE: only a DONE backup is complete enough to restore`);
    }
  });

  it('refuses an rsync-method backup (its backup_label is only in backup.info) and a compressed one, as errors', () => {
    expect(() => backupToDrill('b1', withFields({ mode: 'rsync-concurrent' }), DIRS)).toThrow(/^Barman backup b1 was taken with mode rsync-concurrent; drills restore backups taken with backup_method = postgres .*backup_label only in backup\.info/);
    expect(() => backupToDrill('b1', withFields({ compression: 'gzip' }), DIRS)).toThrow(/^Barman backup b1 is compressed \(backup_compression = gzip/);
    expect(() => backupToDrill('b1', withFields({ mode: 'rsync-exclusive' }), DIRS)).toThrow(expect.objectContaining({ outcome: 'error' }));
  });

  it('fails a backup that does not say its WAL range', () => {
    expect(() => backupToDrill('b1', withFields({ begin_wal: 'None' }), DIRS)).toThrow(/does not say which WAL it needs \(begin_wal missing/);
  });
});

describe('refuseUnreadable', () => {
  const file = (compression: string | null) => ({ name: '000000010000000000000007', sizeBytes: 100, archivedAt: 0, compression });

  it("lets through what restore_command decompresses in the sandbox: none, gzip, pigz, bzip2", () => {
    expect(() => refuseUnreadable([file(null), file('gzip'), file('pigz'), file('pygzip'), file('bzip2'), file('pybzip2')], '/var/lib/barman/pg/wals')).not.toThrow();
  });

  it("refuses Barman's custom compression as an error: a drill runs no filter program of a config", () => {
    expect(() => refuseUnreadable([file('gzip'), file('custom')], '/var/lib/barman/pg/wals')).toThrow(/^Barman stores 000000010000000000000007 in \/var\/lib\/barman\/pg\/wals with its custom compression \(custom_decompression_filter.*which a drill cannot decompress/);
    expect(() => refuseUnreadable([file('custom')], '/w')).toThrow(expect.objectContaining({ outcome: 'error' }));
  });
});
