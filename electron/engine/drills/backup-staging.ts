// The backup as a drill's tools see it. A directory-format dump is read member by member by pg_restore, so
// every member must be a plain file inside it: a symlink (to /etc/shadow, to ~/.ssh) or a FIFO named toc.dat
// is never opened, and the drill fails saying which. And run as root, the drill's tools run as the unprivileged
// drill user, who may not be able to read a backup only root can: then it is copied (regular files only, never
// following a link) into the drill's own directory first, and the tools read the copy.
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { chown, lstat, mkdir, open, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { run } from '../exec';
import type { DrillJail } from './drill-jail';
import { fail } from './drill-stop';

/** Fails the drill when a directory dump holds anything but regular files (checked without following links). */
export async function checkDirectoryMembers(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) continue;
    const what = entry.isSymbolicLink() ? 'a symbolic link' : entry.isDirectory() ? 'a directory' : entry.isFIFO() ? 'a FIFO' : entry.isSocket() ? 'a socket' : 'a device';
    throw fail(`${printable(entry.name)} in the directory dump ${basename(dir)} is ${what}, not a file; drills never follow links or open special files in a backup, so this dump cannot be restored as it is`);
  }
}

/**
 * The path the drill's tools read: `path` itself when the drill's user can read it (always, when that user is
 * us), else a copy in the jail's directory owned by that user. `onBytes` reports the copy's progress.
 */
export async function stageForDrill(jail: DrillJail, path: string, isDirectory: boolean, onBytes?: (bytes: number) => void): Promise<string> {
  if (!jail.runAs || (await readableBy(jail, path))) return path;
  const dest = join(jail.dir, 'backup', basename(path));
  await mkdir(join(jail.dir, 'backup'), { mode: 0o700 });
  let copied = 0;
  const copy = async (from: string, to: string) => {
    const handle = await open(from, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      if (!(await handle.stat()).isFile()) throw fail(`${printable(basename(from))} is not a regular file; drills open only regular files`);
      const source = createReadStream('', { fd: handle.fd, autoClose: false });
      source.on('data', (chunk) => onBytes?.((copied += chunk.length)));
      await pipeline(source, createWriteStream(to, { mode: 0o600 }));
    } finally {
      await handle.close();
    }
    await chown(to, jail.runAs!.uid, jail.runAs!.gid);
  };
  if (isDirectory) {
    await mkdir(dest, { mode: 0o700 });
    for (const entry of await readdir(path)) await copy(join(path, entry), join(dest, entry));
  } else {
    await copy(path, dest);
  }
  await chown(join(jail.dir, 'backup'), jail.runAs.uid, jail.runAs.gid);
  if (isDirectory) await chown(dest, jail.runAs.uid, jail.runAs.gid);
  return dest;
}

/** Whether the drill's user can read `path` (and, for a directory, every member), asked as that user. */
async function readableBy(jail: DrillJail, path: string): Promise<boolean> {
  const stat = await lstat(path);
  const args = stat.isDirectory() ? [path, '-maxdepth', '1', '!', '-readable', '-print', '-quit'] : [path, '-maxdepth', '0', '!', '-readable', '-print', '-quit'];
  const result = await run('find', args, { timeoutMs: 30_000, uid: jail.runAs?.uid, gid: jail.runAs?.gid, env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' }, cwd: '/' });
  return result.code === 0 && result.stdout.trim() === '';
}

/** A file name as it may be shown: control characters escaped, never sent to a terminal raw. */
function printable(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
