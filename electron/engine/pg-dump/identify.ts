// Reads what a pg_dump file says about itself from its first few KB, without pg_restore: the archive
// header of custom, directory (toc.dat) and tar archives, and the comment lines of plain SQL, gzipped or
// not. This is what catches the GitLab 2017 failure: a "backup" of a few bytes is not a pg_dump file.
// The parsers are pure functions over bytes; the file-reading layer at the bottom only fetches them.
//
// Archive header layout (WriteHead/ReadHead, ReadInt/ReadStr in PostgreSQL's pg_backup_archiver.c):
//   "PGDMP", major, minor, [rev if > 1.0], intSize, [offSize if >= 1.7], format code,
//   compression: a byte (1.2-1.3), an int level (1.4-1.14) or an algorithm byte (1.15+),
//   [>= 1.4] creation time as 7 ints (sec, min, hour, mday, mon, year-1900, isdst) in the dumping
//   host's local time, then the database name; [>= 1.10] the server and pg_dump version strings.
//   An int is a sign byte (from 1.1 on) then intSize bytes little-endian; a string is an int length
//   (-1 for NULL) then that many bytes.
import { constants as zlibConstants, createGunzip } from 'node:zlib';
import type { Stats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { userInfo } from 'node:os';
import type { DumpHeader } from '../../../shared/model';
import { NotOpened, notADumpFile, openContainedFile, resolveInside, specialKind } from './contained-file';

/** Bytes read from the start of each file: an archive header is ~150 bytes, a plain dump's comments < 1 KB. */
export const HEADER_READ_BYTES = 8192;
/** Bytes read from the end of an uncompressed plain dump, to find pg_dump's closing comment. */
export const PLAIN_TAIL_BYTES = 1024;
/** Text kept after gunzipping the start of a .sql.gz. */
const GUNZIP_OUTPUT_BYTES = 8192;

/** The newest archive version whose layout we know (pg_dump 17 writes 1.16). */
const NEWEST_KNOWN_MINOR = 16;
/** Database names are < 64 bytes and version strings < 200; anything longer is not a header. */
const MAX_HEADER_STRING = 1024;

const MAGIC = Buffer.from('PGDMP');
const FORMAT_CODES: Record<number, string> = { 1: 'custom', 3: 'tar', 4: 'null', 5: 'directory' };
const COMPRESSION_ALGORITHMS: Record<number, string> = { 0: 'none', 1: 'gzip', 2: 'lz4', 3: 'zstd' };
const TAR_BLOCK = 512;

export interface DumpHeaderReading {
  header: DumpHeader;
  readable: boolean;
  /** Why it is unreadable, in words; null when readable. */
  problem: string | null;
  /** pg_dumpall output: every database of a cluster in one plain file. */
  clusterDump?: boolean;
}

/** A Buffer view of the same bytes (no copy), for its bounds-clamping subarray and text decoding. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

function unreadable(problem: string, header: DumpHeader = { format: 'unknown' }): DumpHeaderReading {
  return { header, readable: false, problem };
}

// ---------------------------------------------------------------------------------------------
// Archive header (custom file, directory toc.dat, tar toc.dat member)

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

/** Like mktime(): the fields are the dumping host's local time, which we take to be ours. */
function localTime(year: number, mon: number, mday: number, hour: number, min: number, sec: number): number | undefined {
  const inRange = year >= 1970 && year <= 9999 && mon >= 0 && mon <= 11 && mday >= 1 && mday <= 31 && hour >= 0 && hour <= 23 && min >= 0 && min <= 59 && sec >= 0 && sec <= 60;
  return inRange ? new Date(year, mon, mday, hour, min, sec).getTime() : undefined;
}

/** A version string pg_dump could have written: "15.18 (Debian ...)", "9.6.24", "17beta1". */
function plausibleVersion(text: string | undefined): boolean {
  return text !== undefined && /^\d+(\.\d+)*(devel|alpha\d*|beta\d*|rc\d*)?(\s|$)/.test(text);
}

/**
 * The archive header at `start` as a reading: `container` is where we found it, which decides the format
 * code pg_restore expects (a directory's and a tar's toc.dat both say "tar"; a custom file says "custom").
 */
function readArchive(bytes: Uint8Array, start: number, container: 'custom' | 'directory' | 'tar', complete: boolean): DumpHeaderReading {
  const parsed = parseArchiveHeader(bytes, start);
  const label = container === 'custom' ? 'custom-format' : `${container}-format toc.dat`;
  if (!parsed.ok) {
    if ('cutShortAt' in parsed) {
      return unreadable(
        complete
          ? `${label} header cut short at ${parsed.cutShortAt} bytes: the file is truncated (pg_dump failed or was killed)`
          : `${label} header did not fit in the first ${parsed.cutShortAt} bytes: the header is corrupt`,
        { format: container },
      );
    }
    return unreadable(`${label} header is corrupt: ${parsed.corrupt}`, { format: container });
  }
  const header: DumpHeader = { format: container, ...parsed.header };
  if (parsed.newerThanKnown && !(plausibleVersion(header.serverVersion) && plausibleVersion(header.pgDumpVersion))) {
    return unreadable(`archive version ${header.archiveVersion} is newer than this app can read (1.${NEWEST_KNOWN_MINOR} at most)`, { format: container, archiveVersion: header.archiveVersion });
  }
  const expected = container === 'custom' ? [1] : container === 'tar' ? [3] : [3, 5];
  if (!expected.includes(parsed.formatCode)) {
    const found = FORMAT_CODES[parsed.formatCode] ?? `unknown (${parsed.formatCode})`;
    const problem =
      container === 'custom' && parsed.formatCode === 3
        ? 'this is the toc.dat of a directory or tar archive on its own; the table data files are missing'
        : `${label} header says format ${found} (code ${parsed.formatCode}); pg_restore expects code ${expected[0]} here`;
    return unreadable(problem, header);
  }
  return { header, readable: true, problem: null };
}

// ---------------------------------------------------------------------------------------------
// Tar: pg_dump -Ft writes toc.dat as the first member, so its header starts at byte 512.

function tarField(bytes: Uint8Array, offset: number, length: number): string {
  const field = asBuffer(bytes).subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? field.length : nul).toString('latin1');
}

