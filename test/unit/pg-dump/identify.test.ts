// The native pg_dump header readers, fed real headers written by pg_dump 15 and every way of breaking them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ScratchCluster } from '../../../electron/engine/drills/scratch-cluster';
import { clientOrThrow } from '../../support/postgres-fixtures';
import { identifyDump, identifyTocDat, type DumpHeaderReading } from '../../../electron/engine/pg-dump/identify';
import { parseArchiveHeader } from '../../../electron/engine/pg-dump/archive-header';
import { parsePlainHeader } from '../../../electron/engine/pg-dump/plain-header';

let custom: Buffer; // pg_dump -Fc
let tar: Buffer; // pg_dump -Ft
let tocDat: Buffer; // toc.dat of pg_dump -Fd
let plain: Buffer; // pg_dump -Fp
/** Just before and just after pg_dump -Fc ran: its header's time lies between (to the second it is written in). */
let dumpedAt: { from: number; to: number };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'backup-health-test-header-'));
  try {
    await ScratchCluster.with({ purpose: 'dump-header test', minMajor: 15 }, async (cluster) => {
      const client = (tool: string, args: string[]) => clientOrThrow(cluster, tool, args);
      await client('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c', 'CREATE DATABASE orders']);
      await client('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'orders', '-c', 'CREATE TABLE item (id int PRIMARY KEY, name text); INSERT INTO item SELECT g, md5(g::text) FROM generate_series(1, 500) g']);
      const from = Date.now();
      await client('pg_dump', ['-Fc', '-f', join(dir, 'orders.dump'), 'orders']);
      dumpedAt = { from, to: Date.now() };
      await client('pg_dump', ['-Ft', '-f', join(dir, 'orders.tar'), 'orders']);
      await client('pg_dump', ['-Fd', '-f', join(dir, 'orders.dir'), 'orders']);
      await client('pg_dump', ['-Fp', '-f', join(dir, 'orders.sql'), 'orders']);
    });
    custom = readFileSync(join(dir, 'orders.dump'));
    tar = readFileSync(join(dir, 'orders.tar'));
    tocDat = readFileSync(join(dir, 'orders.dir', 'toc.dat'));
    plain = readFileSync(join(dir, 'orders.sql'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Where the real custom header ends: the first length at which it parses. */
function headerLength(bytes: Buffer, start = 0): number {
  for (let n = start; n <= bytes.length; n++) if (parseArchiveHeader(bytes.subarray(0, n), start).ok) return n;
  throw new Error('the header never parsed');
}

const whole = (head: Buffer) => identifyDump({ head, complete: true });
const prefix = (head: Buffer) => identifyDump({ head, complete: false });

function expectUnreadable(reading: DumpHeaderReading, problem: string | RegExp) {
  expect(reading.readable).toBe(false);
  if (typeof problem === 'string') expect(reading.problem).toContain(problem);
  else expect(reading.problem).toMatch(problem);
}

/** pg_dump writes the second it started, truncated: no earlier than a second before it ran, no later than its end. */
function expectDumpedWhileRunning(createdAt: number): void {
  expect(createdAt).toBeGreaterThan(dumpedAt.from - 1000);
  expect(createdAt).toBeLessThanOrEqual(dumpedAt.to);
}

describe('custom format (pg_dump -Fc, archive 1.14 from PostgreSQL 15)', () => {
  it('reads database, versions, compression and creation time from the first bytes', async () => {
    const reading = await prefix(custom.subarray(0, 8192));
    expect(reading).toMatchObject({ readable: true, problem: null });
    expect(reading.header).toMatchObject({ format: 'custom', archiveVersion: '1.14', dbName: 'orders', compression: 'gzip' });
    expect(reading.header.serverVersion).toMatch(/^15\.\d+/);
    expect(reading.header.pgDumpVersion).toBe(reading.header.serverVersion);
    // Written with one-second precision in local time.
    expectDumpedWhileRunning(reading.header.createdAt!);
  });

  it('says "header cut short at N bytes" for a file cut at every length inside the header, and never throws', async () => {
    const end = headerLength(custom);
    expect(end).toBeGreaterThan(50);
    expect(end).toBeLessThan(200);
    expectUnreadable(await whole(custom.subarray(0, 0)), 'empty file (0 bytes): pg_dump probably failed');
    for (let n = 1; n < end; n++) {
      const reading = await whole(custom.subarray(0, n));
      expectUnreadable(reading, `header cut short at ${n} bytes`);
      expect(reading.header.format).toBe('custom');
    }
    // Cut after the header, the header alone cannot tell (pg_restore -f /dev/null or a drill must).
    expect((await whole(custom.subarray(0, end))).readable).toBe(true);
  });

  it('reads the 1.12 to 1.16 layouts: 1.15 replaced the compression level with an algorithm byte', async () => {
    const withMinor = (minor: number) => Buffer.concat([custom.subarray(0, 6), Buffer.from([minor]), custom.subarray(7)]);
    for (const minor of [12, 13, 14]) {
      const reading = await prefix(withMinor(minor).subarray(0, 4096));
      expect(reading.header).toMatchObject({ archiveVersion: `1.${minor}`, dbName: 'orders', compression: 'gzip' });
    }
    // What pg_dump 16 and 17 write: ... format byte, then one byte of algorithm where 1.14 had a 5-byte int.
    const algorithmLayout = (minor: number, algorithm: number) =>
      Buffer.concat([custom.subarray(0, 6), Buffer.from([minor]), custom.subarray(7, 11), Buffer.from([algorithm]), custom.subarray(16)]);
    const names = ['none', 'gzip', 'lz4', 'zstd'];
    for (const minor of [15, 16]) {
      for (const [algorithm, name] of names.entries()) {
        const reading = await prefix(algorithmLayout(minor, algorithm));
        expect(reading.readable).toBe(true);
        expect(reading.header).toMatchObject({ archiveVersion: `1.${minor}`, compression: name, dbName: 'orders' });
        expect(reading.header.pgDumpVersion).toMatch(/^15\./);
        expectDumpedWhileRunning(reading.header.createdAt!);
      }
    }
    // Read with the 1.14 layout, a 1.15 header would misalign everything after the compression field.
    const misread = await prefix(Buffer.concat([custom.subarray(0, 6), Buffer.from([15]), custom.subarray(7)]));
    expect(misread.header.dbName).not.toBe('orders');
  });

  it('reads a future archive version only while the newest known layout makes sense of it', async () => {
    const future = Buffer.concat([custom.subarray(0, 6), Buffer.from([17]), custom.subarray(7, 11), Buffer.from([1]), custom.subarray(16)]);
    expect((await prefix(future)).header).toMatchObject({ archiveVersion: '1.17', dbName: 'orders' });
    const changed = Buffer.concat([custom.subarray(0, 6), Buffer.from([17]), custom.subarray(7)]);
    expectUnreadable(await prefix(changed), 'archive version 1.17 is newer than this app can read (1.16 at most)');
    const major = Buffer.from(custom);
    major[5] = 2;
    expectUnreadable(await prefix(major), 'archive version 2.14 is not one pg_dump ever wrote');
  });

  it('rejects nonsense sizes and string lengths instead of trusting them', async () => {
    const intSize = Buffer.from(custom.subarray(0, 4096));
    intSize[8] = 0;
    expectUnreadable(await prefix(intSize), 'integer size 0');
    // The database name's length field (after 5 + 3 + 3 + 5 + 7 * 5 bytes) said to be 16 MB.
    const longName = Buffer.from(custom.subarray(0, 4096));
    longName.writeUInt32LE(16 << 20, 52);
    expectUnreadable(await prefix(longName), 'the database name is said to be 16777216 bytes long');
  });

  it('recognises a custom archive piped through gzip', async () => {
    const reading = await prefix(gzipSync(custom).subarray(0, 8192));
    expect(reading).toMatchObject({ readable: true, header: { format: 'custom', dbName: 'orders' } });
  });

  it('knows a directory archive toc.dat on its own is missing its data', async () => {
    expectUnreadable(await whole(tocDat), 'toc.dat of a directory or tar archive on its own');
  });
});

describe('directory format toc.dat (pg_dump -Fd)', () => {
  it('reads the same header, with the format code pg_dump writes there', () => {
    const reading = identifyTocDat({ head: tocDat.subarray(0, 8192), complete: tocDat.length <= 8192 });
    expect(reading).toMatchObject({ readable: true, header: { format: 'directory', archiveVersion: '1.14', dbName: 'orders' } });
  });

  it('says what is wrong with an empty, cut or foreign toc.dat', () => {
    expectUnreadable(identifyTocDat({ head: Buffer.alloc(0), complete: true }), 'toc.dat is empty');
    expectUnreadable(identifyTocDat({ head: tocDat.subarray(0, 30), complete: true }), 'header cut short at 30 bytes');
    expectUnreadable(identifyTocDat({ head: Buffer.from('hello'), complete: true }), 'toc.dat is not a pg_dump table of contents');
    expect(identifyTocDat({ head: Buffer.from('hello'), complete: true }).problem).not.toContain('hello');
    expectUnreadable(identifyTocDat({ head: custom.subarray(0, 4096), complete: false }), 'says format custom');
  });
});

describe('tar format (pg_dump -Ft)', () => {
  it('finds the header in the first member, toc.dat, at byte 512', async () => {
    const reading = await prefix(tar.subarray(0, 8192));
    expect(reading).toMatchObject({ readable: true, header: { format: 'tar', archiveVersion: '1.14', dbName: 'orders', compression: 'none' } });
    expect(reading.header.serverVersion).toMatch(/^15\./);
  });

  it('says where a tar is cut short, in the tar header or in the pg_dump header after it', async () => {
    expectUnreadable(await whole(tar.subarray(0, 100)), 'tar header cut short at 100 bytes');
    const end = headerLength(tar, 512);
    for (const n of [512, 520, end - 1]) expectUnreadable(await whole(tar.subarray(0, n)), `header cut short at ${n} bytes`);
  });

  it('rejects a tar with a wrong checksum, and one that is not a pg_dump archive', async () => {
    const corrupt = Buffer.from(tar.subarray(0, 4096));
    corrupt[0] = 'T'.charCodeAt(0);
    expectUnreadable(await prefix(corrupt), 'tar header checksum is wrong');
    const other = Buffer.from(tar.subarray(0, 4096));
    other.fill(0, 0, 100).write('etc/passwd', 0, 'latin1');
    other.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += other[i]!;
    other.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    expectUnreadable(await prefix(other), 'a tar archive whose first member is not toc.dat');
  });
});

describe('plain SQL (pg_dump -Fp)', () => {
  it('reads the versions from the comment lines and checks the closing comment', async () => {
    const reading = await whole(plain);
    expect(reading).toMatchObject({ readable: true, header: { format: 'plain' } });
    expect(reading.header.serverVersion).toMatch(/^15\./);
    expect(reading.header.pgDumpVersion).toMatch(/^15\./);
    expect(reading.header.dbName).toBeUndefined();
  });

  it('finds a plain dump that stopped midway by its missing closing comment', async () => {
    const cut = plain.subarray(0, Math.floor(plain.length / 2));
    expectUnreadable(await whole(cut), 'does not end with "-- PostgreSQL database dump complete"');
    // The first bytes of a big file with its last bytes read separately: fine, and not fine.
    expect((await identifyDump({ head: cut, complete: false, tail: plain.subarray(-1024) })).readable).toBe(true);
    expect((await identifyDump({ head: cut, complete: false, tail: cut.subarray(-1024) })).readable).toBe(false);
    // Without the end (a gzipped dump), only the start can be judged.
    expect((await prefix(cut)).readable).toBe(true);
  });

  it('reads --create, --verbose and pg_dumpall headers', () => {
    const text = [
      '--',
      '-- PostgreSQL database dump',
      '--',
      '',
      '-- Dumped from database version 16.4',
      '-- Dumped by pg_dump version 17.2',
      '',
      '-- Started on 2026-01-02 03:04:05 UTC',
      '',
      '-- Name: billing; Type: DATABASE; Schema: -; Owner: postgres',
      '',
    ].join('\n');
    expect(parsePlainHeader(text)).toEqual({
      clusterDump: false,
      header: { format: 'plain', serverVersion: '16.4', pgDumpVersion: '17.2', createdAt: Date.UTC(2026, 0, 2, 3, 4, 5), dbName: 'billing' },
    });
    const all = '--\n-- PostgreSQL database cluster dump\n--\n\nSET default_transaction_read_only = off;\n';
    expect(parsePlainHeader(all)).toEqual({ clusterDump: true, header: { format: 'plain' } });
    expect(parsePlainHeader('SELECT 1;\n')).toBeNull();
  });
});

describe('gzip-compressed plain SQL (.sql.gz)', () => {
  it('reads the header from the first compressed bytes only', async () => {
    const big = Buffer.concat([plain, Buffer.alloc(4 << 20, 'INSERT INTO item VALUES (1);\n')]);
    const compressed = gzipSync(big);
    const reading = await prefix(compressed.subarray(0, 8192));
    expect(reading).toMatchObject({ readable: true, header: { format: 'plain-gzip' } });
    expect(reading.header.serverVersion).toMatch(/^15\./);
  });

  it('finds the GitLab failure: a gzip of nothing, a few bytes long', async () => {
    const empty = gzipSync(Buffer.alloc(0));
    expect(empty.length).toBe(20);
    expectUnreadable(await whole(empty), 'gzip file holds nothing (0 bytes once uncompressed): pg_dump probably failed');
  });

  it('rejects gzip garbage, a gzip cut short and a gzip of something else', async () => {
    expectUnreadable(await whole(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])), 'gzip file is corrupt');
    expectUnreadable(await prefix(Buffer.from([0x1f, 0x8b, 0x63, 0x00, 1, 2, 3, 4, 5, 6, 7, 8])), 'gzip file is corrupt');
    // Small enough to gunzip whole: then a cut gzip, or a dump inside without its end, shows.
    const shortDump = Buffer.concat([plain.subarray(0, 600), Buffer.from('\n--\n-- PostgreSQL database dump complete\n--\n\n')]);
    expect((await whole(gzipSync(shortDump))).readable).toBe(true);
    const small = gzipSync(shortDump);
    expectUnreadable(await whole(small.subarray(0, small.length - 10)), 'gzip data is cut short or corrupt');
    expectUnreadable(await whole(gzipSync(plain.subarray(0, 600))), 'does not end with "-- PostgreSQL database dump complete"');
    expectUnreadable(await whole(gzipSync('hello, this is not a dump\n')), 'gzip file, but not a pg_dump inside');
    expectUnreadable(await whole(gzipSync(gzipSync('x'))), 'not a pg_dump');
  });
});

describe('anything else', () => {
  it('never quotes what the file holds: it may be a password file or /etc/shadow', async () => {
    const secrets = [
      'root:$6$saltsalt$hashhashhash:19000:0:99999:7:::\n',
      'correct horse battery staple\n',
      '\x7fELF\x02\x01\x01\x00\x1b[31m',
    ];
    for (const secret of secrets) {
      const reading = await whole(Buffer.from(secret, 'latin1'));
      expect(reading).toMatchObject({ readable: false, problem: 'not a pg_dump file' });
      const gzipped = await whole(gzipSync(secret));
      expect(gzipped.problem).toBe('gzip file, but not a pg_dump inside');
    }
  });

  it('never throws on random bytes', async () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff;
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(Array.from({ length: i % 600 }, random));
      // Every third one starts like an archive, a gzip or a tar, to reach the deeper parsers.
      if (i % 3 === 0) Buffer.from('PGDMP\x01\x0e\x00').copy(bytes);
      if (i % 3 === 1 && bytes.length > 2) bytes.set([0x1f, 0x8b]);
      if (i % 3 === 2 && bytes.length > 262) bytes.write('ustar', 257);
      const reading = await identifyDump({ head: bytes, complete: i % 2 === 0 });
      expect(typeof reading.readable).toBe('boolean');
      if (!reading.readable) expect(reading.problem).toBeTruthy();
    }
  });

  it('names compressors it cannot look inside', async () => {
    expectUnreadable(await whole(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0])), 'zstd-compressed file');
  });
});
