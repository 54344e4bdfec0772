// The directories drills leave in drillDir while they run, and the owner file that lets the start-up sweep
// remove them once the process that made them is gone (a drill killed with SIGKILL, a crash).
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export const SCRATCH_PREFIX = 'backup-health-scratch-';
export const OWNER_FILE = 'owner.json';

/**
 * Every kind of drill directory the start-up sweep removes once its owner is gone: scratch clusters, and the
 * restic / borg restore trees and dumps copied from another host (each holds a whole backup and must not
 * outlive a killed drill).
 */
export const DRILL_DIR_PREFIXES = [SCRATCH_PREFIX, 'backup-health-restic-', 'backup-health-borg-', 'backup-health-copy-'];

/** Marks a drill directory as this process's, so a sweep after a crash knows it may go. */
export function writeOwnerFile(dir: string, purpose: string): void {
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), purpose, user: userInfo().username }));
}
