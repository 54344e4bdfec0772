// Barman's own listing of the WAL it holds: the xlog.db file in the server's wals_directory, one line per file,
// `name<TAB>size<TAB>time<TAB>compression` (barman/infofile.py WalFileInfo.to_xlogdb_line), read here or over ssh
// (read-only, bounded), plus the timelines' .history files Barman keeps at the top of wals_directory. Segments
// live in wals_directory/<first 16 hex of the name>/<name>, compressed ones WITHOUT a suffix: the compression
// is only said here, so every reader of a WAL file (continuity, drills) takes it from this listing.
import { gunzipSync } from 'node:zlib';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { ProbeError } from '../../errors';
import { describeSshFailure, runTool, type Where } from '../../remote';
import type { WalArchiveEntry } from '../../wal/continuity';
import type { WalCompression } from '../../wal/names';
import { parseTimelineHistory, type TimelineHistory } from '../../wal/timelines';

/** One line of xlog.db. */
export interface BarmanWalFile {
  /** 000000010000000000000003, 00000002.history, 000000010000000000000003.00000028.backup */
  name: string;
  /** Bytes of the file as Barman stored it (compressed, when it compresses). */
  sizeBytes: number;
  /** When Barman archived it (epoch ms; xlog.db keeps the source file's mtime). */
  archivedAt: number;
  /** Barman's compression name (gzip, bzip2, pigz, lz4, zstd, custom, …), null when stored as is. */
  compression: string | null;
}

export interface XlogDb {
  files: BarmanWalFile[];
  /** The .history files in wals_directory, read. */
  histories: TimelineHistory[];
  /** .history files that could not be read or parsed, each said in a sentence. */
  historyProblems: string[];
  /** xlog.db lines that are not Barman's four fields (a hand-edited or damaged file). */
  badLines: number;
}

/** Where a server's WAL lives: wals_directory (show-server), here or on `host`. */
export interface BarmanWalsLocation extends Where {
  walsDirectory: string;
}

/** 1,000,000 lines of ~60 bytes; a larger file is not a WAL listing. */
const MAX_XLOGDB_BYTES = 128 * 1024 * 1024;
const MAX_HISTORY_BYTES = 64 * 1024;
const HISTORY_NAME = /^[0-9A-F]{8}\.history$/;

/** The path of a WAL file in Barman's archive: wals_directory/<hash dir>/<name>; history files at the top (barman/xlog.py hash_dir). */
export function barmanWalPath(walsDirectory: string, name: string): string {
  return HISTORY_NAME.test(name) ? posix.join(walsDirectory, name) : posix.join(walsDirectory, name.slice(0, 16), name);
}

/** The file name suffix the WAL library knows for a Barman compression, or null (custom, snappy, none). */
export function walCompressionOf(compression: string | null): WalCompression | null {
  switch (compression) {
    case 'gzip':
    case 'pigz':
    case 'pygzip':
      return 'gz';
    case 'bzip2':
    case 'pybzip2':
      return 'bz2';
    case 'zstd':
      return 'zst';
    case 'lz4':
      return 'lz4';
    case 'xz':
      return 'xz';
    default:
      return null;
  }
}

/** xlog.db's text -> its files, in Barman's order (archive order). */
export function parseXlogDb(text: string): { files: BarmanWalFile[]; badLines: number } {
  const files: BarmanWalFile[] = [];
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [name, size, time, compression] = line.split('\t');
    const sizeBytes = Number(size);
    const seconds = Number(time);
    if (!name || !/^[0-9A-F]{8}/.test(name) || !Number.isFinite(sizeBytes) || !Number.isFinite(seconds) || compression === undefined) {
      badLines++;
      continue;
    }
    files.push({ name, sizeBytes, archivedAt: Math.round(seconds * 1000), compression: compression.trim() === 'None' || compression.trim() === '' ? null : compression.trim() });
  }
  return { files, badLines };
}

/**
 * The listing walContinuity takes. A compressed file carries the suffix of its compression, so the library
 * measures only uncompressed segments against the segment size; one in a compression it has no name for
 * (custom) is given the segment size, since nothing here can measure it.
 */
export function continuityEntries(files: readonly BarmanWalFile[], segmentSize: number): WalArchiveEntry[] {
  return files.map((file) => {
    if (file.compression === null) return { name: file.name, sizeBytes: file.sizeBytes, mtimeMs: file.archivedAt };
    const suffix = walCompressionOf(file.compression);
    return suffix ? { name: `${file.name}.${suffix}`, sizeBytes: file.sizeBytes, mtimeMs: file.archivedAt } : { name: file.name, sizeBytes: segmentSize, mtimeMs: file.archivedAt };
  });
}

