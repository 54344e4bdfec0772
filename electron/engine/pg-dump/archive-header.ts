// The archive header pg_dump writes at the start of a custom file and of toc.dat (in a directory archive, or as
// the first member of a tar one), parsed from bytes: a pure function, never throwing.
//
// Archive header layout (WriteHead/ReadHead, ReadInt/ReadStr in PostgreSQL's pg_backup_archiver.c):
//   "PGDMP", major, minor, [rev if > 1.0], intSize, [offSize if >= 1.7], format code,
//   compression: a byte (1.2-1.3), an int level (1.4-1.14) or an algorithm byte (1.15+),
//   [>= 1.4] creation time as 7 ints (sec, min, hour, mday, mon, year-1900, isdst) in the dumping
//   host's local time, then the database name; [>= 1.10] the server and pg_dump version strings.
//   An int is a sign byte (from 1.1 on) then intSize bytes little-endian; a string is an int length
//   (-1 for NULL) then that many bytes.
import type { DumpHeader } from '../../../shared/model';

/** The newest archive version whose layout we know (pg_dump 17 writes 1.16). */
export const NEWEST_KNOWN_MINOR = 16;
/** Database names are < 64 bytes and version strings < 200; anything longer is not a header. */
const MAX_HEADER_STRING = 1024;

export const MAGIC = Buffer.from('PGDMP');
export const FORMAT_CODES: Record<number, string> = { 1: 'custom', 3: 'tar', 4: 'null', 5: 'directory' };
const COMPRESSION_ALGORITHMS: Record<number, string> = { 0: 'none', 1: 'gzip', 2: 'lz4', 3: 'zstd' };

/** A Buffer view of the same bytes (no copy), for its bounds-clamping subarray and text decoding. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

export type ArchiveHeaderParse =
  | { ok: true; formatCode: number; header: Omit<DumpHeader, 'format'>; newerThanKnown: boolean }
  /** The bytes ran out (at this many bytes) before the header did. */
  | { ok: false; cutShortAt: number }
  | { ok: false; corrupt: string };

class OutOfBytes extends Error {}
class CorruptHeader extends Error {}

class HeaderCursor {
  private pos: number;
  intSize = 4;
  signed = true;
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }
  byte(): number {
    const value = this.bytes[this.pos];
    if (value === undefined) throw new OutOfBytes();
    this.pos++;
    return value;
  }
  int(): number {
    const negative = this.signed ? this.byte() !== 0 : false;
    let value = 0;
    for (let i = 0; i < this.intSize; i++) value += this.byte() * 2 ** (8 * i);
    return negative ? -value : value;
  }
  string(what: string): string | undefined {
    const length = this.int();
    if (length < 0) return undefined;
    if (length > MAX_HEADER_STRING) throw new CorruptHeader(`the ${what} is said to be ${length} bytes long`);
    if (this.pos + length > this.bytes.length) throw new OutOfBytes();
    const text = asBuffer(this.bytes).subarray(this.pos, this.pos + length).toString('utf8');
    this.pos += length;
    return text.replace(/\p{Cc}/gu, '\uFFFD');
  }
}

/**
 * Parses a pg_dump archive header starting at `start` (0 for a custom file or toc.dat, 512 in a tar).
 * Never throws: a header the bytes end inside of is `cutShortAt`, one that makes no sense is `corrupt`.
 */
export function parseArchiveHeader(bytes: Uint8Array, start = 0): ArchiveHeaderParse {
  const cursor = new HeaderCursor(bytes, start);
  try {
    for (const expected of MAGIC) {
      if (cursor.byte() !== expected) return { ok: false, corrupt: 'no PGDMP magic' };
    }
    const major = cursor.byte();
    const minor = cursor.byte();
    const afterOne = major > 1 || (major === 1 && minor > 0);
    const rev = afterOne ? cursor.byte() : 0;
    if (major !== 1) return { ok: false, corrupt: `archive version ${major}.${minor} is not one pg_dump ever wrote` };
    const atLeast = (m: number) => minor >= m;
    cursor.signed = afterOne;
    cursor.intSize = cursor.byte();
    if (cursor.intSize < 1 || cursor.intSize > 32) return { ok: false, corrupt: `integer size ${cursor.intSize} in the header makes no sense` };
    if (atLeast(7)) {
      const offSize = cursor.byte();
      if (offSize < 1 || offSize > 32) return { ok: false, corrupt: `offset size ${offSize} in the header makes no sense` };
    }
    const formatCode = cursor.byte();
    const header: Omit<DumpHeader, 'format'> = { archiveVersion: rev === 0 ? `${major}.${minor}` : `${major}.${minor}-${rev}` };
    if (atLeast(15)) {
      const algorithm = cursor.byte();
      header.compression = COMPRESSION_ALGORITHMS[algorithm] ?? `unknown algorithm ${algorithm}`;
    } else if (atLeast(2)) {
      header.compression = describeCompressionLevel(atLeast(4) ? cursor.int() : cursor.byte());
    } else {
      header.compression = 'gzip';
    }
    if (atLeast(4)) {
      const [sec, min, hour, mday, mon, year] = [cursor.int(), cursor.int(), cursor.int(), cursor.int(), cursor.int(), cursor.int()];
      cursor.int(); // isdst: the Date below works daylight saving out itself
      const createdAt = localTime(year + 1900, mon, mday, hour, min, sec);
      if (createdAt !== undefined) header.createdAt = createdAt;
      const dbName = cursor.string('database name');
      if (dbName !== undefined) header.dbName = dbName;
    }
    if (atLeast(10)) {
      const serverVersion = cursor.string('server version');
      const pgDumpVersion = cursor.string('pg_dump version');
      if (serverVersion !== undefined) header.serverVersion = serverVersion;
      if (pgDumpVersion !== undefined) header.pgDumpVersion = pgDumpVersion;
    }
    return { ok: true, formatCode, header, newerThanKnown: minor > NEWEST_KNOWN_MINOR };
  } catch (err) {
    if (err instanceof OutOfBytes) return { ok: false, cutShortAt: bytes.length };
    if (err instanceof CorruptHeader) return { ok: false, corrupt: err.message };
    throw err;
  }
}

function describeCompressionLevel(level: number): string {
  if (level === 0) return 'none';
  if (level === -1) return 'gzip';
  return `gzip level ${level}`;
}

/** Like mktime(): the fields are the dumping host's local time, which we take to be ours (plain dumps' "Started on" too). */
export function localTime(year: number, mon: number, mday: number, hour: number, min: number, sec: number): number | undefined {
  const inRange = year >= 1970 && year <= 9999 && mon >= 0 && mon <= 11 && mday >= 1 && mday <= 31 && hour >= 0 && hour <= 23 && min >= 0 && min <= 59 && sec >= 0 && sec <= 60;
  return inRange ? new Date(year, mon, mday, hour, min, sec).getTime() : undefined;
}

/** A version string pg_dump could have written: "15.18 (Debian ...)", "9.6.24", "17beta1". */
export function plausibleVersion(text: string | undefined): boolean {
  return text !== undefined && /^\d+(\.\d+)*(devel|alpha\d*|beta\d*|rc\d*)?(\s|$)/.test(text);
}
