// What PostgreSQL writes about a base backup, read: backup_label and the .backup history file (times in the
// server's zone), backup_manifest's two ends (WAL-Ranges after the file list), tablespace_map, and the head of
// a tar stream (ustar headers, GNU long names, a cut or damaged stream).
import { describe, expect, it } from 'vitest';
import { parseBackupHistory, parseBackupLabel, parseLabelTime } from '../../../electron/engine/sources/basebackup/backup-label';
import { parseManifestEnds } from '../../../electron/engine/sources/basebackup/manifest';
import { parseTablespaceMap, formatOf } from '../../../electron/engine/sources/basebackup/read-backup';
import { readTarHead } from '../../../electron/engine/sources/basebackup/tar-head';
import { decompressHead, zstdContentSize } from '../../../electron/engine/sources/basebackup/decompress';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

const LABEL = `START WAL LOCATION: 0/2000028 (file 000000010000000000000002)
CHECKPOINT LOCATION: 0/2000060
BACKUP METHOD: streamed
BACKUP FROM: primary
START TIME: 2026-12-04 00:23:21 UTC
LABEL: nightly 2026-12-04
START TIMELINE: 1
`;

describe('backup_label and the .backup history file', () => {
  it('reads every line pg_basebackup writes', () => {
    expect(parseBackupLabel(LABEL)).toEqual({
      startLsn: '0/2000028',
      startSegment: '000000010000000000000002',
      checkpointLsn: '0/2000060',
      method: 'streamed',
      from: 'primary',
      startTime: Date.UTC(2026, 11, 4, 0, 23, 21),
      startTimeText: '2026-12-04 00:23:21 UTC',
      label: 'nightly 2026-12-04',
      startTimeline: 1,
      incrementalFromLsn: null,
    });
  });

  it('reads the stop location and time of the history file, and a PostgreSQL 17 incremental backup', () => {
    const history = parseBackupHistory(
      `${LABEL.replace('START TIMELINE: 1\n', '')}START TIMELINE: 1\nSTOP WAL LOCATION: 0/2000100 (file 000000010000000000000002)\nSTOP TIME: 2026-12-04 01:23:25 CET\nSTOP TIMELINE: 1\nINCREMENTAL FROM LSN: 0/1000028\nINCREMENTAL FROM TLI: 1\n`,
    );
    expect(history).toMatchObject({ stopLsn: '0/2000100', stopSegment: '000000010000000000000002', stopTime: Date.UTC(2026, 11, 4, 0, 23, 25), stopTimeline: 1, incrementalFromLsn: '0/1000028' });
  });

  it('reads times in numeric zones and common abbreviations, and leaves an unknown zone unread', () => {
    expect(parseLabelTime('2026-12-04 05:53:21 +0530')).toBe(Date.UTC(2026, 11, 4, 0, 23, 21));
    expect(parseLabelTime('2026-12-03 19:23:21 EST')).toBe(Date.UTC(2026, 11, 4, 0, 23, 21));
    expect(parseLabelTime('2026-12-04 00:23:21 XYZT')).toBeNull();
    expect(parseLabelTime('yesterday')).toBeNull();
  });

  it('leaves out what is malformed rather than guessing', () => {
    expect(parseBackupLabel('START WAL LOCATION: nonsense\nSTART TIMELINE: -3\n')).toMatchObject({ startLsn: null, startSegment: null, startTimeline: null, label: null });
  });
});

describe('backup_manifest', () => {
  const head = '{ "PostgreSQL-Backup-Manifest-Version": 2,\n"System-Identifier": 7445046183224436815,\n"Files": [\n{ "Path": "backup_label", "Size": 225 },\n';
  it('reads the version at the head and the WAL ranges and checksum at the tail', () => {
    const tail = '{ "Path": "global/pg_control", "Size": 8192 }\n],\n"WAL-Ranges": [\n{ "Timeline": 1, "Start-LSN": "0/5000028", "End-LSN": "0/6000000" },\n{ "Timeline": 2, "Start-LSN": "0/6000000", "End-LSN": "0/6000100" }\n],\n"Manifest-Checksum": "952be5b8a9f15310f05493dd142fa145ae51ff1b79459ea0730215b94ad12a45"}\n';
    expect(parseManifestEnds(head, tail)).toEqual({
      version: 2,
      systemIdentifier: '7445046183224436815',
      walRanges: [
        { timeline: 1, startLsn: '0/5000028', endLsn: '0/6000000' },
        { timeline: 2, startLsn: '0/6000000', endLsn: '0/6000100' },
      ],
      checksum: '952be5b8a9f15310f05493dd142fa145ae51ff1b79459ea0730215b94ad12a45',
    });
  });

  it('has no checksum when the manifest was cut short', () => {
    expect(parseManifestEnds(head, '{ "Path": "base/1/1259", "Size": 8192, "Last-Mod').checksum).toBeNull();
  });
});

