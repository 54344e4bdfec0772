// How a restic drill gets a snapshot's files: `restic dump --archive tar <id> /` runs where the repository is
// read (here, or on another host over ssh) and its tar stream is unpacked here as it arrives (fetchTar) by the
// drill's unprivileged user, so the drill restores on this machine, as a user would in an emergency, and the
// bytes received are the progress.
//
// What the tar holds is not what `restic restore` writes: restic 0.14's dump writes directories, files and
// symlinks only (no fifos, devices or sockets), and a file with several hard links as a full copy under each
// name. So what to expect is counted from `restic ls --json <id>` by the same rules, not from restic stats
// (which counts special files, and hard-linked bytes once).
import type { ResticSourceConfig } from '../../../../shared/config';
import { describeFetchFailure, fetchTar, type Untar } from '../../remote-fetch';
import { ProbeError } from '../../errors';
import { resticError, resticInvocation, runRestic } from './restic-command';

/** What `restic dump --archive tar` of a snapshot writes. */
export interface TarContents {
  /** Directories, files and symlinks: the entries of the tar. */
  nodes: number;
  /** Bytes of all files, a hard-linked one under each of its names. */
  bytes: number;
  /** Fifos, devices and sockets in the snapshot, which the tar leaves out. */
  skipped: number;
}

const IN_TAR = new Set(['dir', 'file', 'symlink']);

interface Call {
  timeoutMs: number;
  signal: AbortSignal;
}

/** Counts `restic ls --json <id>` line by line as it streams: a snapshot of millions of files is never held. */
export async function tarContents(source: ResticSourceConfig, id: string, call: Call): Promise<TarContents> {
  const contents: TarContents = { nodes: 0, bytes: 0, skipped: 0 };
  let sawSnapshot = false;
  let partial = '';
  const count = (line: string) => {
    let entry: { struct_type?: string; type?: string; size?: number };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if (entry.struct_type === 'snapshot') sawSnapshot = true;
    if (entry.struct_type !== 'node') return;
    if (!IN_TAR.has(entry.type ?? '')) {
      contents.skipped++;
      return;
    }
    contents.nodes++;
    if (entry.type === 'file') contents.bytes += entry.size ?? 0;
  };
  await runRestic(source, ['ls', '--json', id], {
    noLock: true,
    ...call,
    maxOutputBytes: 64 * 1024,
    onStdout: (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line) count(line);
    },
  });
  if (partial) count(partial);
  if (!sawSnapshot) throw new ProbeError('failed', 'restic ls --json printed no snapshot: is this restic 0.14 or newer?', source.host);
  return contents;
}

/**
 * Unpacks snapshot `id` into `target` (an empty directory) from `restic dump --archive tar`, run here or on
 * source.host, with `untar` saying how tar runs here (the drill's user, in its sandbox). Throws a ResticError
 * when restic dump failed (damage: the snapshot could not be read), a ProbeError for anything else (ssh, the
 * local tar, cancel), naming the host.
 */
export async function copySnapshot(source: ResticSourceConfig, id: string, target: string, call: Call & { onProgress: (bytes: number) => void; untar?: Untar }): Promise<void> {
  // A shared lock, as restic restore takes: a prune cannot remove packs while they are read.
  const { args, password, ...environment } = await resticInvocation(source, ['dump', '--archive', 'tar', id, '/'], false);
  const fetched = await fetchTar(source, 'restic', args, target, { ...environment, signal: call.signal, timeoutMs: call.timeoutMs, untar: call.untar, onProgress: ({ bytes }) => call.onProgress(bytes) });
  const why = describeFetchFailure(fetched, 'restic dump', source.host);
  if (!why) return;
  const { remote, local } = fetched;
  if (call.signal.aborted) throw new ProbeError('timeout', `the drill was stopped while ${source.host ? `copying snapshot ${id.slice(0, 8)} from ${source.host}` : `unpacking snapshot ${id.slice(0, 8)}`}`, source.host);
  // tar here stopped first (disk full, permissions) and restic was stopped because of it: tar says why. When
  // restic failed on its own (a locked repository, a damaged pack), fetchTar lets it exit and it says why.
  const tarStopped = (local.code !== 0 || local.spawnError) && !local.aborted && !local.timedOut && (remote.aborted || remote.outputError);
  if (!tarStopped && (remote.code !== 0 || remote.timedOut || remote.aborted)) throw resticError(source, 'dump', remote, password);
  throw new ProbeError('failed', why, source.host);
}
