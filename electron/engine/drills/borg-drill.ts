// A restore drill of one borg archive:
//
//   prepare  the passphrase; `borg info` of the archive (its file count and size); a temp dir under drillDir
//   restore  `borg extract` into it (cwd), with borg's own progress. Extracting reads and authenticates every
//            chunk of the archive (a MAC or hash per chunk), so a corrupt chunk of *this* archive fails here.
//   verify   `borg check --archives-only REPO::ARCHIVE`: the archive's metadata is consistent and every chunk
//            it refers to is in the repository index; then the extracted files must match the archive's own
//            stats (nfiles, original_size); then the newest pg_dump found in it is restored by the dump drill.
//   cleanup  the temp dir is removed, whatever happened
//
// Not `borg check --verify-data`: in borg 1.2 it reads and decrypts every chunk of the whole repository, every
// archive ever kept, which on a real repository takes hours; the extract already verifies the drilled archive's
// data, which is what "this backup restores" needs. Corruption in chunks only older archives use is left to the
// user's own periodic `borg check`.
import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { writeOwnerFile } from './scratch-cluster';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { BorgSourceConfig } from '../../../shared/config';
import type { Drill, DrillOutcome, DrillPhase, ObservedBackup } from '../../../shared/model';
import { formatBytes } from '../../../shared/units';
import { ProbeError, type DrillContext } from '../probes/probe';
import { borgError, borgLogLines, borgPassphrase, runBorg } from '../probes/borg-run';
import { parseArchiveInfo, type BorgArchiveInfo } from '../probes/borg';
import { readDirectoryDumpHeader, readDumpFileHeader, type DumpHeaderReading } from '../probes/dump-header';
import { runDumpDrill } from './dump-drill';
import { dumpDrillOptions } from './source-dump-drill';

export const BORG_DRILL_PREFIX = 'backup-health-borg-';

/** Files whose first bytes are read to find pg_dump output; an archive of a whole server holds many. */
const MAX_DUMP_CANDIDATES = 10_000;

/** Failures of the drill itself (it could not tell), as opposed to a bad archive. */
const DRILL_ERRORS = new Set(['config', 'auth-failed', 'not-found', 'timeout', 'permission-denied']);

class Stop extends Error {
  constructor(
    readonly outcome: DrillOutcome,
    message: string,
  ) {
    super(message);
  }
}

interface ExtractedTree {
  files: number;
  bytes: number;
  dumps: { path: string; mtimeMs: number; size: number; reading: DumpHeaderReading }[];
}

