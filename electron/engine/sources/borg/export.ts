// How a borg drill gets an archive's files: `borg export-tar REPO::ARCHIVE -` runs where the repository is read
// (here, or on the backup host over ssh) and writes a tar to stdout, which the drill's user unpacks here as it
// arrives (remote-fetch.ts fetchTar), with the bytes received as progress. Like extract, export-tar reads and authenticates every chunk of the archive, so a corrupt
// chunk of this archive fails the copy. Borg runs there with the same environment and passphrase as runBorg.
import type { BorgSourceConfig } from '../../../../shared/config';
import { DrillStop, drillError, type StopOutcome } from '../../drills/drill-stop';
import { describeFetchFailure, fetchTar, type Untar } from '../../remote-fetch';
import { borgCommonArgs, borgError, borgLogLines, borgToolOptions } from './borg-run';
import type { ProbeError } from '../../errors';
import { describeFailure, type RunResult } from '../../exec';

/** Failures of the drill itself (it could not tell), as opposed to a bad archive. */
const DRILL_ERRORS = new Set(['config', 'auth-failed', 'not-found', 'timeout', 'permission-denied']);

/** Whether a failed borg call means the archive is bad (fail) or the drill could not tell (error). */
export function borgFailureOutcome(error: ProbeError, result: RunResult): StopOutcome {
  return DRILL_ERRORS.has(error.code) || /locked/.test(error.message) || result.spawnError ? 'error' : 'fail';
}

export interface ArchiveCopy {
  source: BorgSourceConfig;
  /** How tar runs here (the drill's user, in its sandbox). */
  untar?: Untar;
  passphrase: string;
  /** REPO::ARCHIVE */
  archive: string;
  /** The archive as the drill's message names it. */
  name: string;
  /** An empty local directory the archive's tree is unpacked into. */
  dest: string;
  signal: AbortSignal;
  timeoutMs: number;
  onProgress(bytes: number): void;
}

/**
 * Copies the archive into `dest`; when the whole tree did not arrive, throws the frame's DrillStop saying why
 * ("borg export-tar of ARCHIVE failed: …"): fail for a bad archive, error when the drill could not tell.
 */
export async function copyArchive(copy: ArchiveCopy): Promise<void> {
  const failed = await copyFailure(copy);
  if (failed) throw new DrillStop(failed.outcome, `borg export-tar of ${copy.name} failed: ${failed.message}`);
}

async function copyFailure({ source, passphrase, archive, dest, untar, signal, timeoutMs, onProgress }: ArchiveCopy): Promise<DrillStop | null> {
  const args = [...borgCommonArgs(), 'export-tar', archive, '-'];
  const fetched = await fetchTar(source, 'borg', args, dest, { ...borgToolOptions(source, passphrase), untar, signal, timeoutMs, onProgress: (p) => onProgress(p.bytes) });
  const { remote, local } = fetched;
  const from = source.host ? ` from ${source.host}` : '';
  if (signal.aborted) return drillError(describeFetchFailure(fetched, 'borg', source.host) ?? `copying ${archive}${from} was cancelled`);
  const sent = (remote.code === 0 || remote.code === 1) && !remote.timedOut && !remote.aborted && !remote.outputError;
  const unpacked = local.code === 0 && !local.spawnError;
  // borg exits 1 for warnings; the tree it sent is then checked against the archive's stats like any other.
  if (sent && unpacked) return null;
  if (sent) return drillError(`unpacking the archive${from} here failed: ${describeFailure(local, 'tar')}`);
  // borg said why it stopped (a corrupt chunk, the lock, the passphrase): that is the cause, also when the cut
  // stream made tar here fail first and tar's failure stopped ssh before borg's exit code was seen.
  if (remote.code !== 0 && borgLogLines(remote.stderr).some((l) => l.type === 'log_message' && (l.levelname === 'ERROR' || l.levelname === 'CRITICAL'))) {
    const error = borgError(source, { ...remote, aborted: false, timedOut: false });
    return new DrillStop(borgFailureOutcome(error, remote), error.message);
  }
  // Timed out, or the unpacking here failed (disk full) and stopped the copy: the drill could not tell.
  return drillError(describeFetchFailure(fetched, 'borg', source.host) ?? `copying ${archive}${from} failed`);
}