/** Reads xlog.db and the .history files of a server's wals_directory. Throws a ProbeError saying what to fix. */
export async function readXlogDb(location: BarmanWalsLocation, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<XlogDb> {
  const read = location.host ? await readRemote(location as BarmanWalsLocation & { host: string }, options) : await readLocal(location);
  const { files, badLines } = parseXlogDb(read.xlogdb);
  return { files, badLines, ...parseHistories(read.histories, files, location) };
}

interface RawRead {
  xlogdb: string;
  /** name -> bytes (null: could not be read). */
  histories: [string, Buffer | null][];
}

async function readLocal(location: BarmanWalsLocation): Promise<RawRead> {
  const file = join(location.walsDirectory, 'xlog.db');
  let xlogdb: string;
  try {
    const handle = await open(file, 'r');
    try {
      const size = (await handle.stat()).size;
      if (size > MAX_XLOGDB_BYTES) throw new ProbeError('failed', `${file} is larger than ${MAX_XLOGDB_BYTES / 1024 / 1024} MB: is this Barman's WAL listing?`);
      xlogdb = (await handle.readFile()).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof ProbeError) throw error;
    throw localError(file, error as NodeJS.ErrnoException);
  }
  const names = (await readdir(location.walsDirectory).catch(() => [] as string[])).filter((name) => HISTORY_NAME.test(name));
  const histories = await Promise.all(
    names.map(async (name): Promise<[string, Buffer | null]> => {
      try {
        const path = join(location.walsDirectory, name);
        if ((await stat(path)).size > MAX_HISTORY_BYTES) return [name, null];
        return [name, await readFile(path)];
      } catch {
        return [name, null];
      }
    }),
  );
  return { xlogdb, histories };
}

function localError(file: string, error: NodeJS.ErrnoException): ProbeError {
  if (error.code === 'ENOENT') return new ProbeError('not-found', `no ${file}: Barman has archived no WAL for this server yet, or its wals_directory moved`);
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    return new ProbeError('permission-denied', `permission denied reading ${file}: Backup Health must run as Barman's barman_user (or a user in its group) to read the server's WAL listing`);
  }
  return new ProbeError('failed', `reading ${file} failed: ${error.message}`);
}

/**
 * $1 = wals_directory. Exit 3: no xlog.db; 5: not readable. Otherwise xlog.db (at most MAX_XLOGDB_BYTES + 1, so
 * a larger one is seen), a NUL, then for each <8 hex>.history file its name and its bytes in base64 ("-" when
 * unreadable), each NUL-ended.
 */
export const REMOTE_XLOGDB_SCRIPT = [
  'if [ ! -e "$1/xlog.db" ]; then exit 3; fi',
  'if [ ! -r "$1/xlog.db" ]; then exit 5; fi',
  `head -c ${MAX_XLOGDB_BYTES + 1} -- "$1/xlog.db" || exit 5`,
  `printf '\\0'`,
  'for f in "$1"/[0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F].history; do',
  '  [ -f "$f" ] || continue',
  `  if [ -r "$f" ]; then printf '%s\\0' "\${f##*/}"; head -c ${MAX_HISTORY_BYTES} -- "$f" | base64 -w0; printf '\\0'; else printf '%s\\0-\\0' "\${f##*/}"; fi`,
  'done',
].join('\n');

async function readRemote(location: BarmanWalsLocation & { host: string }, options: { signal?: AbortSignal; timeoutMs?: number }): Promise<RawRead> {
  const { host } = location;
  const dir = posix.normalize(location.walsDirectory);
  const file = `${dir}/xlog.db on ${host}`;
  const result = await runTool(location, 'sh', ['-c', REMOTE_XLOGDB_SCRIPT, 'backup-health-xlogdb', dir], {
    timeoutMs: options.timeoutMs ?? 60_000,
    ...(options.signal ? { signal: options.signal } : {}),
    maxOutputBytes: MAX_XLOGDB_BYTES + 2 * 1024 * 1024,
  });
  if (result.timedOut || result.aborted) throw describeSshFailure(result, host)!;
  if (result.code === 3) throw new ProbeError('not-found', `no ${file}: Barman has archived no WAL for this server yet, or its wals_directory moved`, host);
  if (result.code === 5) throw new ProbeError('permission-denied', `permission denied reading ${file}: the ssh login must be Barman's barman_user (or in its group)`, host);
  if (result.code !== 0) throw new ProbeError('failed', `reading ${file} failed: ${result.stderr.trim().split('\n').at(-1) || `exit ${result.code}`}`, host);
  const end = result.stdout.indexOf('\0');
  if (result.truncated || end < 0 || end > MAX_XLOGDB_BYTES) throw new ProbeError('failed', `${file} is larger than ${MAX_XLOGDB_BYTES / 1024 / 1024} MB: is this Barman's WAL listing?`, host);
  const rest = result.stdout.slice(end + 1).split('\0');
  const histories: [string, Buffer | null][] = [];
  for (let i = 0; i + 1 < rest.length; i += 2) histories.push([rest[i]!, rest[i + 1] === '-' ? null : Buffer.from(rest[i + 1]!, 'base64')]);
  return { xlogdb: result.stdout.slice(0, end), histories };
}

function parseHistories(raw: readonly [string, Buffer | null][], files: readonly BarmanWalFile[], location: BarmanWalsLocation): { histories: TimelineHistory[]; historyProblems: string[] } {
  const where = location.host ? `${location.walsDirectory} on ${location.host}` : location.walsDirectory;
  const compression = new Map(files.map((file) => [file.name, file.compression]));
  const histories: TimelineHistory[] = [];
  const historyProblems: string[] = [];
  for (const [name, bytes] of raw) {
    const timeline = parseInt(name.slice(0, 8), 16);
    if (bytes === null) {
      historyProblems.push(`${name} in ${where} cannot be read (or is larger than ${MAX_HISTORY_BYTES / 1024} KB): check its permissions`);
      continue;
    }
    const how = compression.get(name) ?? null;
    let text: string;
    try {
      text = (walCompressionOf(how) === 'gz' ? gunzipSync(bytes) : bytes).toString('utf8');
    } catch {
      historyProblems.push(`${name} in ${where} is not the ${how} file xlog.db says it is`);
      continue;
    }
    if (how !== null && walCompressionOf(how) !== 'gz') {
      historyProblems.push(`${name} in ${where} is stored with ${how} compression, which Backup Health does not read`);
      continue;
    }
    const parsed = parseTimelineHistory(timeline, text, `${name} in ${where}`);
    if (parsed.ok) histories.push(parsed.history);
    else historyProblems.push(parsed.message);
  }
  histories.sort((a, b) => a.timeline - b.timeline);
  return { histories, historyProblems };
}