describe('tablespace_map and the backup format', () => {
  it('reads oid and path, a path with spaces kept', () => {
    expect(parseTablespaceMap('16395 /srv/pg/fast disk\n16400 /srv/pg/slow\n')).toEqual([
      { oid: '16395', path: '/srv/pg/fast disk' },
      { oid: '16400', path: '/srv/pg/slow' },
    ]);
  });

  it('tells plain from tar by the entries, and a directory of something else from both', () => {
    const file = (name: string) => ({ name, type: 'file' as const, size: 1, mtimeMs: 0 });
    expect(formatOf([file('base.tar.zst'), file('pg_wal.tar'), file('backup_manifest')])).toMatchObject({ format: 'tar', compression: 'zstd', baseTar: 'base.tar.zst', walTar: 'pg_wal.tar' });
    expect(formatOf([file('PG_VERSION'), { name: 'global', type: 'dir', size: 0, mtimeMs: 0 }])).toMatchObject({ format: 'plain' });
    expect(formatOf([file('notes.txt')])).toBeNull();
  });
});

/** One ustar member as tar(1) writes it. */
function member(name: string, content: Buffer | string, type = '0'): Buffer {
  const body = Buffer.from(content);
  const header = Buffer.alloc(512);
  header.write(name, 0, 'latin1');
  header.write('0000600\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write(type, 156);
  header.write('ustar\x0000', 257, 'latin1');
  header.write('        ', 148);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return Buffer.concat([header, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

describe('the head of a tar stream', () => {
  const tar = Buffer.concat([member('backup_label', LABEL), member('tablespace_map', ''), member('pg_stat/', '', '5'), member('PG_VERSION', '15\n'), member('base/1/1259', Buffer.alloc(8192)), Buffer.alloc(1024)]);

  it('keeps the members asked for and lists the rest', () => {
    const head = readTarHead(tar, new Set(['backup_label', 'PG_VERSION']));
    expect(head).toMatchObject({ cut: false, damaged: false });
    expect(head.members.map((m) => [m.name, m.type, m.size])).toEqual([
      ['backup_label', '0', Buffer.byteLength(LABEL)],
      ['tablespace_map', '0', 0],
      ['pg_stat/', '5', 0],
      ['PG_VERSION', '0', 3],
      ['base/1/1259', '0', 8192],
    ]);
    expect(head.members[0]!.content!.toString()).toBe(LABEL);
    expect(head.members[3]!.content!.toString()).toBe('15\n');
    expect(head.members[4]!.content).toBeNull();
  });

  it('says when the data ends inside the archive, and when it is not a tar stream', () => {
    expect(readTarHead(tar.subarray(0, 2048), new Set(['PG_VERSION']))).toMatchObject({ cut: true, damaged: false });
    expect(readTarHead(Buffer.alloc(1024, 0x41), new Set())).toMatchObject({ members: [], damaged: true });
  });

  it('follows a GNU long name', () => {
    const long = 'base/16384/' + 'x'.repeat(120);
    const head = readTarHead(Buffer.concat([member('././@LongLink', `${long}\0`, 'L'), member('ignored', 'abc'), Buffer.alloc(1024)]), new Set([long]));
    expect(head.members).toEqual([{ name: long, size: 3, type: '0', content: Buffer.from('abc') }]);
  });

  it('decompresses the first bytes of a gzipped tarball as far as they go', async () => {
    // A data file that does not compress, so half the file is half the tarball.
    const gz = gzipSync(Buffer.concat([tar.subarray(0, tar.length - 1024), member('base/1/2608', randomBytes(64 * 1024)), Buffer.alloc(1024)]));
    const out = await decompressHead(gz.subarray(0, Math.floor(gz.length / 2)), 'gzip', 1024 * 1024);
    expect(out.ok).toBe(true);
    const head = readTarHead(out.ok ? out.data : Buffer.alloc(0), new Set(['backup_label']));
    expect(head.members[0]!.content!.toString()).toBe(LABEL);
  });
});

describe('a zstd frame header', () => {
  it('states the size of what it holds when zstd knew it (a file, not a pipe)', () => {
    // zstd -q segment -o segment.zst of a 16 MB segment: 4-byte content size after the window byte.
    expect(zstdContentSize(Buffer.from('28b52ffd8458000000015400001000000100', 'hex'))).toBe(16 * 1024 * 1024);
    // From a pipe: no content size in the header.
    expect(zstdContentSize(Buffer.from('28b52ffd0458000000000000000000000000', 'hex'))).toBeNull();
    expect(zstdContentSize(Buffer.from('1f8b0800000000000003', 'hex'))).toBeNull();
  });
});
