// A dump directory on another machine, read over ssh in two round trips per poll: one lists the directory
// (names, types, sizes, mtimes: GNU find -printf), one sends the first bytes of every entry matching the
// pattern, base64-encoded (plus the last KB of files, and a directory archive's file sizes and toc.dat head).
// The rules of pg-dump/contained-file.ts hold there too: symlinks only within the directory, only regular files read.
// Glob matching and header parsing happen here, with the same code as for a local directory. The remote
// needs a POSIX login shell, GNU find, head, tail, base64 (coreutils) and awk: any Linux server has them.
import { posix } from 'node:path';
import picomatch from 'picomatch';
import type { DumpDirSourceConfig } from '../../../../shared/config';
import type { ObservedBackup } from '../../../../shared/model';
import type { RunResult } from '../../exec';
import { describeSshFailure, runTool } from '../../remote';
import type { ProbeContext } from '../probe';
import { ProbeError } from '../../errors';
import { OUTSIDE_PROBLEM, notADumpFile } from '../../pg-dump/contained-file';
import { HEADER_READ_BYTES, PLAIN_TAIL_BYTES, identifySafely, identifyTocDat, wantsPlainTail, type DumpHeaderReading } from '../../pg-dump/identify';

/** Entries whose first bytes one ssh call fetches: ~11 KB of base64 each, so a call's output stays near 1 MB. */
const READ_BATCH = 100;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** Shell functions both scripts use, with $d the watched directory with every symlink resolved. */
const SHELL_HELPERS = [
  'd=$(pwd -P); [ "$d" = / ] && d=',
  // The same rule as pg-dump/contained-file.ts: a symlink is followed only when its target, fully resolved, is in $d.
  // One realpath cannot resolve (a loop) cannot be opened either; find reports it as L.
  'inside() { r=$(realpath -m -- "$1") || return 0; case "$r" in "$d"/*) return 0;; esac; return 1; }',
  'kind() { if [ -p "$1" ]; then echo p; elif [ -S "$1" ]; then echo s; elif [ -b "$1" ]; then echo b; elif [ -c "$1" ]; then echo c; else echo o; fi; }',
  `b64() { printf '%s' "$1" | base64 -w0; }`,
];

/**
 * $1 = the directory. Exit 3, 4, 5: missing, not a directory, not listable. Then one NUL-ended record per
 * entry, an empty record, and the names of the symlinks leading out of the directory, each followed by its
 * own mtime (also NUL-ended). Names are NUL-separated because a name may hold a newline.
 */
export const LIST_SCRIPT = [
  'if [ ! -e "$1" ]; then exit 3; fi',
  'if [ ! -d "$1" ]; then exit 4; fi',
  'if [ ! -r "$1" ] || [ ! -x "$1" ]; then exit 5; fi',
  'cd -- "$1" || exit 5',
  ...SHELL_HELPERS,
  // -L: a symlink counts as its target (as a local stat does); %Y is N for a broken one. find only stats.
  `find -L . -mindepth 1 -maxdepth 1 -printf '%f\\t%Y\\t%s\\t%T@\\0'`,
  's=$?',
  `printf '\\0'`,
  'for p in ./* ./.[!.]* ./..?*; do',
  `  if [ -L "$p" ] && ! inside "$p"; then printf '%s\\0' "\${p#./}"; find "$p" -maxdepth 0 -printf '%T@\\0'; fi`,
  'done',
  'exit $s',
].join('\n');

/** Seconds one remote read may take: a FIFO swapped in after the [ -f ] test must not leave head running there. */
const REMOTE_READ_TIMEOUT_S = 20;

/**
 * $1 = the directory, then entry names. One line per name, in order, tab-separated (names never appear raw):
 *   F <head b64> <tail b64>           a file: its first 8192 bytes, and its last 1024 when it is longer
 *   F denied                          a file the ssh user cannot read
 *   D <bytes> <newest mtime|-> toc <toc size> <toc head b64>    a directory archive (toc is ok|missing|denied)
 *   D <bytes> <newest mtime|-> bad <kind> <member name b64>     one with a member that must not be read
 *   D denied                          a directory the ssh user cannot list
 *   O                                 a symlink leading out of the directory (never read)
 *   S <kind>                          a FIFO, socket or device (never opened); kind as find's %Y
 *   G                                 gone since the listing
 * Only what `[ -f ]` says is a regular file is read, under `timeout`.
 */
