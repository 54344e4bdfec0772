// The directories drills leave in drillDir while they run, and the owner file that lets the start-up sweep
// remove them once the process that made them is gone (a drill killed with SIGKILL, a crash).
import { chownSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export const SCRATCH_PREFIX = 'backup-health-scratch-';
export const OWNER_FILE = 'owner.json';

/**
 * Every kind of drill directory the start-up sweep removes once its owner is gone. Every drill now works in a
 * scratch (jail) directory; the restic, borg and copy prefixes are what earlier versions left after a crash.
 */
export const DRILL_DIR_PREFIXES = [SCRATCH_PREFIX, 'backup-health-restic-', 'backup-health-borg-', 'backup-health-copy-'];

/** The drill a directory is for: what a sweep records when the drill's process died before recording it. */
export interface DrillSubject {
  sourceId: string;
  backupKey: string;
}

/** What an owner file says. */
export interface DirOwner {
  pid: number;
  /** When the directory was made (ms). */
  startedAt: number | null;
  drill: DrillSubject | null;
}

/** Marks a drill directory as this process's, so a sweep after a crash knows it may go, and which drill died. */
export function writeOwnerFile(dir: string, purpose: string, drill?: DrillSubject): void {
  const owner = { pid: process.pid, startedAt: new Date().toISOString(), purpose, user: userInfo().username, ...(drill ? { drill } : {}) };
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(owner));
}

/** A sweep's claim on a directory: the owner file renamed to name the sweeping process (see claimDrillDir). */
const CLAIM = /^sweeping-(\d+)\.json$/;
const claimFile = (pid: number) => `sweeping-${pid}.json`;

export interface ClaimedDir {
  owner: DirOwner;
  /** The first sweep to claim it (it records the dead drill); false when taken over from a sweep that died. */
  first: boolean;
  /** Gives the directory back (a sweep that may not remove it after all). */
  release(): void;
}

/**
 * Claims a drill directory whose owner process is gone, for this process alone: the owner file is renamed to
 * sweeping-<our pid>.json, which only one of several sweeping processes (serve, a cron check, a drill) can do,
 * so a dead drill is recorded once. A claim whose sweeper died too is taken over the same way. Null: the owner
 * is alive, unknown (no owner file yet), or another process claimed it first.
 */
export function claimDrillDir(dir: string, isAlive: (pid: number) => boolean): ClaimedDir | null {
  const own = join(dir, claimFile(process.pid));
  const tryClaim = (file: string, first: boolean): ClaimedDir | null => {
    const owner = readOwner(join(dir, file));
    if (!owner || isAlive(owner.pid)) return null;
    try {
      renameSync(join(dir, file), own);
    } catch {
      return null; // another sweeper was first
    }
    return { owner, first, release: () => renameQuietly(own, join(dir, file)) };
  };
  const claimed = tryClaim(OWNER_FILE, true);
  if (claimed) return claimed;
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return null;
  }
  for (const entry of entries) {
    const sweeper = CLAIM.exec(entry);
    if (sweeper && Number(sweeper[1]) !== process.pid && !isAlive(Number(sweeper[1]))) return tryClaim(entry, false);
  }
  return null;
}

/** An owner file's contents; anything not as written (the drill's user owns the directory) is left out. */
function readOwner(file: string): DirOwner | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const { pid, startedAt, drill } = raw as Record<string, unknown>;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0) return null;
  const started = typeof startedAt === 'string' ? Date.parse(startedAt) : NaN;
  const subject = drill as Record<string, unknown> | undefined;
  const text = (value: unknown) => typeof value === 'string' && value.length > 0 && value.length <= 4096;
  return {
    pid: pid as number,
    startedAt: Number.isFinite(started) ? started : null,
    drill: subject && text(subject.sourceId) && text(subject.backupKey) ? { sourceId: subject.sourceId as string, backupKey: subject.backupKey as string } : null,
  };
}

function renameQuietly(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    // removed meanwhile: nothing to give back
  }
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