function looksLikeTar(bytes: Uint8Array): boolean {
  return tarField(bytes, 257, 5) === 'ustar' || tarField(bytes, 0, 100) === 'toc.dat';
}

/** The header checksum: the sum of the block's bytes with the checksum field read as spaces. */
function tarChecksumOk(bytes: Uint8Array): boolean {
  const stored = parseInt(tarField(bytes, 148, 8).trim(), 8);
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : bytes[i]!;
  return stored === sum;
}

function readTar(bytes: Uint8Array, complete: boolean): DumpHeaderReading {
  if (bytes.length < TAR_BLOCK) {
    return complete
      ? unreadable(`tar header cut short at ${bytes.length} bytes: the file is truncated`, { format: 'tar' })
      : unreadable('tar header could not be read whole', { format: 'tar' });
  }
  if (!tarChecksumOk(bytes)) return unreadable('tar header checksum is wrong: the archive is corrupt', { format: 'tar' });
  const firstMember = tarField(bytes, 0, 100);
  if (firstMember !== 'toc.dat') {
    return unreadable('a tar archive whose first member is not toc.dat: not a pg_dump tar archive');
  }
  return readArchive(bytes, TAR_BLOCK, 'tar', complete);
}

// ---------------------------------------------------------------------------------------------
// Plain SQL: comment lines pg_dump writes before any statement.

const PLAIN_START = /^(?:\uFEFF)?--\r?\n-- PostgreSQL database (cluster )?dump\r?\n/;

export interface PlainHeaderParse {
  header: DumpHeader;
  clusterDump: boolean;
}

