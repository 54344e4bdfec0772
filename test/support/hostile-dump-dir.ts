// A dump directory written by someone who broke into a backup host: FIFOs where dumps and toc.dat should be,
// symlinks to a mode-600 secret outside the directory, names that try to be shell code, options or
// terminal escape sequences. Next to them real pg_dump outputs, so "nothing hangs" also means "and the good
// ones are still read". Built from a real custom and directory dump the caller made.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** A file name with a newline and an escape sequence that would turn a terminal red. */
export const EVIL_NAME = 'evil\n\x1b[31mname.dump';
export const DASH_NAME = '-rf --help.dump';
export const SHELL_NAME = `it's $(touch pwned) "q".dump`;

export interface HostileDumpDir {
  dir: string;
  /** The mode-600 file the symlinks point at; its content starts with `secret`. */
  secretFile: string;
  /** A marker that must appear in no output, finding, JSON or history file. */
  secret: string;
  /** The member of fifo-member.dump and secret-member.dump that was swapped. */
  member: string;
}

/** Fills `dir` (created) with hostile entries and good copies of `customDump` and `directoryDump`; the secret lives in `outsideDir`. */
export function makeHostileDumpDir(dir: string, outsideDir: string, customDump: string, directoryDump: string): HostileDumpDir {
  mkdirSync(dir, { recursive: true });
  mkdirSync(outsideDir, { recursive: true });
  const secret = `BH-SECRET-${randomBytes(8).toString('hex')}`;
  const secretFile = join(outsideDir, 'restic-password');
  // The marker first: the old "not a pg_dump file (starts with …)" quoted the first 16 bytes.
  writeFileSync(secretFile, `${secret}\nroot:$6$salt$hash:19000:0:99999:7:::\n`, { mode: 0o600 });
  chmodSync(secretFile, 0o600);

  copyFileSync(customDump, join(dir, 'good.dump'));
  symlinkSync('good.dump', join(dir, 'latest.dump')); // inside the directory: followed
  for (const name of [EVIL_NAME, DASH_NAME, SHELL_NAME]) copyFileSync(customDump, join(dir, name));

  execFileSync('mkfifo', ['--', join(dir, 'fifo.dump')]);
  const archive = (name: string) => {
    cpSync(directoryDump, join(dir, name), { recursive: true });
    return join(dir, name);
  };
  const member = readdirSync(directoryDump).filter((n) => n !== 'toc.dat').sort()[0]!;
  const swap = (path: string, make: (p: string) => void) => {
    rmSync(path);
    make(path);
  };
  const fifo = (p: string) => execFileSync('mkfifo', ['--', p]);
  const toSecret = (p: string) => symlinkSync(secretFile, p);
  swap(join(archive('fifo-toc.dump'), 'toc.dat'), fifo);
  swap(join(archive('fifo-member.dump'), member), fifo);
  symlinkSync(secretFile, join(dir, 'secret.dump'));
  swap(join(archive('secret-toc.dump'), 'toc.dat'), toSecret);
  swap(join(archive('secret-member.dump'), member), toSecret);
  return { dir, secretFile, secret, member };
}

/** What the probe must say about each hostile entry, by name (the good ones are readable). */
export function expectedProblems(hostile: HostileDumpDir): Record<string, string | null> {
  return {
    'good.dump': null,
    'latest.dump': null,
    [EVIL_NAME]: null,
    [DASH_NAME]: null,
    [SHELL_NAME]: null,
    'fifo.dump': 'is a FIFO, not a dump file',
    'fifo-toc.dump': 'toc.dat is a FIFO, not a dump file',
    'fifo-member.dump': `${hostile.member} is a FIFO, not a dump file`,
    'secret.dump': 'is a symlink to outside the dump directory; not read',
    'secret-toc.dump': 'toc.dat is a symlink to outside the dump directory; not read',
    'secret-member.dump': `${hostile.member} is a symlink to outside the dump directory; not read`,
  };
}
