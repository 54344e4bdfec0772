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
//   cleanup  the temp dir is removed, whatever happened
//
// Not `borg check --verify-data`: in borg 1.2 it reads and decrypts every chunk of the whole repository, every
// archive ever kept, which on a real repository takes hours; the extract already verifies the drilled archive's
// data, which is what "this backup restores" needs. Corruption in chunks only older archives use is left to the
// user's own periodic `borg check`.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { BorgSourceConfig } from '../../../shared/config';
import type { Drill, DrillPhase, ObservedBackup } from '../../../shared/model';
import { countOf, formatBytes } from '../../../shared/units';
import { ProbeError, type DrillContext } from '../probes/probe';
import { borgError, borgLogLines, borgPassphrase, runBorg } from '../probes/borg-run';
import { parseArchiveInfo, type BorgArchiveInfo } from '../probes/borg';
import { borgFailureOutcome, copyArchiveFromHost } from './borg-export';
import { newestDump, walkExtracted } from './borg-tree';
import { runDumpDrill } from './dump-drill';
import { DrillStop } from './restore-plan';
import { writeOwnerFile } from './scratch-cluster';
import { dumpDrillOptions } from './source-dump-drill';

export const BORG_DRILL_PREFIX = 'backup-health-borg-';

export async function runBorgDrill(source: BorgSourceConfig, backup: ObservedBackup, ctx: DrillContext): Promise<Drill> {
  const startedAt = ctx.now();
  const started = performance.now();
  const phases: Partial<Record<DrillPhase, number>> = {};
  let phase: DrillPhase = 'prepare';
  let phaseStarted = performance.now();
  const enter = (next: DrillPhase, total = 0, unit?: 'bytes') => {
    phases[phase] = Math.round((phases[phase] ?? 0) + performance.now() - phaseStarted);
    phase = next;
    phaseStarted = performance.now();
    progress(0, total, undefined, unit);
  };
  const progress = (done: number, total: number, detail?: string, unit?: 'bytes') => {
    try {
      ctx.onProgress({ sourceId: source.id, backupKey: backup.key, phase, done, total, ...(detail ? { detail } : {}), ...(unit ? { unit } : {}) });
    } catch {
      // a listener's bug must not break the drill
    }
  };
  const remaining = () => Math.max(1000, ctx.timeoutMs - (performance.now() - started));
  const archive = `${source.repo}::${backup.key}`;
  let dir: string | undefined;
  /** The temp dir holding the extraction and the owner file; removed whatever happens. */
  let top: string | undefined;
  let drill: Omit<Drill, 'startedAt' | 'finishedAt' | 'phases'>;
  let restoreStarted = 0;

  const base = { sourceId: source.id, backupKey: backup.key, tables: 0, rows: 0, restoredBytes: null, checks: [], restoreMs: null };
  try {
    progress(0, 0);
    const passphrase = await borgPassphrase(source).catch((err: unknown) => {
      throw new DrillStop('error', err instanceof ProbeError ? err.message : String(err));
    });
    const borg = async (args: string[], what: string, options: { cwd?: string; onStderr?: (chunk: string) => void } = {}) => {
      const result = await runBorg({ source, passphrase, args, signal: ctx.signal, timeoutMs: remaining(), ...options });
      if (result.code === 0) return result;
      // borg exits 1 for warnings (a file it could not restore exactly); only 2 and up is an error.
      if (result.code === 1 && !result.timedOut && !result.aborted) return result;
      const error = borgError(source, result);
      throw new DrillStop(borgFailureOutcome(error, result), `${what}: ${error.message}`);
    };
    const extractHere = async (dest: string, total: number) => {
      let pending = '';
      await borg(['extract', '--progress', archive], `borg extract of ${backup.key} failed`, {
        cwd: dest,
        onStderr: (chunk) => {
          const lines = (pending + chunk).split('\n');
          pending = lines.pop() ?? '';
          for (const line of borgLogLines(lines.join('\n'))) {
            const p = line as { type?: string; current?: number; total?: number; info?: string[] };
            if (p.type === 'progress_percent' && typeof p.current === 'number') progress(p.current, p.total || total, p.info?.[0] ? `extracting ${p.info[0]}` : undefined);
          }
        },
      });
    };
    const infoRun = await borg(['info', '--json', archive], `borg info of ${backup.key} failed`);
    const info = ((JSON.parse(infoRun.stdout) as { archives?: unknown[] }).archives ?? []).map(parseArchiveInfo).find((a): a is BorgArchiveInfo => a !== null);
    if (!info) throw new DrillStop('error', `borg info said nothing about ${backup.key}`);
    const parent = ctx.config.defaults.drillDir ?? tmpdir();
    const root = await mkdtemp(join(parent, BORG_DRILL_PREFIX));
    top = root;
    // The owner file sits beside the extraction, not in it: the tree must hold only what borg extracted.
    writeOwnerFile(root, `borg drill of ${backup.key}`);
    dir = join(root, 'extract');
    await mkdir(dir);

    restoreStarted = performance.now();
    if (source.host) {
      const total = info.originalSize;
      enter('copy', total, 'bytes');
      // The tar stream carries headers and padding besides the files' bytes: done never passes total.
      const copyFailed = await copyArchiveFromHost({ source: { ...source, host: source.host }, passphrase, archive, dest: dir, signal: ctx.signal, timeoutMs: remaining(), onProgress: (bytes) => progress(Math.min(bytes, total), total, `copying from ${source.host}`, 'bytes') });
      if (copyFailed) throw new DrillStop(copyFailed.outcome, `borg export-tar of ${backup.key} failed: ${copyFailed.message}`);
      progress(total, total, `copied from ${source.host}`, 'bytes');
    } else {
      enter('restore', info.originalSize);
      await extractHere(dir, info.originalSize);
    }
    const unpackMs = performance.now() - restoreStarted;
    const unpacked = source.host ? `copied from ${source.host}` : 'extracted';

    enter('verify', 3);
    await borg(['check', '--archives-only', archive], `borg check of ${backup.key} found a problem`);
    progress(1, 3, 'borg check passed');
    const tree = await walkExtracted(dir);
    if (tree.files !== info.nfiles || tree.bytes !== info.originalSize) {
      throw new DrillStop('fail', `${backup.key} ${source.host ? `as copied from ${source.host} holds` : 'extracted to'} ${countOf(tree.files, 'file')}, ${formatBytes(tree.bytes)}, but the archive says ${countOf(info.nfiles, 'file')}, ${formatBytes(info.originalSize)}`);
    }
    progress(2, 3, 'the files match the archive');
    const extracted = `${backup.key} ${unpacked} and checked (${countOf(tree.files, 'file')}, ${formatBytes(tree.bytes)})`;
    const dump = newestDump(tree);
    if (!dump) {
      drill = { ...base, outcome: 'pass', restoredBytes: tree.bytes, restoreMs: Math.round(performance.now() - restoreStarted), message: `${extracted}; it holds no pg_dump output, so no database was restored` };
    } else {
      phases[phase] = Math.round((phases[phase] ?? 0) + performance.now() - phaseStarted);
      const dumpBackup: ObservedBackup = { key: dump.path, type: 'dump', finishedAt: Math.trunc(dump.mtimeMs), sizeBytes: dump.size, readable: true, meta: { header: dump.reading.header } };
      const options = dumpDrillOptions(source, dumpBackup, ctx);
      const restored = await runDumpDrill({
        ...options,
        timeoutMs: remaining(),
        onProgress: (p) => {
          try {
            ctx.onProgress({ ...p, backupKey: backup.key });
          } catch {
            // a listener's bug must not break the drill
          }
        },
      });
      phaseStarted = performance.now();
      phase = 'cleanup';
      for (const [name, ms] of Object.entries(restored.phases) as [DrillPhase, number][]) phases[name] = (phases[name] ?? 0) + ms;
      const inArchive = relative(dir, dump.path);
      drill = {
        ...base,
        outcome: restored.outcome,
        tables: restored.tables,
        rows: restored.rows,
        restoredBytes: restored.restoredBytes,
        checks: restored.checks,
        restoreMs: restored.restoreMs === null ? null : Math.round(unpackMs + restored.restoreMs),
        message: `${extracted}; ${inArchive}: ${restored.message}`,
        ...(restored.restoredWith !== undefined ? { restoredWith: restored.restoredWith } : {}),
        ...(restored.tableDetails ? { tableDetails: restored.tableDetails } : {}),
      };
    }
  } catch (err) {
    // A ProbeError here is ssh's own (host key, login refused, unreachable): the drill could not tell.
    const stop = err instanceof DrillStop ? err : err instanceof ProbeError ? new DrillStop('error', err.message) : new DrillStop('error', `the drill broke: ${(err as Error).message}`);
    drill = { ...base, outcome: ctx.signal.aborted && stop.outcome === 'fail' ? 'error' : stop.outcome, message: stop.message };
  }
  if (phase !== 'cleanup') enter('cleanup');
  if (top) await rm(top, { recursive: true, force: true }).catch(() => {});
  phases.cleanup = Math.round((phases.cleanup ?? 0) + performance.now() - phaseStarted);
  return { ...drill, startedAt, finishedAt: ctx.now(), phases };
}
