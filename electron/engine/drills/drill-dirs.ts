// The directories drills leave in drillDir while they run, and the owner file that lets the start-up sweep
// remove them once the process that made them is gone (a drill killed with SIGKILL, a crash).
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export const SCRATCH_PREFIX = 'backup-health-scratch-';
export const OWNER_FILE = 'owner.json';

/**
 * Every kind of drill directory the start-up sweep removes once its owner is gone. Every drill now works in a
 * scratch (jail) directory; the restic, borg and copy prefixes are what earlier versions left after a crash.
 */
export const DRILL_DIR_PREFIXES = [SCRATCH_PREFIX, 'backup-health-restic-', 'backup-health-borg-', 'backup-health-copy-'];

/** Marks a drill directory as this process's, so a sweep after a crash knows it may go. */
export function writeOwnerFile(dir: string, purpose: string): void {
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), purpose, user: userInfo().username }));
}

/** PostgreSQL's socket path limit (sockaddr_un's sun_path, less its NUL), for the longest file it puts there. */
const SOCKET_PATH_MAX = 107;
const LONGEST_SOCKET_FILE = '.s.PGSQL.65535.lock';

/**
 * Where a cluster in `dir` puts its unix socket: `dir` itself, or, when that path would be too long for a
 * socket (a deep drillDir; macOS's $TMPDIR), a short private directory under /tmp owned by `owner`.
 */
export function socketDirFor(dir: string, owner?: { uid: number; gid: number }): string {
  if (process.platform === 'win32' || Buffer.byteLength(join(dir, LONGEST_SOCKET_FILE)) <= SOCKET_PATH_MAX) return dir;
  const short = mkdtempSync('/tmp/bh-sock-');
  if (owner) chownSync(short, owner.uid, owner.gid);
  return short;
}

/** Removes a socket directory made by socketDirFor (never `dir` itself). */
export function removeSocketDir(socketDir: string, dir: string): void {
  if (socketDir !== dir) rmSync(socketDir, { recursive: true, force: true });
}
