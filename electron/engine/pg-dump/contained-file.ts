// Opening a file found in a dump directory, which anyone with write access to that directory controls.
// Two rules, the same locally and over ssh (sources/dump-dir/remote.ts):
// - A symlink is followed only when its target, fully resolved, lies inside the watched directory: a
//   `latest.dump -> 2026-01-01.dump` keeps working, a link to /etc/shadow or a restic password file is
//   reported ("is a symlink to outside the dump directory; not read") and never opened.
// - Only regular files are opened, and then without blocking: a FIFO, socket or device is reported, never
//   read. A blocking open() of a FIFO never returns, and each one holds one of libuv's four pool threads,
//   which would stall every other source and all of `serve`. So: stat first (devices are never opened:
//   opening some, such as tapes, has side effects), then O_NONBLOCK|O_NOFOLLOW on the resolved path, and
//   fstat to be sure the file opened is the regular file just checked (it may have been swapped since).
import { constants, type Stats } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { sep } from 'node:path';

/** Why an entry is not opened, in the words a finding uses. */
export class NotOpened extends Error {}

export const OUTSIDE_PROBLEM = 'is a symlink to outside the dump directory; not read';

/** What a non-regular file is, for "is a FIFO, not a dump file"; null for a regular file or a directory. */
export function specialKind(stats: Stats): string | null {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isCharacterDevice()) return 'a character device';
  return null;
}

export function notADumpFile(kind: string): string {
  return `is ${kind}, not a dump file`;
}

/** Whether `path` (already resolved) is `root` (resolved) or below it. */
export function isInside(root: string, path: string): boolean {
  const prefix = root.endsWith(sep) ? root : root + sep;
  return path === root || path.startsWith(prefix);
}

/**
 * `path` resolved through every symlink, provided it stays inside `within`; NotOpened otherwise.
 * Other errors (ENOENT for a broken link, EACCES, ELOOP) are thrown as they come.
 */
export async function resolveInside(path: string, within: string): Promise<string> {
  const [root, real] = await Promise.all([realpath(within), realpath(path)]);
  if (!isInside(root, real)) throw new NotOpened(OUTSIDE_PROBLEM);
  return real;
}

/** Opens a regular file for reading, never blocking and never leaving `within`; NotOpened says why not. */
export async function openContainedFile(path: string, within: string): Promise<{ handle: FileHandle; stats: Stats }> {
  const real = await resolveInside(path, within);
  const checked = await stat(real);
  const kind = specialKind(checked);
  if (kind) throw new NotOpened(notADumpFile(kind));
  if (checked.isDirectory()) throw new NotOpened('is a directory, not a dump file');
  const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.ino !== checked.ino || stats.dev !== checked.dev) throw new NotOpened('changed while it was being opened; not read');
    return { handle, stats };
  } catch (err) {
    await handle.close().catch(() => {});
    throw err;
  }
}
