// Barman's xlog.db as Barman 3.4 writes it (name, size, time, compression; tab-separated), the paths it keeps
// WAL at, and the listing handed to the WAL library: a gzipped segment is never taken for a truncated one.
import { describe, expect, it } from 'vitest';
import { barmanWalPath, continuityEntries, parseXlogDb, walCompressionOf } from '../../../electron/engine/sources/barman/xlogdb';
import { walContinuity } from '../../../electron/engine/wal/continuity';

const SEGMENT_SIZE = 16 * 1024 * 1024;
// Recorded from Barman 3.4 (compression = gzip), with a .history and a .backup line as Barman lists them.
const XLOG_DB = [
  '000000010000000000000003\t16384\t1796372535.097939\tgzip',
  '000000010000000000000003.00000028.backup\t312\t1796372538.0\tNone',
  '000000010000000000000004\t16543\t1796372600.5\tgzip',
  '00000002.history\t42\t1796372700.0\tNone',
  '000000020000000000000005\t16777216\t1796372800.25\tNone',
  'garbage line',
  '',
].join('\n');

describe('xlog.db', () => {
  it('parses every line into name, size, archive time (ms) and compression, counting lines that are not Barman\'s', () => {
    const { files, badLines } = parseXlogDb(XLOG_DB);
    expect(badLines).toBe(1);
    expect(files).toHaveLength(5);
    expect(files[0]).toEqual({ name: '000000010000000000000003', sizeBytes: 16384, archivedAt: 1796372535098, compression: 'gzip' });
    expect(files[1]!.compression).toBeNull();
    expect(files[4]!.archivedAt).toBe(1796372800250);
  });

  it('says where Barman keeps each file: segments under their first 16 hex digits, history files at the top', () => {
    expect(barmanWalPath('/var/lib/barman/pg/wals', '000000010000000000000003')).toBe('/var/lib/barman/pg/wals/0000000100000000/000000010000000000000003');
    expect(barmanWalPath('/var/lib/barman/pg/wals', '00000002.history')).toBe('/var/lib/barman/pg/wals/00000002.history');
  });

  it('names Barman\'s compressions by the suffix the WAL library knows, and none for custom', () => {
    expect(['gzip', 'pigz', 'pygzip', 'bzip2', 'pybzip2', 'zstd', 'lz4', 'xz', 'custom', null].map(walCompressionOf)).toEqual(['gz', 'gz', 'gz', 'bz2', 'bz2', 'zst', 'lz4', 'xz', null, null]);
  });

  it('hands the WAL library compressed segments by their compression, so only a short plain segment is truncated', () => {
    const { files } = parseXlogDb(XLOG_DB);
    const entries = continuityEntries(files, SEGMENT_SIZE);
    expect(entries.map((e) => e.name)).toContain('000000010000000000000003.gz');
    const summary = walContinuity({ listing: entries, segmentSize: SEGMENT_SIZE, startSegment: '000000010000000000000003', histories: [], targetTimeline: 1 });
    expect(summary.truncated).toEqual([]);
    const cut = continuityEntries(parseXlogDb('000000010000000000000003\t1000\t1.0\tNone\n').files, SEGMENT_SIZE);
    expect(walContinuity({ listing: cut, segmentSize: SEGMENT_SIZE, startSegment: null, histories: [] }).truncated).toEqual([{ name: '000000010000000000000003', sizeBytes: 1000 }]);
  });
});