export async function runBorgDrill(source: BorgSourceConfig, backup: ObservedBackup, ctx: DrillContext): Promise<Drill> {
  const startedAt = ctx.now();
  const started = performance.now();
  const phases: Partial<Record<DrillPhase, number>> = {};
  let phase: DrillPhase = 'prepare';
  let phaseStarted = performance.now();
  const enter = (next: DrillPhase, total = 0) => {
    phases[phase] = Math.round((phases[phase] ?? 0) + performance.now() - phaseStarted);
    phase = next;
    phaseStarted = performance.now();
    progress(0, total);
  };
  const progress = (done: number, total: number, detail?: string) => {
    try {
      ctx.onProgress({ sourceId: source.id, backupKey: backup.key, phase, done, total, ...(detail ? { detail } : {}) });
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
      throw new Stop('error', err instanceof ProbeError ? err.message : String(err));
    });
    const borg = async (args: string[], what: string, options: { cwd?: string; onStderr?: (chunk: string) => void } = {}) => {
      const result = await runBorg({ source, passphrase, args, signal: ctx.signal, timeoutMs: remaining(), ...options });
      if (result.code === 0) return result;
      const error = borgError(source, result);
      // borg exits 1 for warnings (a file it could not restore exactly); only 2 and up is an error.
      if (result.code === 1 && !result.timedOut && !result.aborted) return result;
      const outcome = DRILL_ERRORS.has(error.code) || /locked/.test(error.message) || result.spawnError ? 'error' : 'fail';
      throw new Stop(outcome, `${what}: ${error.message}`);
    };
    const infoRun = await borg(['info', '--json', archive], `borg info of ${backup.key} failed`);
    const info = ((JSON.parse(infoRun.stdout) as { archives?: unknown[] }).archives ?? []).map(parseArchiveInfo).find((a): a is BorgArchiveInfo => a !== null);
    if (!info) throw new Stop('error', `borg info said nothing about ${backup.key}`);
    const parent = ctx.config.defaults.drillDir ?? tmpdir();
    const root = await mkdtemp(join(parent, BORG_DRILL_PREFIX));
    top = root;
    // The owner file sits beside the extraction, not in it: the tree must hold only what borg extracted.
    writeOwnerFile(root, `borg drill of ${backup.key}`);
    dir = join(root, 'extract');
    await mkdir(dir);

    enter('restore', info.originalSize);
    restoreStarted = performance.now();
    let pending = '';
    await borg(['extract', '--progress', archive], `borg extract of ${backup.key} failed`, {
      cwd: dir,
      onStderr: (chunk) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop() ?? '';
        for (const line of borgLogLines(lines.join('\n'))) {
          const p = line as { type?: string; current?: number; total?: number; info?: string[] };
          if (p.type === 'progress_percent' && typeof p.current === 'number') progress(p.current, p.total || info.originalSize, p.info?.[0] ? `extracting ${p.info[0]}` : undefined);
        }
      },
    });
    const extractMs = performance.now() - restoreStarted;

    enter('verify', 3);
    await borg(['check', '--archives-only', archive], `borg check of ${backup.key} found a problem`);
    progress(1, 3, 'borg check passed');
    const tree = await walkExtracted(dir);
    if (tree.files !== info.nfiles || tree.bytes !== info.originalSize) {
      throw new Stop('fail', `${backup.key} extracted to ${tree.files} files, ${formatBytes(tree.bytes)}, but the archive says ${info.nfiles} files, ${formatBytes(info.originalSize)}`);
    }
    progress(2, 3, 'extracted files match the archive');
    const extracted = `${backup.key} extracted and checked (${tree.files} files, ${formatBytes(tree.bytes)})`;
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
        restoreMs: restored.restoreMs === null ? null : Math.round(extractMs + restored.restoreMs),
        message: `${extracted}; ${inArchive}: ${restored.message}`,
        ...(restored.restoredWith !== undefined ? { restoredWith: restored.restoredWith } : {}),
        ...(restored.tableDetails ? { tableDetails: restored.tableDetails } : {}),
      };
    }
  } catch (err) {
    const stop = err instanceof Stop ? err : new Stop('error', `the drill broke: ${(err as Error).message}`);
    drill = { ...base, outcome: ctx.signal.aborted && stop.outcome === 'fail' ? 'error' : stop.outcome, message: stop.message };
  }
  if (phase !== 'cleanup') enter('cleanup');
  if (top) await rm(top, { recursive: true, force: true }).catch(() => {});
  phases.cleanup = Math.round((phases.cleanup ?? 0) + performance.now() - phaseStarted);
  return { ...drill, startedAt, finishedAt: ctx.now(), phases };
}

/** Every non-directory counts as a file (as borg's nfiles does); regular files' sizes add up to original_size. */
async function walkExtracted(root: string): Promise<ExtractedTree> {
  const tree: ExtractedTree = { files: 0, bytes: 0, dumps: [] };
  let candidates = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name.endsWith('.dump') || (await lstat(join(path, 'toc.dat')).then(() => true, () => false))) {
          const reading = await readDirectoryDumpHeader(path);
          if (reading.readable && reading.header.format === 'directory') tree.dumps.push({ path, mtimeMs: (await lstat(path)).mtimeMs, size: 0, reading });
        }
        await walk(path);
        continue;
      }
      tree.files += 1;
      if (!entry.isFile()) continue;
      const stats = await lstat(path);
      tree.bytes += stats.size;
      if (candidates++ >= MAX_DUMP_CANDIDATES || stats.size === 0) continue;
      const reading = await readDumpFileHeader(path, stats.size);
      if (reading.readable && reading.header.format !== 'unknown' && !reading.clusterDump) tree.dumps.push({ path, mtimeMs: stats.mtimeMs, size: stats.size, reading });
    }
  };
  await walk(root);
  return tree;
}

/** The newest dump by the time pg_dump wrote in it, else by the file's time (borg restores mtimes). */
function newestDump(tree: ExtractedTree): ExtractedTree['dumps'][number] | undefined {
  const when = (d: ExtractedTree['dumps'][number]) => d.reading.header.createdAt ?? d.mtimeMs;
  return [...tree.dumps].sort((a, b) => when(b) - when(a) || (a.path < b.path ? -1 : 1))[0];
}
