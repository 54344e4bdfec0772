// The files of a basebackup source, here or on `host` over ssh, behind one small interface: list a directory,
// read the first or last bytes of some files, add up a tree's size. Only regular files are ever opened (never
// a symlink, FIFO or device: a FIFO would hang the read), and only by the paths the caller builds from a
// directory it listed. Over ssh each call is one round trip running a short POSIX sh script; the remote needs
// GNU find, head, tail, base64 and du, which any Linux backup host has.
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ProbeError } from '../../errors';
import { describeFailure } from '../../exec';
import { runTool, type Where } from '../../remote';

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface Entry {
  name: string;
  type: EntryType;
  size: number;
  mtimeMs: number;
}

export interface ReadRequest {
  path: string;
  /** The first or the last `bytes` bytes. */
  end: 'head' | 'tail';
  bytes: number;
}

export interface SourceFiles {
  /** "here" or "on backup1", for messages. */
  where: string;
  /** The entries of `dir` (no recursion, symlinks not followed); throws a ProbeError naming `field` if it cannot be listed. */
  list(dir: string, field: string): Promise<Entry[]>;
  /** Entries of `dir`, or null when it is missing or not listable (inside a backup: the caller says what that means). */
  listIfPresent(dir: string): Promise<Entry[] | null>;
  /** Each request's bytes, or null for a path that is not a regular file (missing, a symlink, a FIFO) or not readable. */
  read(requests: readonly ReadRequest[]): Promise<(Buffer | null)[]>;
  /** The bytes of the regular files under `dir`, symlinks not followed. */
  treeBytes(dir: string): Promise<number>;
  /** Where a symlink points (tablespace links in a plain backup's pg_tblspc), null if not one. */
  readlink(path: string): Promise<string | null>;
}

export interface FilesOptions {
  signal: AbortSignal;
  timeoutMs: number;
}

function typeOf(stat: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): EntryType {
  return stat.isSymbolicLink() ? 'symlink' : stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : 'other';
}

function listError(err: unknown, dir: string, field: string, where: string, host?: string): ProbeError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ProbeError('not-found', `${field} ${dir} does not exist ${where}: check ${field}`, host);
  if (code === 'ENOTDIR') return new ProbeError('config', `${field} ${dir} is not a directory ${where}: ${field} names the directory itself`, host);
  if (code === 'EACCES' || code === 'EPERM') return new ProbeError('permission-denied', `${field} ${dir} cannot be listed ${where} by this user: give it read access (the backup files' group, or an ACL)`, host);
  return new ProbeError('failed', `${field} ${dir} cannot be listed ${where}: ${(err as Error).message}`, host);
}

/** The files on this machine. */
export function localFiles(): SourceFiles {
  const listRaw = async (dir: string): Promise<Entry[]> => {
    const names = await readdir(dir);
    const entries: Entry[] = [];
    for (const name of names) {
      try {
        const stat = await lstat(join(dir, name));
        entries.push({ name, type: typeOf(stat), size: stat.size, mtimeMs: stat.mtimeMs });
      } catch {
        // gone since readdir
      }
    }
    return entries;
  };
  const readOne = async ({ path, end, bytes }: ReadRequest): Promise<Buffer | null> => {
    try {
      const stat = await lstat(path);
      if (!stat.isFile()) return null;
      const handle = await open(path, 'r');
      try {
        const length = Math.min(bytes, stat.size);
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, end === 'head' ? 0 : stat.size - length);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    } catch {
      return null;
    }
  };
  return {
    where: 'here',
    async list(dir, field) {
      try {
        return await listRaw(dir);
      } catch (err) {
        throw listError(err, dir, field, 'here');
      }
    },
    listIfPresent: (dir) => listRaw(dir).catch(() => null),
    read: (requests) => Promise.all(requests.map(readOne)),
    async treeBytes(dir) {
      let total = 0;
      const walk = async (at: string): Promise<void> => {
        let names: string[];
        try {
          names = await readdir(at);
        } catch {
          return;
        }
        for (const name of names) {
          try {
            const stat = await lstat(join(at, name));
            if (stat.isFile()) total += stat.size;
            else if (stat.isDirectory()) await walk(join(at, name));
          } catch {
            // gone since readdir
          }
        }
      };
      await walk(dir);
      return total;
    },
    readlink: (path) => readlink(path).catch(() => null),
  };
}

