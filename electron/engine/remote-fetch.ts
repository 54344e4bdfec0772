// Copying a tree from another machine: a tool there writes a tar stream to stdout over ssh (tar -c, restic
// dump --archive tar, borg export-tar) and a local tar -x unpacks it as it arrives, with progress, both ends
// stopped together, and a failure of either end said in words (describeFetchFailure). Running the tool over
// ssh is remote.ts's.
import { existsSync, readFileSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { describeFailure, run, type RunResult } from './exec';
import { describeSshFailure, runTool, type ToolRunOptions, type Where } from './remote';

export interface FetchProgress {
  /** Bytes received so far. */
  bytes: number;
}

export interface FetchTarOptions extends Pick<ToolRunOptions, 'env' | 'unsetEnv' | 'secret' | 'signal' | 'timeoutMs'> {
  onProgress?: (progress: FetchProgress) => void;
  /**
   * How `tar -x` runs here (default: plainly, as this process's user). A drill unpacks as its unprivileged
   * user inside its sandbox (drill-jail.ts): the archive is the backup's, and so hostile input.
   */
  untar?: Untar;
}

/** Turns tar's argv into what to spawn: a wrapper command, its environment and the user it runs as. */
export type Untar = (command: string, args: string[]) => { command: string; args: string[]; env?: NodeJS.ProcessEnv; uid?: number; gid?: number };

const plainUntar: Untar = (command, args) => ({ command, args });

/**
 * Copies a tree to this machine: `command args…` runs on `where.host` and writes a tar archive to stdout
 * (tar -c, restic dump --archive tar, borg export-tar), which a local `tar -x` unpacks into `dest` (an empty
 * directory) as it arrives, so nothing is held in memory. Owners are not kept (files belong to the user
 * running Backup Health); modes are. Throws a ProbeError for ssh's own failures; otherwise returns both
 * results for the caller to judge (describeFetchFailure).
 *
 * On Linux ssh writes straight into tar's stdin (one pipe shared by the two processes: the bytes never pass
 * through this one, which measured 1.5x slower on two busy cores) and progress is what tar has read, from
 * /proc/<tar>/io. Elsewhere the bytes pass through here and are counted as they go (fetchTarThroughNode).
 */
export function fetchTar(where: Where, command: string, args: readonly string[], dest: string, options: FetchTarOptions = {}): Promise<FetchedTree> {
  return existsSync('/proc/self/io') ? fetchTarDirect(where, command, args, dest, options) : fetchTarThroughNode(where, command, args, dest, options);
}

export interface FetchedTree {
  remote: RunResult;
  local: RunResult;
}

const PROGRESS_EVERY_MS = 250;
/** After tar gave up, how long the sender may take to notice (EPIPE) and exit on its own before it is stopped. */
const SENDER_GRACE_MS = 2000;

const untarArgs = (dest: string) => ['-x', '-f', '-', '--no-same-owner', '-C', dest];

async function fetchTarDirect(where: Where, command: string, args: readonly string[], dest: string, options: FetchTarOptions): Promise<FetchedTree> {
  const { onProgress, signal, timeoutMs = 6 * 3_600_000, untar: untarAs = plainUntar, ...tool } = options;
  // Stops both ends: the caller's cancel, or one end giving up on the other.
  const stopBoth = new AbortController();
  const both = signal ? AbortSignal.any([signal, stopBoth.signal]) : stopBoth.signal;
  let tarStdin: Writable | undefined;
  let tarPid: number | undefined;
  let bytes = 0;
  const readProgress = () => {
    // tar itself, or (sandboxed) the tar under bubblewrap's processes: the most any of them has read.
    for (const pid of tarPid === undefined ? [] : [tarPid, ...descendantsOf(tarPid)]) {
      try {
        const rchar = /^rchar:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
        if (rchar) bytes = Math.max(bytes, Number(rchar[1]));
      } catch {
        // exited
      }
    }
  };
  const ticker = setInterval(() => {
    readProgress();
    onProgress?.({ bytes });
  }, PROGRESS_EVERY_MS);
  let graceTimer: NodeJS.Timeout | undefined;
  let senderDone = false;
  try {
    const tar = untarAs('tar', untarArgs(dest));
    const untar = run(tar.command, tar.args, {
      stdinPipe: (stdin) => (tarStdin = stdin),
      onSpawn: (child) => (tarPid = child.pid),
      signal: both,
      timeoutMs,
      ...(tar.env ? { env: tar.env } : {}),
      uid: tar.uid,
      gid: tar.gid,
    }).then((result) => {
      // tar stopped early (disk full, bad archive): a sender still writing gets EPIPE and exits; one that is
      // silent (a restore running there before it sends) is stopped after a grace.
      if (result.code !== 0 && !senderDone) graceTimer = setTimeout(() => stopBoth.abort(), SENDER_GRACE_MS);
      return result;
    });
    const closeOurEnd = () => {
      if (tarStdin && !tarStdin.destroyed) tarStdin.destroy();
    };
    const send = runTool(where, command, args, {
      ...tool,
      signal: both,
      timeoutMs,
      maxOutputBytes: 1024 * 1024,
      returnSshFailures: true,
      stdoutInto: tarStdin,
      // ssh holds its own copy of the pipe now: closing ours lets tar see the end when ssh ends.
      onSpawn: closeOurEnd,
    });
    const [remote, local] = await Promise.allSettled([
      send.finally(() => {
        senderDone = true;
        closeOurEnd();
      }),
      untar,
    ]);
    if (remote.status === 'rejected') throw remote.reason;
    const fetched = { remote: remote.value, local: (local as PromiseFulfilledResult<RunResult>).value };
    // ssh exits 255 both for its own failures and when tar here went away (EPIPE): only the first is thrown.
    if (where.host && !tarGaveUp(fetched.local)) {
      const sshFailure = fetched.remote.timedOut || fetched.remote.aborted ? null : describeSshFailure(fetched.remote, where.host);
      if (sshFailure) throw sshFailure;
    }
    clearInterval(ticker);
    // tar is gone, and its /proc entry with it: what it unpacked is the last word on how much arrived.
    bytes = Math.max(bytes, await treeBytes(dest));
    onProgress?.({ bytes });
    return fetched;
  } finally {
    clearInterval(ticker);
    if (graceTimer) clearTimeout(graceTimer);
  }
}

/** The pids under `pid` (children, grandchildren, …), from /proc's children lists. */
function descendantsOf(pid: number, depth = 3): number[] {
  if (depth === 0) return [];
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendantsOf(child, depth - 1)]);
}

