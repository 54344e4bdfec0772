// Listing a WAL archive directory (where archive_command copies segments): here with opendir and batched
// lstats, or over ssh in one round trip (GNU find -printf for the listing, then the .history files' text,
// base64-encoded). Returns the names, sizes and archive times continuity.ts checks, and the timeline
// histories it follows. Reads nothing but the directory and the small .history files.
import { lstatSync } from 'node:fs';
import { opendir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { RunResult } from '../exec';
import { ProbeError } from '../errors';
import { describeSshFailure, runTool, type Where } from '../remote';
import type { WalArchiveEntry } from './continuity';
import { parseWalFileName, DEFAULT_WAL_SEGMENT_SIZE } from './names';
import { parseTimelineHistory, type TimelineHistory } from './timelines';

/** A WAL archive directory, on this machine or on `host` over ssh. */
export interface WalArchiveLocation extends Where {
  path: string;
  /** The config field holding the path, named in messages ("walArchive"). */
  field?: string;
}

export interface WalArchiveListOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface WalArchiveListing {
  entries: WalArchiveEntry[];
  /** The .history files, read. */
  histories: TimelineHistory[];
  /** .history files that could not be read or parsed, each said in a sentence (the chain is then guessed). */
  historyProblems: string[];
}

/** Files stat'ed between two turns of the event loop (a few ms of work). */
const STAT_BATCH = 512;
/** A .history file is a few lines per promotion; anything larger is not one. */
const MAX_HISTORY_BYTES = 64 * 1024;
/** Listing 1,000,000 segments is ~60 MB of find output. */
const MAX_OUTPUT_BYTES = 128 * 1024 * 1024;

/** Lists the archive and reads its .history files. Throws a ProbeError saying what to fix. */
export async function readWalArchive(location: WalArchiveLocation, options: WalArchiveListOptions = {}): Promise<WalArchiveListing> {
  return location.host ? readRemote(location as WalArchiveLocation & { host: string }, options) : readLocal(location, options);
}

/** The timeline of a <8 hex>.history file name, or null. */
function historyTimeline(name: string): number | null {
  // The segment size does not matter for .history names.
  const file = parseWalFileName(name, DEFAULT_WAL_SEGMENT_SIZE);
  return file?.kind === 'timeline-history' && file.compression === null && file.sha1 === undefined ? file.timeline : null;
}

function describeDir(location: WalArchiveLocation): string {
  return location.host ? `${location.path} on ${location.host}` : location.path;
}

function fieldOf(location: WalArchiveLocation): string {
  return location.field ?? 'walArchive';
}

async function readLocal(location: WalArchiveLocation, options: WalArchiveListOptions): Promise<WalArchiveListing> {
  const dir = location.path;
  let handle;
  try {
    handle = await opendir(dir, { bufferSize: 1024 });
  } catch (error) {
    throw localError(location, error as NodeJS.ErrnoException);
  }
  const entries: WalArchiveEntry[] = [];
  let batch: string[] = [];
  // Stats run synchronously, a batch at a time, yielding to the event loop between batches: twice as fast
  // as one promise per file through libuv's four threads, and no batch holds the loop more than a few ms.
  const flush = async (): Promise<void> => {
    options.signal?.throwIfAborted();
    for (const name of batch) {
      const s = lstatSync(join(dir, name), { throwIfNoEntry: false });
      // Gone since the listing (an archiver's temporary file renamed), or not a regular file: not listed.
      if (s && s.isFile()) entries.push({ name, sizeBytes: s.size, mtimeMs: Math.trunc(s.mtimeMs) });
    }
    batch = [];
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  try {
    for await (const dirent of handle) {
      // Every entry is lstat'ed, not only those readdir calls files: on some filesystems (NFS, old XFS)
      // readdir does not say, and an archive there would look empty. Symlinks are not followed (lstat).
      if (dirent.isDirectory()) continue;
      batch.push(dirent.name);
      if (batch.length >= STAT_BATCH) await flush();
    }
    await flush();
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw localError(location, error as NodeJS.ErrnoException);
  }
  // Only regular files (lstat above), so a .history symlink leading elsewhere is never read.
  const historyNames = entries.filter((e) => e.name.length === 16 && historyTimeline(e.name) !== null).map((e) => e.name);
  const texts: [string, string | null][] = await Promise.all(
    historyNames.map(async (name): Promise<[string, string | null]> => {
      try {
        const s = await stat(join(dir, name));
        if (s.size > MAX_HISTORY_BYTES) return [name, null];
        return [name, await readFile(join(dir, name), 'utf8')];
      } catch {
        return [name, null];
      }
    }),
  );
  return { entries, ...parseHistories(texts, location) };
}

function localError(location: WalArchiveLocation, error: NodeJS.ErrnoException): ProbeError {
  const dir = location.path;
  const field = fieldOf(location);
  if (error.code === 'ENOENT') return new ProbeError('not-found', `no WAL archive directory ${dir}: set ${field} to the directory archive_command copies WAL into`);
  if (error.code === 'ENOTDIR') return new ProbeError('config', `${dir} is a file, not a directory: set ${field} to the directory archive_command copies WAL into`);
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    return new ProbeError('permission-denied', `permission denied listing the WAL archive ${dir}: give the user Backup Health runs as read and execute permission on it`);
  }
  return new ProbeError('failed', `listing the WAL archive ${dir} failed: ${error.message}`);
}

/**
 * $1 = the archive directory. Exit 3, 4, 5: missing, not a directory, not listable; otherwise find's status. Then one NUL-ended
 * "name<TAB>size<TAB>mtime" record per regular file, an empty record, and for each <8 hex>.history file
 * its name and its first 64 KB in base64 ("-" when unreadable), each NUL-ended.
 */
export const REMOTE_LIST_SCRIPT = [
  'if [ ! -e "$1" ]; then exit 3; fi',
  'if [ ! -d "$1" ]; then exit 4; fi',
  'if [ ! -r "$1" ] || [ ! -x "$1" ]; then exit 5; fi',
  'cd -- "$1" || exit 5',
  // find exits 1 when a file vanished between its readdir and stat (an archive_command renaming its temp
  // file): the rest of the listing is good, so its status is passed on after the history files.
  `find . -mindepth 1 -maxdepth 1 -type f -printf '%f\\t%s\\t%T@\\0'`,
  's=$?',
  `printf '\\0'`,
  'for f in ./[0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F].history; do',
  '  [ -f "$f" ] || continue',
  // "-" (never base64) for one the ssh user cannot read: said as a problem, not taken for missing.
  `  if [ -r "$f" ]; then printf '%s\\0' "\${f#./}"; head -c ${MAX_HISTORY_BYTES} -- "$f" | base64 -w0; printf '\\0'; else printf '%s\\0-\\0' "\${f#./}"; fi`,
  'done',
  'exit $s',
].join('\n');

async function readRemote(location: WalArchiveLocation & { host: string }, options: WalArchiveListOptions): Promise<WalArchiveListing> {
  const { host } = location;
  const dir = posix.isAbsolute(location.path) ? posix.resolve(location.path) : posix.normalize(location.path);
  const field = fieldOf(location);
  const who = host.includes('@') ? `user ${host.slice(0, host.indexOf('@'))} on ${host.slice(host.indexOf('@') + 1)}` : `the ssh user on ${host}`;
  const result: RunResult = await runTool(location, 'sh', ['-c', REMOTE_LIST_SCRIPT, 'backup-health-wal-list', dir], {
    timeoutMs: options.timeoutMs ?? 60_000,
    ...(options.signal ? { signal: options.signal } : {}),
    maxOutputBytes: MAX_OUTPUT_BYTES,
  });
  if (result.timedOut || result.aborted) throw describeSshFailure(result, host)!;
  if (result.truncated) throw new ProbeError('failed', `the listing of ${dir} on ${host} was larger than ${MAX_OUTPUT_BYTES / 1024 / 1024} MB: is ${field} the WAL archive itself?`, host);
  if (result.code === 3) throw new ProbeError('not-found', `no WAL archive directory ${dir} on ${host}: set ${field} to the directory archive_command copies WAL into`, host);
  if (result.code === 4) throw new ProbeError('config', `${dir} on ${host} is a file, not a directory: set ${field} to the directory archive_command copies WAL into`, host);
  if (result.code === 5) throw new ProbeError('permission-denied', `permission denied listing the WAL archive ${dir} on ${host}: ${who} cannot list it; give it read and execute permission on the directory`, host);
  if (result.code === 127) throw new ProbeError('config', `the ssh login on ${host} cannot run the tools listing a WAL archive needs (sh, GNU find, head, base64): ${lastLine(result) || 'command not found'}; check PATH there`, host);
  // find's 1: a file vanished during the listing (see REMOTE_LIST_SCRIPT); the listing itself is whole.
  if (result.code !== 0 && !(result.code === 1 && result.stdout.includes('\0\0'))) {
    if (/printf/.test(result.stderr)) throw new ProbeError('config', `find on ${host} does not support -printf: listing a WAL archive over ssh needs GNU find (findutils) there`, host);
    throw new ProbeError('failed', `listing the WAL archive ${dir} on ${host} failed: ${lastLine(result) || `exit ${result.code}`}`, host);
  }
  return parseRemoteListing(result.stdout, location);
}

/** REMOTE_LIST_SCRIPT's output -> the listing. */
export function parseRemoteListing(text: string, location: WalArchiveLocation): WalArchiveListing {
  const entries: WalArchiveEntry[] = [];
  let at = 0;
  for (;;) {
    const end = text.indexOf('\0', at);
    if (end < 0 || end === at) break;
    // name<TAB>size<TAB>mtime: WAL names hold no tabs; a name that does is no WAL file and is skipped.
    const t1 = text.indexOf('\t', at);
    const t2 = t1 < 0 ? -1 : text.indexOf('\t', t1 + 1);
    if (t1 > 0 && t2 > t1 && t2 < end) {
      const sizeBytes = Number(text.slice(t1 + 1, t2));
      if (Number.isFinite(sizeBytes)) entries.push({ name: text.slice(at, t1), sizeBytes, mtimeMs: findTime(text, t2 + 1, end) });
    }
    at = end + 1;
  }
  const rest = text.slice(at + 1).split('\0');
  const texts: [string, string | null][] = [];
  for (let i = 0; i + 1 < rest.length; i += 2) texts.push([rest[i]!, rest[i + 1] === '-' ? null : Buffer.from(rest[i + 1]!, 'base64').toString('utf8')]);
  return { entries, ...parseHistories(texts, location) };
}

/** find's %T@ ("1712345678.1234567890") in whole milliseconds, without float rounding. */
function findTime(text: string, from: number, to: number): number {
  const dot = text.indexOf('.', from);
  if (dot < 0 || dot > to) return Number(text.slice(from, to)) * 1000;
  return Number(text.slice(from, dot)) * 1000 + Number((text.slice(dot + 1, Math.min(dot + 4, to)) + '000').slice(0, 3));
}

function parseHistories(texts: readonly [string, string | null][], location: WalArchiveLocation): { histories: TimelineHistory[]; historyProblems: string[] } {
  const histories: TimelineHistory[] = [];
  const historyProblems: string[] = [];
  for (const [name, text] of texts) {
    const timeline = historyTimeline(name);
    if (timeline === null) continue;
    if (text === null) {
      historyProblems.push(`${name} in ${describeDir(location)} cannot be read (or is larger than ${MAX_HISTORY_BYTES / 1024} KB): check its permissions`);
      continue;
    }
    const parsed = parseTimelineHistory(timeline, text, `${name} in ${describeDir(location)}`);
    if (parsed.ok) histories.push(parsed.history);
    else historyProblems.push(parsed.message);
  }
  histories.sort((a, b) => a.timeline - b.timeline);
  return { histories, historyProblems };
}

function lastLine(result: RunResult): string {
  return result.stderr.trim().split('\n').filter(Boolean).at(-1) ?? '';
}
