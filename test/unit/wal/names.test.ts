import { describe, expect, it } from 'vitest';
import {
  backupHistoryName,
  formatLsn,
  isValidSegmentSize,
  parseLsn,
  parseWalFileName,
  segmentName,
  segmentNameOfLsn,
  segmentOfLsn,
  segmentStartLsn,
  segmentsPerLog,
  timelineHistoryName,
} from '../../../electron/engine/wal/names';

const MB = 1024 * 1024;
const SHA1 = '0123456789abcdef0123456789abcdef01234567';

describe('WAL segment names', () => {
  it('with 16 MB segments the low part runs 00 to FF, then the middle part steps', () => {
    expect(segmentsPerLog(16 * MB)).toBe(256);
    expect(segmentName(1, 255, 16 * MB)).toBe('0000000100000000000000FF');
    expect(segmentName(1, 256, 16 * MB)).toBe('000000010000000100000000');
    expect(parseWalFileName('000000010000000100000000', 16 * MB)).toEqual({ kind: 'segment', timeline: 1, segment: 256, compression: null });
    // 0x100 in the low part is no segment with 16 MB segments, but is one with 1 MB segments (4096 per log).
    expect(parseWalFileName('000000010000000000000100', 16 * MB)).toBeNull();
    expect(parseWalFileName('000000010000000000000100', MB)).toMatchObject({ kind: 'segment', segment: 256 });
    expect(segmentName(1, 4096, MB)).toBe('000000010000000100000000');
  });

  it('with 1 GB segments a log holds four segments', () => {
    expect(segmentsPerLog(1024 * MB)).toBe(4);
    expect(segmentName(3, 9, 1024 * MB)).toBe('000000030000000200000001');
    expect(parseWalFileName('000000030000000200000001', 1024 * MB)).toMatchObject({ timeline: 3, segment: 9 });
    expect(parseWalFileName('000000030000000200000004', 1024 * MB)).toBeNull();
  });

  it('round-trips the largest segment number of 1 MB segments exactly', () => {
    const last = 0xffffffff * 4096 + 4095;
    const name = segmentName(0x7fffffff, last, MB);
    expect(name).toBe('7FFFFFFFFFFFFFFF00000FFF');
    expect(parseWalFileName(name, MB)?.segment).toBe(last);
  });

  it('reads .partial, backup history and timeline history files', () => {
    expect(parseWalFileName('0000000100000000000000A7.partial', 16 * MB)).toEqual({ kind: 'partial', timeline: 1, segment: 0xa7, compression: null });
    expect(parseWalFileName('000000010000000000000002.00000028.backup', 16 * MB)).toEqual({
      kind: 'backup-history',
      timeline: 1,
      segment: 2,
      backupOffset: 0x28,
      compression: null,
    });
    expect(parseWalFileName('00000002.history', 16 * MB)).toEqual({ kind: 'timeline-history', timeline: 2, segment: -1, compression: null });
  });

  it('reads compression suffixes and pgBackRest checksums', () => {
    for (const ext of ['gz', 'zst', 'lz4', 'bz2', 'xz'] as const) {
      expect(parseWalFileName(`000000010000000000000003.${ext}`, 16 * MB)).toMatchObject({ kind: 'segment', segment: 3, compression: ext });
    }
    expect(parseWalFileName(`000000010000000000000001-${SHA1}.gz`, 16 * MB)).toEqual({ kind: 'segment', timeline: 1, segment: 1, compression: 'gz', sha1: SHA1 });
    expect(parseWalFileName(`000000010000000000000001-${SHA1}`, 16 * MB)).toMatchObject({ kind: 'segment', sha1: SHA1, compression: null });
    expect(parseWalFileName(`000000010000000000000005.partial-${SHA1}.zst`, 16 * MB)).toMatchObject({ kind: 'partial', segment: 5, compression: 'zst', sha1: SHA1 });
  });

  it('refuses what PostgreSQL would not take for a WAL file', () => {
    for (const name of [
      '0000000100000000000000a7', // lower case: PostgreSQL's checks take upper case only
      '00000000000000000000000A', // timeline 0 does not exist
      '00000001000000000000000', // 23 digits
      '0000000100000000000000A7.tmp',
      '0000000100000000000000A7.gz.tmp',
      'archive_status',
      '.0000000100000000000000A7',
      '00000002.history.bak',
      `000000010000000000000001-${SHA1.toUpperCase()}.gz`,
      '000000010000000000000002.0000002.backup',
    ]) {
      expect(parseWalFileName(name, 16 * MB), name).toBeNull();
    }
  });

  it('formats the file names PostgreSQL writes', () => {
    expect(timelineHistoryName(0x1a)).toBe('0000001A.history');
    expect(backupHistoryName(1, parseLsn('0/2000028')!, 16 * MB)).toBe('000000010000000000000002.00000028.backup');
  });

  it('knows which segment sizes exist', () => {
    expect([MB, 2 * MB, 16 * MB, 64 * MB, 1024 * MB].every(isValidSegmentSize)).toBe(true);
    expect([0, MB / 2, 3 * MB, 2048 * MB, 16 * MB + 1].some(isValidSegmentSize)).toBe(false);
  });
});

describe('LSNs', () => {
  it('parses and formats as PostgreSQL prints them', () => {
    expect(parseLsn('0/3000148')).toBe(0x3000148n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(0x3000148n)).toBe('0/3000148');
    expect(formatLsn((0x16n << 32n) | 0xb374d848n)).toBe('16/B374D848');
    expect(parseLsn('3000148')).toBeNull();
    expect(parseLsn('0/123456789')).toBeNull();
  });

  it('finds the segment holding a position, for any segment size', () => {
    expect(segmentOfLsn(parseLsn('0/3000148')!, 16 * MB)).toBe(3);
    expect(segmentNameOfLsn(1, parseLsn('3/A7000000')!, 16 * MB)).toBe('0000000100000003000000A7');
    expect(segmentNameOfLsn(1, parseLsn('3/A7FFFFFF')!, 16 * MB)).toBe('0000000100000003000000A7');
    expect(segmentNameOfLsn(1, parseLsn('3/A7000000')!, 64 * MB)).toBe('000000010000000300000029');
    expect(segmentNameOfLsn(1, parseLsn('3/A7000000')!, MB)).toBe('000000010000000300000A70');
    expect(segmentStartLsn(3, 16 * MB)).toBe(0x3000000n);
  });
});
