// The one way a drill's directory goes away: the frame's cleanup, the restic and borg trees, the start-up sweep.
//
// A snapshot or an archive can restore directories without the write bit (restic and borg restore modes), and a
// drill killed half-way leaves them so. Root removes them anyway; the sysadmin running Backup Health as
// themselves gets EACCES from rm, so directories are made writable first. Symlinks are never followed: chmod
// on a link changes its target (Linux has no lchmod), which may be anywhere, so links are only unlinked.
import { chmod, lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** rm -rf of `path`, also through directories without write or search permission; throws what is left undone. */
export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true, maxRetries: 2 });
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
  }
  await makeWritable(path);
  await rm(path, { recursive: true, force: true, maxRetries: 2 });
}

/** u+rwx on every directory under `path`, top-down (a directory must be searchable before its entries can be). */
async function makeWritable(path: string): Promise<void> {
  const stats = await lstat(path).catch(() => null);
  if (!stats?.isDirectory()) return;
  // Between lstat and chmod only this drill's own processes, already ended, could swap it for a link.
  if ((stats.mode & 0o700) !== 0o700) await chmod(path, (stats.mode & 0o7777) | 0o700).catch(() => {});
  const names = await readdir(path).catch(() => [] as string[]);
  for (const name of names) await makeWritable(join(path, name));
}
