// Reading pg_dump files from disk: the first bytes only (and, for uncompressed plain SQL, the last KB), never
// following a symlink out of the directory and never opening anything but a regular file (contained-file.ts).
// What the bytes say is identify.ts's; read errors become unreadable readings, never exceptions.
import type { Stats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { userInfo } from 'node:os';
import { NotOpened, notADumpFile, openContainedFile, resolveInside, specialKind } from './contained-file';
import { HEADER_READ_BYTES, PLAIN_TAIL_BYTES, identifySafely, identifyTocDat, unreadable, wantsPlainTail, type DumpBytes, type DumpHeaderReading } from './identify';

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