/** tar's own first complaint, which says more than its exit code ("…: Cannot open: Permission denied"). */
export function tarComplaint(stderr: string): string | null {
  const line = stderr.split('\n').find((l) => /^tar: /.test(l) && !/Exiting with failure|Error is not recoverable/.test(l));
  return line ? line.replace(/^tar: /, '').replace(/\.$/, '') : null;
}

/**
 * tar here stopped on its own (its directory gone, the disk full), not killed, not out of time, and not for
 * what it was sent: an empty or cut stream is the sender's doing (ssh refused, the tool failed), and the
 * sender says why.
 */
function tarGaveUp(local: RunResult): boolean {
  const failed = (local.code !== 0 || local.spawnError !== undefined) && !local.aborted && !local.timedOut;
  return failed && !/does not look like a tar archive|Unexpected EOF/i.test(local.stderr);
}

/** Bytes of the regular files under `path` (links not followed); 0 for what cannot be read. */
export async function treeBytes(path: string): Promise<number> {
  const info = await lstat(path).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.isFile() ? info.size : 0;
  const entries = await readdir(path).catch(() => [] as string[]);
  let total = 0;
  for (const entry of entries) total += await treeBytes(join(path, entry));
  return total;
}

/** fetchTar with the bytes passing through this process, counted as they go: for systems without /proc. */
export async function fetchTarThroughNode(where: Where, command: string, args: readonly string[], dest: string, options: FetchTarOptions = {}): Promise<FetchedTree> {
  const { onProgress, signal, timeoutMs = 6 * 3_600_000, untar: untarAs = plainUntar, ...tool } = options;
  const pipe = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  // Stops both ends: the caller's cancel, or one end giving up on the other.
  const stopBoth = new AbortController();
  const both = signal ? AbortSignal.any([signal, stopBoth.signal]) : stopBoth.signal;
  let bytes = 0;
  let lastReport = 0;
  const tar = untarAs('tar', untarArgs(dest));
  const untar = run(tar.command, tar.args, { stdinStream: pipe, signal: both, timeoutMs, ...(tar.env ? { env: tar.env } : {}), uid: tar.uid, gid: tar.gid }).then((result) => {
    // tar stopped early (disk full, bad archive): the sender must not write on into a closed pipe for hours.
    // When the sender's output had already ended, it is exiting on its own and its exit code says why
    // (a restic or borg that failed before sending a byte): stopping it now would hide that.
    if (result.code !== 0 && !pipe.writableEnded) stopBoth.abort();
    return result;
  });
  const send = runTool(where, command, args, {
    ...tool,
    signal: both,
    timeoutMs,
    maxOutputBytes: 1024 * 1024,
    stdoutTo: pipe,
    onStdoutBytes: (n) => {
      bytes += n;
      const now = performance.now();
      if (now - lastReport >= PROGRESS_EVERY_MS) {
        lastReport = now;
        onProgress?.({ bytes });
      }
    },
  });
  // Both are awaited before returning or throwing: the caller may remove `dest` next.
  const [remote, local] = await Promise.allSettled([send.finally(() => pipe.writableEnded || pipe.destroyed || pipe.end()), untar]);
  if (remote.status === 'rejected') {
    stopBoth.abort();
    throw remote.reason;
  }
  onProgress?.({ bytes });
  return { remote: remote.value, local: (local as PromiseFulfilledResult<RunResult>).value };
}

/** Why a fetchTar did not bring the whole tree, or null when it did. `name` names the remote tool. */
export function describeFetchFailure(fetched: FetchedTree, name: string, host: string | undefined): string | null {
  const { remote, local } = fetched;
  const localFailed = local.code !== 0 || local.spawnError !== undefined;
  const tarFailure = () => `unpacking the ${host ? `copy from ${host}` : `output of ${name}`} here failed: ${tarComplaint(local.stderr) ?? describeFailure(local, 'tar')}`;
  // tar stopped on its own (disk full, not an archive) and the sender was stopped because of it: killed here,
  // or ssh exiting 255 on the closed pipe, or the remote tool dying of SIGPIPE (141) when ssh went.
  const senderStopped = remote.aborted || remote.outputError !== undefined || remote.code === 255 || remote.code === 141 || remote.signal === 'SIGPIPE';
  if (tarGaveUp(local) && senderStopped) return tarFailure();
  if (remote.code !== 0 || remote.timedOut || remote.aborted || remote.outputError) return `${describeFailure(remote, name)}${host ? ` (on ${host})` : ''}`;
  return localFailed ? tarFailure() : null;
}
