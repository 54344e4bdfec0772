// Reads what a pg_dump file says about itself from its first few KB, without pg_restore: the archive
// header of custom, directory (toc.dat) and tar archives, and the comment lines of plain SQL, gzipped or
// not. This is what catches the GitLab 2017 failure: a "backup" of a few bytes is not a pg_dump file.
// Pure apart from gunzipping a few KB in memory: the parsers are archive-header.ts and plain-header.ts, and
// reading the bytes from disk is dump-files.ts's.
import { constants as zlibConstants, createGunzip } from 'node:zlib';
import type { DumpHeader } from '../../../shared/model';
import { FORMAT_CODES, MAGIC, NEWEST_KNOWN_MINOR, asBuffer, parseArchiveHeader, plausibleVersion } from './archive-header';
import { PLAIN_START, parsePlainHeader, plainDumpComplete } from './plain-header';

/** Bytes read from the start of each file: an archive header is ~150 bytes, a plain dump's comments < 1 KB. */
export const HEADER_READ_BYTES = 8192;
/** Bytes read from the end of an uncompressed plain dump, to find pg_dump's closing comment. */
export const PLAIN_TAIL_BYTES = 1024;
/** Text kept after gunzipping the start of a .sql.gz. */
const GUNZIP_OUTPUT_BYTES = 8192;

const TAR_BLOCK = 512;

export interface DumpHeaderReading {
  header: DumpHeader;
  readable: boolean;
  /** Why it is unreadable, in words; null when readable. */
  problem: string | null;
  /** pg_dumpall output: every database of a cluster in one plain file. */
  clusterDump?: boolean;
}

export function unreadable(problem: string, header: DumpHeader = { format: 'unknown' }): DumpHeaderReading {
  return { header, readable: false, problem };
}

// ---------------------------------------------------------------------------------------------
// Archive header (custom file, directory toc.dat, tar toc.dat member): archive-header.ts parses it

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

/** A parser bug on one odd file must not fail the whole probe: it becomes that file's problem. */
export async function identifySafely(bytes: DumpBytes): Promise<DumpHeaderReading> {
  try {
    return await identifyDump(bytes);
  } catch (err) {
    return unreadable(`could not make sense of its first bytes (${(err as Error).message})`);
  }
}

/** Whether the last PLAIN_TAIL_BYTES of a file of `size` bytes starting with `head` are needed: an uncompressed plain dump longer than its head. */
export function wantsPlainTail(head: Buffer, size: number): boolean {
  return size > head.length && PLAIN_START.test(head.subarray(0, 64).toString('utf8'));
}

/** What the toc.dat of a directory-format archive says. */
export function identifyTocDat({ head, complete }: DumpBytes): DumpHeaderReading {
  if (head.length === 0 && complete) return unreadable('toc.dat is empty (0 bytes): pg_dump probably failed', { format: 'directory' });
  if (!startsWith(head, MAGIC) && !(complete && startsWith(MAGIC, head))) {
    return unreadable('toc.dat is not a pg_dump table of contents', { format: 'directory' });
  }
  return readArchive(head, 0, 'directory', complete);
}