/** Parses the start of a plain SQL dump; null when the text does not start the way pg_dump's does. */
export function parsePlainHeader(text: string, format: 'plain' | 'plain-gzip' = 'plain'): PlainHeaderParse | null {
  const start = PLAIN_START.exec(text);
  if (!start) return null;
  const clusterDump = start[1] !== undefined;
  const header: DumpHeader = { format };
  const line = (pattern: RegExp) => pattern.exec(text)?.[1]?.trim();
  const serverVersion = line(/^-- Dumped from database version (.+?)\r?$/m);
  const pgDumpVersion = line(/^-- Dumped by pg_dump(?:all)? version (.+?)\r?$/m);
  if (serverVersion) header.serverVersion = serverVersion;
  if (pgDumpVersion) header.pgDumpVersion = pgDumpVersion;
  // pg_dump --verbose writes "-- Started on 2026-11-25 00:47:04 UTC".
  const started = /^-- Started on (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?: (\S+))?\r?$/m.exec(text);
  if (started) {
    const [y, mo, d, h, mi, s] = started.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    const utc = started[7] === 'UTC' || started[7] === 'GMT';
    const at = utc ? Date.UTC(y, mo - 1, d, h, mi, s) : localTime(y, mo - 1, d, h, mi, s);
    if (at !== undefined && Number.isFinite(at)) header.createdAt = at;
  }
  // With --create the database's own entry comes first: "-- Name: orders; Type: DATABASE; ...".
  if (!clusterDump) {
    const dbName = line(/^-- Name: (.+?); Type: DATABASE; /m);
    if (dbName) header.dbName = dbName;
  }
  return { header, clusterDump };
}

/** Whether the end of a plain dump holds pg_dump's closing comment (a dump that stopped midway does not). */
export function plainDumpComplete(tail: string, clusterDump: boolean): boolean {
  return tail.includes(clusterDump ? '-- PostgreSQL database cluster dump complete' : '-- PostgreSQL database dump complete');
}

// ---------------------------------------------------------------------------------------------
// Telling formats apart

const OTHER_COMPRESSION: Array<[string, number[]]> = [
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['bzip2', [0x42, 0x5a, 0x68]],
];

function startsWith(bytes: Uint8Array, prefix: ArrayLike<number>): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

export interface DumpBytes {
  /** The first bytes of the file (up to HEADER_READ_BYTES). */
  head: Buffer;
  /** Whether `head` is the whole file (a short file), so that running out of bytes means it is truncated. */
  complete: boolean;
  /** The last bytes of the file, when the caller read them (uncompressed plain dumps). */
  tail?: Buffer;
}

/** Says what a file holding these bytes is. Pure apart from gunzipping a few KB in memory. */
export async function identifyDump(bytes: DumpBytes): Promise<DumpHeaderReading> {
  return identify(bytes, true);
}

async function identify({ head, complete, tail }: DumpBytes, mayGunzip: boolean): Promise<DumpHeaderReading> {
  if (head.length === 0) return unreadable(complete ? 'empty file (0 bytes): pg_dump probably failed' : 'could not read the first bytes');
  if (startsWith(head, MAGIC) || (complete && startsWith(MAGIC, head))) return readArchive(head, 0, 'custom', complete);
  // Only one level: a gzip that holds a gzip is not a pg_dump output (and a gzip quine would never end).
  if (head[0] === 0x1f && head[1] === 0x8b && mayGunzip) return identifyGzip(head, complete);
  for (const [name, magic] of OTHER_COMPRESSION) {
    if (startsWith(head, magic)) {
      return unreadable(`${name}-compressed file: this app can only look inside gzip, so it cannot tell whether a pg_dump is in there`);
    }
  }
  if (looksLikeTar(head)) return readTar(head, complete);
  const text = head.toString('utf8');
  const plain = parsePlainHeader(text);
  if (plain) {
    const end = complete ? text : tail?.toString('utf8');
    if (end !== undefined && !plainDumpComplete(end, plain.clusterDump)) {
      const marker = plain.clusterDump ? 'cluster dump complete' : 'database dump complete';
      return {
        ...unreadable(`plain SQL dump does not end with "-- PostgreSQL ${marker}": pg_dump stopped before the end (or is still writing it)`, plain.header),
        ...(plain.clusterDump ? { clusterDump: true } : {}),
      };
    }
    return { header: plain.header, readable: true, problem: null, ...(plain.clusterDump ? { clusterDump: true } : {}) };
  }
  // Never the bytes themselves: the file may be anyone's secret (a password file, a key, /etc/shadow).
  return unreadable('not a pg_dump file');
}

