// Replaces the config file the way an editor that cares would: through a symlink to the file it names (a
// config kept in a repository stays a link), with that file's mode, owner and group, and atomically (a temp
// file beside it, fsync, rename, fsync of the directory), so a crash or a full disk leaves the old file whole.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, copyFileSync, fchmodSync, fchownSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isAlive } from './process-alive';

/** A save that could not be made; the message names the file and what to do. The old file is untouched. */
export class ConfigWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigWriteError';
  }
}

/** The path the config really lives at: `file` with every symlink followed, even one whose target does not exist yet. */
export function configTarget(file: string): string {
  let path = resolve(file);
  // Linux gives up after 40 links (ELOOP); so do we.
  for (let hops = 0; hops < 40; hops++) {
    let isLink: boolean;
    try {
      isLink = lstatSync(path).isSymbolicLink();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return path;
      throw err;
    }
    if (!isLink) return path;
    path = resolve(dirname(path), readlinkSync(path));
  }
  throw new ConfigWriteError(`${file}: too many levels of symbolic links; point it at the real config file`);
}

/**
 * Writes `text` as the config at `file`. The previous version is kept as `<target>.bak`. Throws a
 * ConfigWriteError (the old file untouched, no temp file left) when the new one cannot be put in place.
 */
export function writeConfigFile(file: string, text: string): void {
  const target = configTarget(file);
  const dir = dirname(target);
  const existing = statOrNull(target);
  if (existing && !existing.isFile()) throw new ConfigWriteError(`${target} is not a regular file; the config can only be saved to a file`);
  if (!existing) mkdirSync(dir, { recursive: true });
  removeStaleTemps(target);
  const tmp = join(dir, `${tempPrefix(target)}${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (err) {
    throw new ConfigWriteError(`cannot save ${target}: cannot create a file in ${dir} (${describe(err)}); the file was not changed`);
  }
  try {
    try {
      if (existing) keepOwnership(fd, target, existing);
      writeAll(fd, Buffer.from(text, 'utf8'));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (existing) copyFileSync(target, `${target}.bak`);
    renameSync(tmp, target);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone, or the rename happened; nothing of ours is left either way
    }
    if (err instanceof ConfigWriteError) throw err;
    throw new ConfigWriteError(`cannot save ${target}: ${describe(err)}; the file was not changed`);
  }
  // The rename is durable only once the directory entry is on disk.
  fsyncDirectory(dir);
}

/** The temp file gets the target's owner, group and mode before any byte of the new config is in it. */
function keepOwnership(fd: number, target: string, want: { uid: number; gid: number; mode: number }): void {
  const have = fstatSync(fd);
  if (have.uid !== want.uid || have.gid !== want.gid) {
    try {
      fchownSync(fd, want.uid, want.gid);
    } catch (err) {
      throw new ConfigWriteError(
        `cannot save ${target}: it belongs to uid ${want.uid}, gid ${want.gid}, and this process (uid ${have.uid}) cannot give the new version the same owner (${describe(err)}); ` +
          'run Backup Health as the file\'s owner, or edit the file by hand. The file was not changed',
      );
    }
  }
  // After the chown, which clears set-id bits.
  fchmodSync(fd, want.mode & 0o7777);
}

function writeAll(fd: number, bytes: Buffer): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // Some filesystems (and Windows) cannot fsync a directory; the rename itself has happened.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function tempPrefix(target: string): string {
  return `.${basename(target)}.`;
}

/** Temp files a save left when its process was killed mid-write (`.config.yml.<pid>.<random>.tmp`, that pid gone). */
function removeStaleTemps(target: string): void {
  const prefix = tempPrefix(target);
  let names: string[];
  try {
    names = readdirSync(dirname(target));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(/^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    try {
      unlinkSync(join(dirname(target), name));
    } catch {
      // someone else swept it
    }
  }
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigWriteError(`cannot save ${path}: ${describe(err)}`);
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  if (e.code === 'ENOSPC') return 'no space left on the device';
  if (e.code === 'EDQUOT') return 'disk quota exceeded';
  if (e.code === 'EROFS') return 'the filesystem is read-only';
  if (e.code === 'EFBIG') return 'the file is larger than this process may write (ulimit -f)';
  return e.code ? `${e.code}: ${e.message}` : String(err);
}