export const READ_SCRIPT = [
  'cd -- "$1" || exit 3',
  ...SHELL_HELPERS,
  'shift',
  `T="timeout -s KILL ${REMOTE_READ_TIMEOUT_S}"`,
  'for n do',
  '  p="./$n"',
  `  if [ -L "$p" ] && ! inside "$p"; then printf 'O\\n'; continue; fi`,
  '  if [ -d "$p" ]; then',
  `    if [ ! -r "$p" ] || [ ! -x "$p" ]; then printf 'D\\tdenied\\n'; continue; fi`,
  `    printf 'D\\t%s\\t' "$(find -H "$p" -mindepth 1 -maxdepth 1 -type f -printf '%s %T@\\n' 2>/dev/null | awk '{ s += $1; if (!n || $2 + 0 > m + 0) m = $2; n++ } END { printf "%.0f\\t%s", s, (n ? m : "-") }')"`,
  '    bad=',
  '    for m in "$p"/* "$p"/.[!.]* "$p"/..?*; do',
  `      if [ -L "$m" ] && ! inside "$m"; then bad="outside	$(b64 "\${m##*/}")"; break; fi`,
  `      if [ -e "$m" ] && [ ! -f "$m" ] && [ ! -d "$m" ]; then bad="$(kind "$m")	$(b64 "\${m##*/}")"; break; fi`,
  '    done',
  `    if [ -n "$bad" ]; then printf 'bad\\t%s\\n' "$bad"; continue; fi`,
  `    if [ ! -e "$p/toc.dat" ]; then printf 'missing\\t\\t\\n'; continue; fi`,
  `    if [ ! -r "$p/toc.dat" ]; then printf 'denied\\t\\t\\n'; continue; fi`,
  `    printf 'ok\\t%s\\t' "$(find -L "$p/toc.dat" -maxdepth 0 -printf '%s')"`,
  `    $T head -c ${HEADER_READ_BYTES} -- "$p/toc.dat" | base64 -w0; printf '\\n'`,
  '  elif [ -f "$p" ]; then',
  `    if [ ! -r "$p" ]; then printf 'F\\tdenied\\n'; continue; fi`,
  `    printf 'F\\t'; $T head -c ${HEADER_READ_BYTES} -- "$p" | base64 -w0; printf '\\t'`,
  `    if [ "$(find -L "$p" -maxdepth 0 -size +${HEADER_READ_BYTES}c -printf x)" = x ]; then $T tail -c ${PLAIN_TAIL_BYTES} -- "$p" | base64 -w0; fi`,
  `    printf '\\n'`,
  `  elif [ -e "$p" ]; then printf 'S\\t%s\\n' "$(kind "$p")"`,
  `  else printf 'G\\n'; fi`,
  'done',
].join('\n');

/** find's %Y letters (and kind()'s) for what is never opened, in pg-dump/contained-file.ts's words. */
const SPECIAL_KINDS: Record<string, string> = { p: 'a FIFO', s: 'a socket', b: 'a block device', c: 'a character device', D: 'a door', o: 'something other than a file' };

