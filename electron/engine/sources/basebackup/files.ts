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

/** What a plain-format backup directory holds besides its top entries: read once per new or changed backup. */
export interface PlainExtras {
  /** The first regular files of pg_wal/ (a few are enough to see the segment size). */
  walFiles: Entry[];
  /** pg_tblspc/ entries, with where each symlink points. */
  tablespaceLinks: { name: string; target: string | null }[];
  /** The bytes of the regular files under the directory, symlinks not followed. */
  treeBytes: number;
}

export interface BackupListing {
  entries: Entry[];
  /** Each subdirectory's own entries (null when this user cannot list it). */
  children: Map<string, Entry[] | null>;
}

/**
 * Every operation is one round trip over ssh, whatever it is asked for: a poll lists the backups (one call),
 * and reads what is new in one or two more. ssh's handshake, not the reading, is what a remote poll costs.
 */
export interface SourceFiles {
  /** "here" or "on backup1", for messages. */
  where: string;
  /** The entries of `dir` and of each subdirectory (symlinks not followed); throws a ProbeError naming `field` if `dir` cannot be listed. */
  listBackups(dir: string, field: string): Promise<BackupListing>;
  /** Each request's bytes, or null for a path that is not a regular file (missing, a symlink, a FIFO) or not readable. */
  read(requests: readonly ReadRequest[]): Promise<(Buffer | null)[]>;
  /** pg_wal files, pg_tblspc links and total size of each plain-format backup directory. */
  plainExtras(dirs: readonly string[]): Promise<PlainExtras[]>;
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
  const treeBytes = async (dir: string): Promise<number> => {
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
  };
  return {
    where: 'here',
    async listBackups(dir, field) {
      let entries: Entry[];
      try {
        entries = await listRaw(dir);
      } catch (err) {
        throw listError(err, dir, field, 'here');
      }
      const children = new Map<string, Entry[] | null>();
      for (const entry of entries.filter((e) => e.type === 'dir')) children.set(entry.name, await listRaw(join(dir, entry.name)).catch(() => null));
      return { entries, children };
    },
    read: (requests) => Promise.all(requests.map(readOne)),
    plainExtras: (dirs) =>
      Promise.all(
        dirs.map(async (dir) => {
          const wal = ((await listRaw(join(dir, 'pg_wal')).catch(() => [])) as Entry[]).filter((e) => e.type === 'file').slice(0, 8);
          const links = (await listRaw(join(dir, 'pg_tblspc')).catch(() => [])) as Entry[];
          const tablespaceLinks = await Promise.all(
            links.slice(0, 1000).map(async (e) => ({ name: e.name, target: e.type === 'symlink' ? await readlink(join(dir, 'pg_tblspc', e.name)).catch(() => null) : null })),
          );
          return { walFiles: wal, tablespaceLinks, treeBytes: await treeBytes(dir) };
        }),
      ),
  };
}

/**
 * $1 = the backups directory. Exit 3 missing, 4 not a directory, 5 not listable. Then one NUL-ended record
 * per entry ("name<TAB>type<TAB>size<TAB>mtime"), and for each subdirectory a record "/<name>" followed by
 * its own entries, or "!<name>" when the ssh user cannot list it, then an empty record.
 */
const LIST_SCRIPT = [
  'if [ ! -e "$1" ] && [ ! -L "$1" ]; then exit 3; fi',
  'if [ ! -d "$1" ]; then exit 4; fi',
  'if [ ! -r "$1" ] || [ ! -x "$1" ]; then exit 5; fi',
  String.raw`find -P "$1" -mindepth 1 -maxdepth 1 -printf '%f\t%y\t%s\t%T@\0'`,
  'find -P "$1" -mindepth 1 -maxdepth 1 -type d -exec sh -c \'for p do if [ -r "$p" ] && [ -x "$p" ]; then printf "/%s\\0" "${p##*/}"; find -P "$p" -mindepth 1 -maxdepth 1 -printf "%f\\t%y\\t%s\\t%T@\\0" 2>/dev/null; else printf "!%s\\0" "${p##*/}"; fi; printf "\\0"; done\' sh {} +',
].join('\n');

/**
 * Each argument a plain-format backup directory; for each, NUL-ended records: "W" then pg_wal's first files,
 * "T" then pg_tblspc's entries with their link targets, "B<bytes>" the total of its regular files, then an
 * empty record.
 */
