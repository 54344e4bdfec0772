// Who a drill's steps run as. Run as root, never root and never `postgres` (who owns the real clusters on a
// database host): a dedicated, unprivileged `backup-health-drill` account that owns nothing but the drill's
// own directory. Run as a normal user, the drill runs as that user (inside the sandbox, see sandbox.ts).
import { readFileSync } from 'node:fs';

export const DRILL_USER = 'backup-health-drill';

export interface RunAs {
  uid: number;
  gid: number;
}

/** Thrown when Backup Health runs as root and the drill account is missing: the drill cannot run safely. */
export class DrillUserMissing extends Error {}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The uid/gid drill steps switch to, or undefined when they run as this process's own (non-root) user. */
export function drillRunAs(passwdFile = '/etc/passwd'): RunAs | undefined {
  if (!isRoot()) return undefined;
  let passwd = '';
  try {
    passwd = readFileSync(passwdFile, 'utf8');
  } catch {
    // handled below as a missing account
  }
  const [, , uid, gid] = passwd.split('\n').find((line) => line.startsWith(`${DRILL_USER}:`))?.split(':') ?? [];
  if (uid && gid && Number(uid) !== 0) return { uid: Number(uid), gid: Number(gid) };
  throw new DrillUserMissing(
    `running as root, drills need the unprivileged account ${DRILL_USER} (they never run as root or as postgres); create it with: useradd --system --no-create-home --shell /usr/sbin/nologin ${DRILL_USER}`,
  );
}
