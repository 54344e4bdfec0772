// Where and as whom a drill's steps run: its own directory (mode 0700, owned by the drill's user, swept after
// a crash), that user (backup-health-drill as root, else ourselves), the sandbox when there is one, and the
// paths of the backup it may read. Every tool a drill runs on backup content goes through run() here, so the
// user, the sandbox and the environment exist once.
import { chownSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { run, type RunOptions, type RunResult } from '../exec';
import { longTimeout } from '../long-timeout';
import { DRILL_USER, drillRunAs, DrillUserMissing, type RunAs } from './drill-user';
import { detectSandbox, drillEnv, killProcessesIn, sandboxed, waitForProcessesIn, type SandboxStatus } from './sandbox';
import { removeSocketDir, SCRATCH_PREFIX, socketDirFor, writeOwnerFile, type DrillSubject } from './drill-dirs';
import type { DrillSafety } from '../../../shared/model';
import { drillError } from './drill-stop';
import { removeTree } from './remove-tree';

const NUL = '\u0000';
/** After exec's own kill (SIGTERM to bubblewrap's group): when stragglers of a sandbox are reaped. */
const REAP_AFTER_MS = 500;

/** tar by its path: inside the sandbox there is no PATH lookup of ours to rely on (a drill records its version: tool-versions.ts). */
export const TAR = existsSync('/usr/bin/tar') ? '/usr/bin/tar' : '/bin/tar';

export class DrillJail {
  private constructor(
    /** The drill's directory: the only place its tools may write. */
    readonly dir: string,
    readonly runAs: RunAs | undefined,
    readonly sandbox: SandboxStatus,
    /** Where a cluster in the jail puts its socket: `dir`, or a short directory when `dir` is too deep for one. */
    readonly socketDir: string,
    /** Paths its tools may read besides /usr and the installation: the backup. */
    readonly readOnly: readonly string[] = [],
  ) {}

  /**
   * A new drill directory under parentDir, owned by the drill's user; throws DrillUserMissing as root without it.
   * Its owner file names the drill, so a sweep after this process dies records it (drill-leftovers.ts).
   */
  static async create(parentDir = tmpdir(), purpose = 'restore drill', drill?: DrillSubject): Promise<DrillJail> {
    const runAs = drillRunAs();
    const sandbox = await detectSandbox(runAs);
    const dir = mkdtempSync(join(parentDir, SCRATCH_PREFIX));
    writeOwnerFile(dir, purpose, drill);
    if (runAs) chownSync(dir, runAs.uid, runAs.gid);
    return new DrillJail(dir, runAs, sandbox, socketDirFor(dir, runAs));
  }

  /** Removes the jail's directory (and a separate socket directory), whatever is in it. */
  async remove(): Promise<void> {
    removeSocketDir(this.socketDir, this.dir);
    await removeTree(this.dir);
  }

  /** The same jail, also showing `paths` read-only (the backup its tools read). */
  reading(paths: readonly string[]): DrillJail {
    return new DrillJail(this.dir, this.runAs, this.sandbox, this.socketDir, [...this.readOnly, ...paths]);
  }

  /** argv and spawn options for a long-running process (the postmaster) in the jail. */
  spawnArgs(command: string, args: readonly string[]): { command: string; args: string[]; env: NodeJS.ProcessEnv; uid?: number; gid?: number } {
    const writable = this.socketDir === this.dir ? [this.dir] : [this.dir, this.socketDir];
    const wrapped = sandboxed(this.sandbox, command, args, { writable, readOnly: this.readOnly, cwd: this.dir });
    return { ...wrapped, env: drillEnv(this.dir), ...this.runAs };
  }

  /**
   * Runs a tool in the jail: as the drill's user, sandboxed, with only the drill environment. A tool stopped
   * from outside (timeout, cancel) is waited for until nothing of its sandbox runs any more.
   */
  async run(command: string, args: readonly string[], options: Omit<RunOptions, 'uid' | 'gid' | 'env'> = {}): Promise<RunResult> {
    const wrapped = this.spawnArgs(command, args);
    // The tool's own sandbox, not the cluster's: a running postmaster names the jail too, and stays until stop().
    const exceptServer = `${sep}postgres${NUL}`;
    // Stopped from outside, it gets exec's kill; whatever of it is still there a moment later is killed here.
    const reap = () => setTimeout(() => killProcessesIn(this.dir, exceptServer), REAP_AFTER_MS);
    let reaper: NodeJS.Timeout | undefined;
    const onAbort = () => (reaper ??= reap());
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const deadline = options.timeoutMs === undefined ? undefined : longTimeout(onAbort, options.timeoutMs);
    try {
      const result = await run(wrapped.command, wrapped.args, { ...options, cwd: options.cwd ?? this.dir, env: wrapped.env, uid: wrapped.uid, gid: wrapped.gid });
      if (result.aborted || result.timedOut || result.signal) await waitForProcessesIn(this.dir, { exceptServer });
      return result;
    } finally {
      clearTimeout(reaper);
      deadline?.clear();
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** How a tar stream from a backup is unpacked in the jail (remote-fetch.ts fetchTar's `untar`). */
  readonly untar = (command: string, args: string[]) => this.spawnArgs(command === 'tar' ? TAR : command, args);

  /** What the drill's evidence says about how it ran. */
  describe(): string {
    const who = this.runAs ? `as the unprivileged ${DRILL_USER} user` : 'as this user';
    return this.sandbox.active ? `${who}, in a bubblewrap sandbox without network` : `${who}, without an OS sandbox: ${this.sandbox.reason}`;
  }
}

/** What jailForDrill uses of the drill frame (drill-frame.ts), declared here so the jail need not import the frame. */
export interface JailHolder {
  readonly subject: DrillSubject;
  onCleanup(what: string, run: () => Promise<unknown> | unknown): void;
  readonly evidence: { safety?: DrillSafety };
}

/**
 * A drill's jail, removed at the frame's cleanup whatever happens, and how it runs recorded in the drill's
 * evidence (the first jail of a drill says it: a restic drill's and its dump drill's run alike).
 */
export async function jailForDrill(frame: JailHolder, parentDir: string, purpose: string): Promise<DrillJail> {
  const jail = await openDrillJail(parentDir, purpose, frame.subject);
  frame.onCleanup(`the drill directory ${jail.dir}`, () => jail.remove());
  frame.evidence.safety ??= { sandboxed: jail.sandbox.active, ranAs: jail.describe(), skipped: [] };
  return jail;
}

/** DrillJail.create, failing the drill as an error (it could not run) with what to do. */
async function openDrillJail(parentDir: string, purpose: string, drill: DrillSubject): Promise<DrillJail> {
  try {
    return await DrillJail.create(parentDir, purpose, drill);
  } catch (err) {
    if (err instanceof DrillUserMissing) throw drillError(err.message);
    throw drillError(`cannot use ${parentDir} for the drill: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