async function identifyGzip(compressed: Buffer, complete: boolean): Promise<DumpHeaderReading> {
  const { data, error, whole } = await gunzipStart(compressed, GUNZIP_OUTPUT_BYTES, complete);
  if (data.length === 0) {
    return error
      ? unreadable(`gzip file is corrupt: ${error}`)
      : unreadable('gzip file holds nothing (0 bytes once uncompressed): pg_dump probably failed');
  }
  if (error && complete) return unreadable(`gzip data is cut short or corrupt (${error}): the file is truncated`, gzipGuess(data));
  const inner = await identify({ head: data, complete: whole }, false);
  if (inner.header.format === 'plain') return { ...inner, header: { ...inner.header, format: 'plain-gzip' } };
  if (inner.header.format === 'unknown' && inner.problem?.startsWith('not a pg_dump file')) {
    return unreadable('gzip file, but not a pg_dump inside');
  }
  // pg_dump -Fc or -Ft piped through gzip: the archive inside is what counts.
  return inner;
}

function gzipGuess(data: Buffer): DumpHeader {
  return parsePlainHeader(data.toString('utf8'), 'plain-gzip')?.header ?? { format: 'unknown' };
}

/**
 * Gunzips at most `maxBytes` from the start of a gzip stream and stops there. When `complete` (the input
 * is the whole file), an early end is an error; otherwise the input is a prefix and running out is expected.
 * `whole` says the output is everything the file holds.
 */
function gunzipStart(compressed: Buffer, maxBytes: number, complete: boolean): Promise<{ data: Buffer; whole: boolean; error?: string }> {
  return new Promise((resolve) => {
    const gunzip = createGunzip(complete ? {} : { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const settle = (ended: boolean, error?: string) => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      const data = Buffer.concat(chunks).subarray(0, maxBytes);
      const whole = ended && complete && total <= maxBytes;
      resolve(error === undefined ? { data, whole } : { data, whole, error });
    };
    gunzip.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total > maxBytes) settle(false);
    });
    gunzip.on('end', () => settle(true));
    gunzip.on('error', (err) => settle(false, err.message));
    gunzip.end(compressed);
  });
}

// ---------------------------------------------------------------------------------------------
// Reading files: the first bytes only (and, for uncompressed plain SQL, the last KB), never following a
// symlink out of the directory and never opening anything but a regular file (contained-file.ts).

function permissionProblem(): string {
  try {
    const { username, uid } = userInfo();
    return `permission denied: user ${username} (uid ${uid}) cannot read it`;
  } catch {
    return 'permission denied';
  }
}

function readProblem(err: unknown): string {
  if (err instanceof NotOpened) return err.message;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return permissionProblem();
  return `could not read it: ${code ?? (err as Error).message}`;
}

export interface ReadOptions {
  /** The directory the file must stay inside, symlinks resolved: the watched dump directory. Default: the file's own directory. */
  within?: string;
}

/** Reads the header of a dump file of `size` bytes (from stat). Errors become unreadable readings. */
export async function readDumpFileHeader(path: string, size: number, options: ReadOptions = {}): Promise<DumpHeaderReading> {
  let bytes: DumpBytes;
  let handle;
  try {
    ({ handle } = await openContainedFile(path, options.within ?? dirname(path)));
    const head = Buffer.alloc(Math.min(HEADER_READ_BYTES, size));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    bytes = { head: head.subarray(0, bytesRead), complete: bytesRead >= size };
    if (wantsPlainTail(head.subarray(0, bytesRead), size)) {
      const tail = Buffer.alloc(Math.min(PLAIN_TAIL_BYTES, size));
      const read = await handle.read(tail, 0, tail.length, size - tail.length);
      bytes.tail = tail.subarray(0, read.bytesRead);
    }
  } catch (err) {
    return unreadable(readProblem(err));
  } finally {
    await handle?.close().catch(() => {});
  }
  return identifySafely(bytes);
}

/** Whether the last PLAIN_TAIL_BYTES of a file of `size` bytes starting with `head` are needed: an uncompressed plain dump longer than its head. */
export function wantsPlainTail(head: Buffer, size: number): boolean {
  return size > head.length && PLAIN_START.test(head.subarray(0, 64).toString('utf8'));
}