/** $1 = directory. Exit 3 missing, 4 not a directory, 5 not listable; else one NUL-ended record per entry. */
const LIST_SCRIPT = [
  'if [ ! -e "$1" ] && [ ! -L "$1" ]; then exit 3; fi',
  'if [ ! -d "$1" ]; then exit 4; fi',
  'if [ ! -r "$1" ] || [ ! -x "$1" ]; then exit 5; fi',
  `find -P "$1" -mindepth 1 -maxdepth 1 -printf '%f\\t%y\\t%s\\t%T@\\0'`,
].join('\n');

/** Pairs of (head|tail, bytes, path): one line each, the bytes base64-encoded, or "-" when not a readable regular file. */
const READ_SCRIPT = [
  'while [ $# -ge 3 ]; do',
  '  e=$1; n=$2; p=$3; shift 3',
  '  if [ -f "$p" ] && [ ! -L "$p" ] && [ -r "$p" ]; then',
  '    if [ "$e" = head ]; then timeout -s KILL 20 head -c "$n" -- "$p" | base64 -w0; else timeout -s KILL 20 tail -c "$n" -- "$p" | base64 -w0; fi',
  `    printf '\\n'`,
  `  else printf -- '-\\n'; fi`,
  'done',
].join('\n');

const REMOTE_TYPES: Record<string, EntryType> = { f: 'file', d: 'dir', l: 'symlink' };

/** The files on `where.host`, over ssh. */
export function remoteFiles(where: Where & { host: string }, options: FilesOptions): SourceFiles {
  const sh = (script: string, args: string[], maxOutputBytes = 64 * 1024 * 1024) =>
    runTool(where, 'sh', ['-c', script, 'sh', ...args], { signal: options.signal, timeoutMs: options.timeoutMs, maxOutputBytes });
  const listRaw = async (dir: string): Promise<Entry[] | number> => {
    const result = await sh(LIST_SCRIPT, [dir]);
    if (result.code !== 0) return result.code ?? -1;
    return result.stdout
      .split('\0')
      .filter(Boolean)
      .map((record) => {
        const [name = '', type = '', size = '0', mtime = '0'] = record.split('\t');
        return { name, type: REMOTE_TYPES[type] ?? 'other', size: Number(size), mtimeMs: Math.round(Number(mtime) * 1000) };
      });
  };
  const host = where.host;
  return {
    where: `on ${host}`,
    async list(dir, field) {
      const listed = await listRaw(dir);
      if (typeof listed !== 'number') return listed;
      const code = { 3: 'ENOENT', 4: 'ENOTDIR', 5: 'EACCES' }[listed as 3 | 4 | 5];
      if (code) throw listError(Object.assign(new Error(code), { code }), dir, field, `on ${host}`, host);
      throw new ProbeError('failed', `${field} ${dir} cannot be listed on ${host} (exit ${listed}): the host needs a POSIX sh and GNU find`, host);
    },
    async listIfPresent(dir) {
      const listed = await listRaw(dir);
      return typeof listed === 'number' ? null : listed;
    },
    async read(requests) {
      if (requests.length === 0) return [];
      const result = await sh(READ_SCRIPT, requests.flatMap((r) => [r.end, String(r.bytes), r.path]));
      if (result.code !== 0) throw new ProbeError('failed', `reading backup files on ${host} failed: ${describeFailure(result, 'sh')}`, host);
      const lines = result.stdout.split('\n');
      return requests.map((_, i) => {
        const line = lines[i];
        return line === undefined || line === '-' ? null : Buffer.from(line, 'base64');
      });
    },
    async treeBytes(dir) {
      const result = await sh(`find -P "$1" -type f -printf '%s\\n' 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'`, [dir]);
      const bytes = Number(result.stdout.trim());
      return Number.isFinite(bytes) ? bytes : 0;
    },
    async readlink(path) {
      const result = await sh('[ -L "$1" ] && readlink -- "$1"', [path]);
      return result.code === 0 ? result.stdout.replace(/\n$/, '') : null;
    },
  };
}

export function filesFor(where: Where, options: FilesOptions): SourceFiles {
  return where.host ? remoteFiles({ ...where, host: where.host }, options) : localFiles();
}