const PLAIN_SCRIPT = [
  'for d do',
  `  printf 'W\\0'`,
  `  find -P "$d/pg_wal" -mindepth 1 -maxdepth 1 -type f -printf '%f\\t%y\\t%s\\t%T@\\0' 2>/dev/null | head -z -n 8`,
  `  printf 'T\\0'`,
  `  find -P "$d/pg_tblspc" -mindepth 1 -maxdepth 1 -printf '%f\\t%l\\0' 2>/dev/null | head -z -n 1000`,
  `  printf 'B%s\\0' "$(find -P "$d" -type f -printf '%s\\n' 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }')"`,
  `  printf '\\0'`,
  'done',
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

function parseEntry(record: string): Entry {
  const [name = '', type = '', size = '0', mtime = '0'] = record.split('\t');
  return { name, type: REMOTE_TYPES[type] ?? 'other', size: Number(size), mtimeMs: Math.round(Number(mtime) * 1000) };
}

/** LIST_SCRIPT's output: the directory's entries, then each subdirectory's ("/<name>" … "", or "!<name>" "" when not listable). */
export function parseBackupListing(stdout: string): BackupListing {
  const records = stdout.split('\0');
  const entries: Entry[] = [];
  const children = new Map<string, Entry[] | null>();
  let child: Entry[] | null = null;
  let unlistable = false;
  for (const record of records.slice(0, -1)) {
    if (unlistable) {
      unlistable = false; // the empty record after "!<name>"
    } else if (child === null && record.startsWith('!')) {
      children.set(record.slice(1), null);
      unlistable = true;
    } else if (child === null && record.startsWith('/')) {
      child = [];
      children.set(record.slice(1), child);
    } else if (child !== null && record === '') child = null;
    else if (child !== null) child.push(parseEntry(record));
    else if (record !== '') entries.push(parseEntry(record));
  }
  return { entries, children };
}

/** The files on `where.host`, over ssh. */
export function remoteFiles(where: Where & { host: string }, options: FilesOptions): SourceFiles {
  const host = where.host;
  const sh = (script: string, args: readonly string[]) =>
    runTool(where, 'sh', ['-c', script, 'sh', ...args], { signal: options.signal, timeoutMs: options.timeoutMs, maxOutputBytes: 256 * 1024 * 1024 });
  return {
    where: `on ${host}`,
    async listBackups(dir, field) {
      const result = await sh(LIST_SCRIPT, [dir]);
      if (result.code !== 0) {
        const code = { 3: 'ENOENT', 4: 'ENOTDIR', 5: 'EACCES' }[result.code as 3 | 4 | 5];
        if (code) throw listError(Object.assign(new Error(code), { code }), dir, field, `on ${host}`, host);
        throw new ProbeError('failed', `${field} ${dir} cannot be listed on ${host} (${describeFailure(result, 'sh')}): the host needs a POSIX sh and GNU find`, host);
      }
      return parseBackupListing(result.stdout);
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
    async plainExtras(dirs) {
      if (dirs.length === 0) return [];
      const result = await sh(PLAIN_SCRIPT, dirs);
      const out: PlainExtras[] = [];
      let current: PlainExtras | null = null;
      let section = '';
      for (const record of result.stdout.split('\0')) {
        if (current === null) current = { walFiles: [], tablespaceLinks: [], treeBytes: 0 };
        if (record === 'W' || record === 'T') section = record;
        else if (record.startsWith('B')) {
          current.treeBytes = Number(record.slice(1)) || 0;
          section = 'end';
        } else if (record === '' && section === 'end') {
          out.push(current);
          current = null;
          section = '';
        } else if (section === 'W' && record) current.walFiles.push(parseEntry(record));
        else if (section === 'T' && record) {
          const [name = '', target = ''] = record.split('\t');
          current.tablespaceLinks.push({ name, target: target || null });
        }
      }
      while (out.length < dirs.length) out.push({ walFiles: [], tablespaceLinks: [], treeBytes: 0 });
      return out;
    },
  };
}

export function filesFor(where: Where, options: FilesOptions): SourceFiles {
  return where.host ? remoteFiles({ ...where, host: where.host }, options) : localFiles();
}