/** A parser bug on one odd file must not fail the whole probe: it becomes that file's problem. */
export async function identifySafely(bytes: DumpBytes): Promise<DumpHeaderReading> {
  try {
    return await identifyDump(bytes);
  } catch (err) {
    return unreadable(`could not make sense of its first bytes (${(err as Error).message})`);
  }
}

export interface DirectoryArchiveReading {
  reading: DumpHeaderReading;
  /** The sum of its regular files. */
  sizeBytes: number;
  /** The newest mtime of its regular files; null when it has none. */
  newestMs: number | null;
}

/**
 * A directory-format archive: its toc.dat (which pg_dump writes last), its size and its newest file.
 * pg_dump writes only regular files into one, so a member that is a FIFO, socket or device, or a symlink
 * out of `within`, makes the archive unreadable: pg_restore would hang on it or read what it points at.
 */
export async function readDirectoryArchive(dir: string, options: ReadOptions = {}): Promise<DirectoryArchiveReading> {
  const within = options.within ?? dir;
  const unreadableArchive = (problem: string, sizeBytes = 0, newestMs: number | null = null) => ({ reading: unreadable(problem, { format: 'directory' }), sizeBytes, newestMs });
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return unreadableArchive(code === 'EACCES' || code === 'EPERM' ? permissionProblem().replace('cannot read it', 'cannot list this directory') : `cannot be listed: ${code ?? (err as Error).message}`);
  }
  let sizeBytes = 0;
  let newestMs: number | null = null;
  let problem: string | null = null;
  for (const name of names) {
    const member = join(dir, name);
    const link = await lstat(member).catch(() => null);
    if (!link) continue; // removed since readdir
    let stats: Stats | null = link;
    if (link.isSymbolicLink()) {
      try {
        stats = await stat(await resolveInside(member, within));
      } catch (err) {
        if (err instanceof NotOpened) problem ??= `${name} ${err.message}`;
        stats = null; // a broken link is no file of the archive; if it is toc.dat, that is said below
      }
    }
    if (!stats) continue;
    const kind = specialKind(stats);
    if (kind) problem ??= `${name} ${notADumpFile(kind)}`;
    // Only the archive's own files count: the same figure the remote probe gets from find -type f.
    if (!link.isFile()) continue;
    sizeBytes += link.size;
    newestMs = Math.max(newestMs ?? 0, Math.trunc(link.mtimeMs));
  }
  if (problem) return unreadableArchive(problem, sizeBytes, newestMs);
  return { reading: await readTocDat(join(dir, 'toc.dat'), within), sizeBytes, newestMs };
}

/** Reads the header of a directory-format archive: its toc.dat, which pg_dump writes last. */
export async function readDirectoryDumpHeader(dir: string, options: ReadOptions = {}): Promise<DumpHeaderReading> {
  return (await readDirectoryArchive(dir, options)).reading;
}

async function readTocDat(path: string, within: string): Promise<DumpHeaderReading> {
  let bytes: DumpBytes;
  let handle;
  try {
    let stats;
    ({ handle, stats } = await openContainedFile(path, within));
    const head = Buffer.alloc(Math.min(HEADER_READ_BYTES, stats.size));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    bytes = { head: head.subarray(0, bytesRead), complete: bytesRead >= stats.size };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return unreadable('directory without toc.dat: not a pg_dump directory archive, or pg_dump did not finish', { format: 'directory' });
    }
    return unreadable(err instanceof NotOpened ? `toc.dat ${err.message}` : `toc.dat: ${readProblem(err)}`, { format: 'directory' });
  } finally {
    await handle?.close().catch(() => {});
  }
  return identifyTocDat(bytes);
}

/** What the toc.dat of a directory-format archive says. */
export function identifyTocDat({ head, complete }: DumpBytes): DumpHeaderReading {
  if (head.length === 0 && complete) return unreadable('toc.dat is empty (0 bytes): pg_dump probably failed', { format: 'directory' });
  if (!startsWith(head, MAGIC) && !(complete && startsWith(MAGIC, head))) {
    return unreadable('toc.dat is not a pg_dump table of contents', { format: 'directory' });
  }
  return readArchive(head, 0, 'directory', complete);
}
