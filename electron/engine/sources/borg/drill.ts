// A restore drill of one borg archive:
//
//   prepare  the passphrase; `borg info` of the archive (its file count and size); a temp dir under drillDir
//   restore  `borg extract` into it (cwd), with borg's own progress. Extracting reads and authenticates every
//            chunk of the archive (a MAC or hash per chunk), so a corrupt chunk of *this* archive fails here.
//   copy     instead of restore, when the repository is on `host`: `borg export-tar` runs there and its tar is
//            unpacked here (borg-export.ts), with the bytes received as progress. It authenticates every chunk
//            just as extract does. Its time counts into restoreMs: it is part of what a real restore would take.
//   verify   `borg check --archives-only REPO::ARCHIVE` (where borg runs): the archive's metadata is consistent
//            and every chunk it refers to is in the repository index; then the files here must match the
//            archive's own stats (nfiles, original_size); then the newest pg_dump found in it is restored here
//            by the dump drill.
//   cleanup  the temp dir is removed, whatever happened (and the dump drill's scratch cluster)
//
// It runs in the drill frame (drill-frame.ts), and so does the dump drill's part: one clock, one set of phases.
//
// Not `borg check --verify-data`: in borg 1.2 it reads and decrypts every chunk of the whole repository, every
// archive ever kept, which on a real repository takes hours; the extract already verifies the drilled archive's
// data, which is what "this backup restores" needs. Corruption in chunks only older archives use is left to the
// user's own periodic `borg check`.
import { chown, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { BorgSourceConfig } from '../../../../shared/config';
import type { Drill, ObservedBackup } from '../../../../shared/model';
import { countOf, formatBytes } from '../../../../shared/units';
import type { DrillContext } from '../probe';
import { borgError, borgLogLines, borgPassphrase, runBorg } from './borg-run';
import { parseArchiveInfo, type BorgArchiveInfo } from './archive-info';
import { borgFailureOutcome, copyArchive } from './export';
import { jailForDrill, TAR } from '../../drills/drill-jail';
import { runDrill, type DrillFrame } from '../../drills/drill-frame';
import { restoreDump } from '../../drills/dump-drill';
import { DrillStop, drillError, fail } from '../../drills/restore-plan';
import { newestDump, walkTree } from '../../drills/snapshot-tree';
import { dumpDrillOptions } from '../../drills/source-dump-drill';
import { withToolVersions } from '../../drills/tool-versions';


export function runBorgDrill(source: BorgSourceConfig, backup: ObservedBackup, ctx: DrillContext): Promise<Drill> {
  // Evidence: borg where it read the repository, tar here; the dump drill adds pg_restore or psql.
  const tools = [{ name: 'borg', where: source }, { name: 'tar', command: TAR }];
  return runDrill({ ...ctx, sourceId: source.id, backupKey: backup.key }, (frame) => withToolVersions(frame, tools, () => drill(source, backup, ctx, frame)));
}

async function drill(source: BorgSourceConfig, backup: ObservedBackup, ctx: DrillContext, frame: DrillFrame): Promise<string> {
  const archive = `${source.repo}::${backup.key}`;
  frame.progress(0, 0, { force: true });
  const passphrase = await borgPassphrase(source);
  const borg = async (args: string[], what: string, options: { cwd?: string; onStderr?: (chunk: string) => void } = {}) => {
    const result = await runBorg({ source, passphrase, args, signal: frame.signal, timeoutMs: frame.remaining(), ...options });
    if (result.code === 0) return result;
    // borg exits 1 for warnings (a file it could not restore exactly); only 2 and up is an error.
    if (result.code === 1 && !result.timedOut && !result.aborted) return result;
    const error = borgError(source, result);
    throw new DrillStop(borgFailureOutcome(error, result), `${what}: ${error.message}`);
  };
  const infoRun = await borg(['info', '--json', archive], `borg info of ${backup.key} failed`);
  const info = ((JSON.parse(infoRun.stdout) as { archives?: unknown[] }).archives ?? []).map(parseArchiveInfo).find((a): a is BorgArchiveInfo => a !== null);
  if (!info) throw drillError(`borg info said nothing about ${backup.key}`);
  // Unpacked by the drill's user in its sandbox: borg only reads the repository (as every poll does) and writes
  // a tar stream (export-tar authenticates every chunk, as extract does); the files never take the archive's
  // owners, and no setuid bit survives (walkTree).
  const jail = await jailForDrill(frame, ctx.config.defaults.drillDir ?? tmpdir(), `borg drill of ${backup.key}`);
  const dir = join(jail.dir, 'extract');
  await mkdir(dir, { mode: 0o700 });
  if (jail.runAs) await chown(dir, jail.runAs.uid, jail.runAs.gid);

  const total = info.originalSize;
  const detail = source.host ? `borg export-tar from ${source.host}` : 'borg export-tar';
  frame.enter(source.host ? 'copy' : 'restore', total, { detail, unit: 'bytes' });
  // The tar stream carries headers and padding besides the files' bytes: done never passes total.
  await copyArchive({ source, passphrase, archive, name: backup.key, dest: dir, untar: jail.untar, signal: frame.signal, timeoutMs: frame.remaining(), onProgress: (bytes) => frame.progress(Math.min(bytes, total), total, { detail, unit: 'bytes' }) });
  frame.progress(total, total, { detail, unit: 'bytes', force: true });
  const unpacked = source.host ? `copied from ${source.host}` : 'extracted';

  frame.enter('verify', 3);
  await borg(['check', '--archives-only', archive], `borg check of ${backup.key} found a problem`);
  frame.progress(1, 3, { detail: 'borg check passed' });
  const tree = await walkTree(dir, { findDumps: true, makeInert: true, signal: frame.signal });
  if (tree.files !== info.nfiles || tree.bytes !== info.originalSize) {
    throw fail(`${backup.key} ${source.host ? `as copied from ${source.host} holds` : 'extracted to'} ${countOf(tree.files, 'file')}, ${formatBytes(tree.bytes)}, but the archive says ${countOf(info.nfiles, 'file')}, ${formatBytes(info.originalSize)}`);
  }
  frame.evidence.restoredBytes = tree.bytes;
  frame.progress(2, 3, { detail: 'the files match the archive' });
  const extracted = `${backup.key} ${unpacked} and checked (${countOf(tree.files, 'file')}, ${formatBytes(tree.bytes)})`;
  const dump = await newestDump(tree);
  if (!dump) return `${extracted}; it holds no pg_dump output, so no database was restored`;
  const inArchive = relative(dir, dump.key);
  // The dump drill's steps run in this frame: its phases add to ours, its cluster goes at our cleanup.
  try {
    return `${extracted}; ${inArchive}: ${await restoreDump(frame, dumpDrillOptions(source, dump, ctx))}`;
  } catch (err) {
    if (err instanceof DrillStop && !frame.signal.aborted) throw new DrillStop(err.outcome, `${extracted}; ${inArchive}: ${err.message}`);
    throw err;
  }
}