export interface RemoteEntry {
  name: string;
  /** find's %Y: f file, d directory, N broken symlink, L loop, anything else is not a backup. */
  type: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** find's %T@ ("1712345678.1234567890") in whole milliseconds, exactly (no float rounding): like Math.trunc(stat.mtimeMs). */
export function parseFindTime(text: string): number {
  const [seconds = '0', fraction = ''] = text.split('.');
  return Number(seconds) * 1000 + Number((fraction + '000').slice(0, 3));
}

export interface RemoteListing {
  entries: RemoteEntry[];
  /** Names of symlinks leading out of the directory -> their own mtime. */
  outside: Map<string, number>;
}

/** LIST_SCRIPT's output -> entries (in find's order) and the symlinks leading out. */
export function parseListing(text: string): RemoteListing {
  const records = text.split('\0');
  const end = records.indexOf('');
  const entries = records.slice(0, end === -1 ? records.length : end).map((record) => {
    // The name comes first and may hold tabs itself: the last three fields are find's.
    const fields = record.split('\t');
    const [type = '', size = '0', mtime = '0'] = fields.splice(-3, 3);
    return { name: fields.join('\t'), type, sizeBytes: Number(size), mtimeMs: parseFindTime(mtime) };
  });
  const outside = new Map<string, number>();
  const rest = end === -1 ? [] : records.slice(end + 1);
  for (let i = 0; i + 1 < rest.length; i += 2) outside.set(rest[i]!, parseFindTime(rest[i + 1]!));
  return { entries, outside };
}

/** One READ_SCRIPT line for an entry of the listing -> what it is. Null: gone, or not a backup. */
export async function readingOf(line: string, entry: RemoteEntry, who: string): Promise<{ finishedAt: number; sizeBytes: number; reading: DumpHeaderReading } | null> {
  const fields = line.split('\t');
  const kind = fields[0];
  if (kind === 'F') {
    if (fields[1] === 'denied') return { finishedAt: entry.mtimeMs, sizeBytes: entry.sizeBytes, reading: unreadable(`permission denied: ${who} cannot read it`) };
    const head = Buffer.from(fields[1] ?? '', 'base64');
    const tail = Buffer.from(fields[2] ?? '', 'base64');
    const complete = head.length >= entry.sizeBytes;
    const reading = await identifySafely({ head, complete, ...(wantsPlainTail(head, entry.sizeBytes) && tail.length ? { tail } : {}) });
    return { finishedAt: entry.mtimeMs, sizeBytes: entry.sizeBytes, reading };
  }
  if (kind === 'D') {
    if (fields[1] === 'denied') {
      return { finishedAt: entry.mtimeMs, sizeBytes: 0, reading: unreadable(`permission denied: ${who} cannot list this directory`, 'directory') };
    }
    const [, bytes = '0', newest = '-', toc = 'missing', tocSize = '0', tocHead = ''] = fields;
    const finishedAt = newest === '-' ? entry.mtimeMs : parseFindTime(newest);
    const sizeBytes = Number(bytes);
    if (toc === 'missing') return { finishedAt, sizeBytes, reading: unreadable('directory without toc.dat: not a pg_dump directory archive, or pg_dump did not finish', 'directory') };
    if (toc === 'denied') return { finishedAt, sizeBytes, reading: unreadable(`toc.dat: permission denied: ${who} cannot read it`, 'directory') };
    if (toc === 'bad') {
      const [, , , , what = 'o', member = ''] = fields;
      const name = Buffer.from(member, 'base64').toString('utf8');
      const problem = what === 'outside' ? `${name} ${OUTSIDE_PROBLEM}` : `${name} ${notADumpFile(SPECIAL_KINDS[what] ?? SPECIAL_KINDS.o!)}`;
      return { finishedAt, sizeBytes, reading: unreadable(problem, 'directory') };
    }
    const head = Buffer.from(tocHead, 'base64');
    return { finishedAt, sizeBytes, reading: identifyTocDat({ head, complete: head.length >= Number(tocSize) }) };
  }
  // Swapped since the listing: a link now leading out, or a FIFO where a file was.
  if (kind === 'O') return { finishedAt: entry.mtimeMs, sizeBytes: 0, reading: unreadable(OUTSIDE_PROBLEM) };
  if (kind === 'S') return { finishedAt: entry.mtimeMs, sizeBytes: 0, reading: unreadable(notADumpFile(SPECIAL_KINDS[fields[1] ?? 'o'] ?? SPECIAL_KINDS.o!)) };
  return null;
}

function unreadable(problem: string, format: 'unknown' | 'directory' = 'unknown'): DumpHeaderReading {
  return { header: { format }, readable: false, problem };
}

/** The remote directory as the local probe would see it: keys are paths on that host. */
export async function observeRemoteDir(source: DumpDirSourceConfig & { host: string; path: string }, ctx: ProbeContext): Promise<{ key: string; finishedAt: number; sizeBytes: number; reading: DumpHeaderReading }[]> {
  const dir = posix.isAbsolute(source.path) ? posix.resolve(source.path) : posix.normalize(source.path);
  const { host } = source;
  const who = host.includes('@') ? `user ${host.slice(0, host.indexOf('@'))} on ${host.slice(host.indexOf('@') + 1)}` : `the ssh user on ${host}`;
  const listing = await remote(source, ctx, ['sh', '-c', LIST_SCRIPT, 'backup-health-list', dir]);
  if (listing.code === 3) throw new ProbeError('not-found', `no such directory ${dir} on ${host}`, host);
  if (listing.code === 4) throw new ProbeError('config', `${dir} on ${host} is a file, not a directory: set path to the directory the dumps are written to`, host);
  if (listing.code === 5) throw new ProbeError('permission-denied', `permission denied reading ${dir} on ${host}: ${who} cannot list it; give it read and execute permission on the directory`, host);
  if (listing.code === 127) {
    throw new ProbeError('config', `the ssh login on ${host} cannot run the tools a remote dump-dir needs (sh, GNU find, coreutils, awk): ${lastLine(listing) || 'command not found'}; check PATH there`, host);
  }
  if (listing.code !== 0) {
    if (/printf/.test(listing.stderr)) throw new ProbeError('config', `find on ${host} does not support -printf: reading a dump directory over ssh needs GNU find (findutils) there`, host);
    // find exits 1 when an entry vanished (or is a symlink loop) during the listing; the rest is still good.
    if (listing.code !== 1 || !listing.stdout) throw new ProbeError('failed', `listing ${dir} on ${host} failed: ${lastLine(listing) || `exit ${listing.code}`}`, host);
  }
  const isMatch = picomatch(source.pattern);
  const { entries: listed, outside } = parseListing(listing.stdout);
  const entries = listed
    .filter((e) => isMatch(e.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: { key: string; finishedAt: number; sizeBytes: number; reading: DumpHeaderReading }[] = [];
  const candidates: RemoteEntry[] = [];
  for (const entry of entries) {
    const linkMtime = outside.get(entry.name);
    if (linkMtime !== undefined) {
      out.push({ key: posix.join(dir, entry.name), finishedAt: linkMtime, sizeBytes: 0, reading: unreadable(OUTSIDE_PROBLEM) });
    } else if (entry.type === 'N' || entry.type === 'L') {
      const problem = entry.type === 'N' ? 'broken symbolic link: its target does not exist' : 'cannot be read: ELOOP';
      out.push({ key: posix.join(dir, entry.name), finishedAt: entry.mtimeMs, sizeBytes: 0, reading: unreadable(problem) });
    } else if (entry.type === 'f' || entry.type === 'd') {
      candidates.push(entry);
    } else {
      // Named like a dump but a FIFO, socket or device: said so, and never opened.
      out.push({ key: posix.join(dir, entry.name), finishedAt: entry.mtimeMs, sizeBytes: 0, reading: unreadable(notADumpFile(SPECIAL_KINDS[entry.type] ?? SPECIAL_KINDS.o!)) });
    }
  }
  for (let i = 0; i < candidates.length; i += READ_BATCH) {
    ctx.signal.throwIfAborted();
    const batch = candidates.slice(i, i + READ_BATCH);
    const result = await remote(source, ctx, ['sh', '-c', READ_SCRIPT, 'backup-health-read', dir, ...batch.map((e) => e.name)]);
    const lines = result.stdout.split('\n').slice(0, batch.length);
    if (result.code !== 0 || lines.length < batch.length) {
      throw new ProbeError('failed', `reading the dumps in ${dir} on ${host} failed: ${lastLine(result) || `exit ${result.code}`}`, host);
    }
    for (const [j, entry] of batch.entries()) {
      const seen = await readingOf(lines[j]!, entry, who);
      if (seen) out.push({ key: posix.join(dir, entry.name), ...seen });
    }
  }
  return out;
}

async function remote(source: DumpDirSourceConfig & { host: string }, ctx: ProbeContext, [command, ...args]: string[]): Promise<RunResult> {
  const result = await runTool(source, command!, args, { timeoutMs: ctx.timeoutMs, signal: ctx.signal, maxOutputBytes: MAX_OUTPUT_BYTES });
  if (result.timedOut || result.aborted) throw describeSshFailure(result, source.host)!;
  if (result.truncated) throw new ProbeError('failed', `the answer from ${source.host} was larger than ${MAX_OUTPUT_BYTES / 1024 / 1024} MB; narrow pattern`, source.host);
  return result;
}

function lastLine(result: RunResult): string {
  return result.stderr.trim().split('\n').filter(Boolean).at(-1) ?? '';
}
