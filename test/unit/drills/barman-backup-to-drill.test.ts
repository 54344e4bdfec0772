// What a Barman drill restores and what it refuses, from backup.info as Barman 3.4 writes it (the lines below
// are real backup.info files of a backup_method = postgres and of an rsync backup, with the fields a drill does
// not read left out) and from xlog.db's compression names.
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
const RSYNC_LABEL = 'START WAL LOCATION: 0/9000028 (file 000000010000000000000009)\nCHECKPOINT LOCATION: 0/9000060\nBACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: 2026-12-04 12:07:29 UTC\nLABEL: Barman backup pg-orders 20261204T120729\nSTART TIMELINE: 1\n';
const RSYNC_INFO = `backup_label='START WAL LOCATION: 0/9000028 (file 000000010000000000000009)\\nCHECKPOINT LOCATION: 0/9000060\\nBACKUP METHOD: streamed\\nBACKUP FROM: primary\\nSTART TIME: 2026-12-04 12:07:29 UTC\\nLABEL: Barman backup pg-orders 20261204T120729\\nSTART TIMELINE: 1\\n'
begin_offset=40
begin_wal=000000010000000000000009
begin_xlog=0/9000028
compression=None
end_wal=000000010000000000000009
mode=rsync-concurrent
status=DONE
tablespaces=[('archive_space', 16385, '/srv/pg/tablespace-archive_space')]
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
      layout: { kind: 'plain' },
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

  it('reads a compressed backup (backup_compression gzip, lz4, zstd) as tar files in data/', () => {
    for (const compression of ['gzip', 'lz4', 'zstd']) {
      expect(backupToDrill('b1', withFields({ compression }), DIRS)).toMatchObject({ dataDir: '/var/lib/barman/pg/base/b1/data', layout: { kind: 'tar', compression } });
    }
  });

  it('refuses, as an error, a backup compression Barman 3.4 does not take', () => {
    expect(() => backupToDrill('b1', withFields({ compression: 'bzip2' }), DIRS)).toThrow(expect.objectContaining({ outcome: 'error', message: 'Barman backup b1 is compressed with bzip2 (backup_compression in its backup.info), which drills do not unpack: only gzip, lz4 and zstd, the compressions Barman 3.4 takes' }));
  });

  it("reads an rsync backup: backup.info's backup_label decoded, its tablespaces' oids", () => {
    expect(backupToDrill('20261204T120729', parseBackupInfoFile(RSYNC_INFO), DIRS)).toEqual({
      id: '20261204T120729',
      dir: '/var/lib/barman/pg/base/20261204T120729',
      dataDir: '/var/lib/barman/pg/base/20261204T120729/data',
      layout: { kind: 'rsync', backupLabel: RSYNC_LABEL, tablespaceOids: ['16385'] },
      walsDirectory: '/var/lib/barman/pg/wals',
      beginWal: '000000010000000000000009',
      endWal: '000000010000000000000009',
      pgMajor: 15,
      segmentSizeBytes: 16777216,
    });
    const rsync = (fields: Record<string, string>) => ({ ...parseBackupInfoFile(RSYNC_INFO), ...fields });
    expect(backupToDrill('b1', rsync({ tablespaces: 'None' }), DIRS).layout).toEqual({ kind: 'rsync', backupLabel: RSYNC_LABEL, tablespaceOids: [] });
  });

  it("fails an rsync backup whose backup.info's backup_label is missing, not Barman's writing, or contradicts begin_wal", () => {
    const rsync = (fields: Record<string, string>) => ({ ...parseBackupInfoFile(RSYNC_INFO), ...fields });
    const stop = (fields: Record<string, string>) => {
      try {
        backupToDrill('b1', rsync(fields), DIRS);
      } catch (err) {
        return err as { outcome: string; message: string };
      }
      throw new Error('not refused');
    };
    expect(stop({ backup_label: 'None' })).toEqual(expect.objectContaining({ outcome: 'fail', message: 'Barman backup b1 was taken with rsync and its backup.info records no backup_label: without it the copy cannot be restored' }));
    expect(stop({ backup_label: "'START WAL LOCATION: 0/9000028" }).message).toBe("the backup_label in Barman backup b1's backup.info is not terminated (no closing quote): it is not the backup_label Barman writes, and the copy cannot be restored without it");
    expect(stop({ backup_label: "'START\\x00'" }).message).toMatch(/^the backup_label in Barman backup b1's backup\.info has an escape "\\\\x00" at character 6, which Barman never writes in it/);
    expect(stop({ backup_label: `'${'x'.repeat(20_000)}'` }).message).toMatch(/^the backup_label in Barman backup b1's backup\.info is 20002 characters long, more than a backup_label can be/);
    expect(stop({ backup_label: "b'START'" }).message).toMatch(/^the backup_label in Barman backup b1's backup\.info is not a quoted string/);
    expect(stop({ backup_label: "'LABEL: x\\n'" }).message).toBe("the backup_label in Barman backup b1's backup.info does not start with PostgreSQL's START WAL LOCATION and CHECKPOINT LOCATION lines: the copy cannot be restored with it");
    expect(stop({ begin_wal: '000000010000000000000008' }).message).toBe("the backup_label in Barman backup b1's backup.info starts in 000000010000000000000009, but its begin_wal is 000000010000000000000008: backup.info contradicts itself, and the backup cannot be trusted to restore");
    expect(stop({ tablespaces: "[('a', 'x', '/l')]" }).message).toBe("the tablespaces line of Barman backup b1's backup.info has a tablespace oid that is not a PostgreSQL oid (at character 7): the drill cannot tell which tablespaces the backup holds");
    for (const fields of [{ backup_label: 'None' }, { tablespaces: '{}' }] as Record<string, string>[]) expect(stop(fields).outcome).toBe('fail');
  });

  it('refuses an exclusive rsync backup, and a snapshot, passive or unrecorded mode, as errors naming what to do', () => {
    expect(() => backupToDrill('b1', withFields({ mode: 'rsync-exclusive' }), DIRS)).toThrow(expect.objectContaining({ outcome: 'error', message: expect.stringMatching(/^Barman backup b1 is an exclusive backup \(mode rsync-exclusive: backup_options = exclusive_backup\).*drills restore concurrent backups/) }));
    for (const mode of ['snapshot-concurrent', 'passive', 'None']) {
      expect(() => backupToDrill('b1', withFields({ mode }), DIRS)).toThrow(expect.objectContaining({ outcome: 'error', message: expect.stringMatching(/^Barman backup b1 was taken with (mode \S+|no mode recorded); drills restore backups taken with backup_method = postgres \(a pg_basebackup tree or its tar files\) or rsync \(concurrent\): restore this one with barman recover/) }));
    }
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
