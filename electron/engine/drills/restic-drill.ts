// A restore drill of one restic snapshot:
//
//   prepare  what restoring it should produce (`restic stats <id>`: files and bytes); a temp dir
//   restore  restic restore <id> --target DIR (restic 0.14 prints no progress as JSON: the bytes written so
//            far are measured instead)
//   verify   the restored files and bytes equal what restic stats reported; `restic check
//            --read-data-subset=…` reads that share of the pack data back and checks it; then, when the
//            snapshot holds pg_dump output, the newest dump goes through the dump drill (a throwaway cluster)
//   cleanup  the temp dir is removed, whatever happened
//
// fail: the snapshot or the repository is bad; error: the drill could not tell (password, lock, disk, …).
import { writeOwnerFile } from './scratch-cluster';
import { lstat, mkdir, mkdtemp, readdir, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ResticSourceConfig } from '../../../shared/config';
import type { Drill, DrillCheckResult, DrillOutcome, DrillPhase, ObservedBackup } from '../../../shared/model';
import { formatBytes } from '../../../shared/units';
import type { DrillContext } from '../probes/probe';
import { ProbeError } from '../probes/probe';
import { ResticError, runRestic } from '../probes/restic-command';
import { repoStats } from '../probes/restic';
import { readDirectoryDumpHeader, readDumpFileHeader } from '../probes/dump-header';
import { runDumpDrill } from './dump-drill';
import { dumpDrillOptions } from './source-dump-drill';

const PROGRESS_INTERVAL_MS = 500;
/** Files whose header is read looking for pg_dump output; a snapshot of a whole server is not searched further. */
const MAX_DUMP_CANDIDATES = 2000;
export const RESTIC_DRILL_PREFIX = 'backup-health-restic-';

interface TreeTotals {
  /** Every file, directory and link, as restic stats counts them. */
  nodes: number;
  /** Bytes of regular files. */
  bytes: number;
  files: { path: string; size: number; mtimeMs: number }[];
  /** Directories holding a toc.dat: directory-format dump candidates. */
  tocDirs: string[];
}

class Outcome extends Error {
  constructor(
    readonly outcome: Exclude<DrillOutcome, 'pass'>,
    message: string,
  ) {
    super(message);
  }
}

export async function runResticDrill(source: ResticSourceConfig, backup: ObservedBackup, ctx: DrillContext): Promise<Drill> {
  const startedAt = ctx.now();
  const id = backup.key;
  const short = id.slice(0, 8);
  const phases: Partial<Record<DrillPhase, number>> = {};
  const checks: DrillCheckResult[] = [];
  let phase: DrillPhase = 'prepare';
  let phaseStart = performance.now();
  const closePhase = () => {
    phases[phase] = Math.round((phases[phase] ?? 0) + performance.now() - phaseStart);
    phaseStart = performance.now();
  };
  const enter = (next: DrillPhase) => {
    closePhase();
    phase = next;
  };
  const progress = (done: number, total: number, detail?: string) => {
    try {
      ctx.onProgress({ sourceId: source.id, backupKey: id, phase, done, total, ...(detail ? { detail } : {}) });
    } catch {
      // a listener's bug must not break the drill
    }
  };
  // One deadline for the whole drill: each step gets what is left of it, so the drill ends (and is recorded)
  // before the engine gives up on it.
  const drillStarted = performance.now();
  const call = () => ({ timeoutMs: Math.max(1000, ctx.timeoutMs - (performance.now() - drillStarted)), signal: ctx.signal });
  let dir: string | undefined;
  let restoredBytes: number | null = null;
  let restoreMs: number | null = null;
  let dumpDrill: Drill | null = null;
  let outcome: DrillOutcome = 'pass';
  let message: string;
  try {
    progress(0, 0, `restic stats ${short}`);
    const expected = await repoStats(source, call(), [id]).catch(asError);
    dir = await mkdtemp(join(ctx.config.defaults.drillDir ?? tmpdir(), RESTIC_DRILL_PREFIX)).catch((err: NodeJS.ErrnoException) => {
      throw new Outcome('error', `could not create a directory to restore into: ${err.code ?? err.message}`);
    });
    // The owner file sits beside the restore target, not in it: the target must hold only what restic restored.
    writeOwnerFile(dir, `restic drill of ${short}`);
    const target = join(dir, 'restore');
    await mkdir(target);

    enter('restore');
    const restoreStarted = performance.now();
    // One walk of the target at a time: on a big restore a walk can take longer than the interval.
    let walking = false;
    const timer = setInterval(() => {
      if (walking) return;
      walking = true;
      void walk(target)
        .then(
          (t) => progress(t.bytes, expected.total_size, `restic restore ${short}`),
          () => {},
        )
        .finally(() => (walking = false));
    }, PROGRESS_INTERVAL_MS);
    try {
      await runRestic(source, ['restore', id, '--target', target], { noLock: false, ...call() });
    } catch (err) {
      throw asOutcome(err, `snapshot ${short} did not restore`);
    } finally {
      clearInterval(timer);
    }
    progress(expected.total_size, expected.total_size, `restic restore ${short}`);

    enter('verify');
    const restored = await walk(target);
    restored.nodes--; // the target itself; restic stats counts everything in it, the paths' parents too
    restoredBytes = restored.bytes;
    restoreMs = Math.round(performance.now() - restoreStarted);
    const same = restored.nodes === expected.total_file_count && restored.bytes === expected.total_size;
    checks.push({
      name: 'restored files match restic stats',
      sql: `restic stats ${short}`,
      passed: same,
      detail: `restored ${restored.nodes} files and directories, ${formatBytes(restored.bytes)}; restic stats says ${expected.total_file_count}, ${formatBytes(expected.total_size)}`,
    });

    const subset = source.drill?.readDataSubset ?? '1%';
    progress(0, 0, `restic check --read-data-subset=${subset}`);
    checks.push(await checkRepository(source, subset, call()));

    const dump = await newestDump(restored);
    if (dump) {
      progress(0, 0, `restoring ${relative(target, dump.key)} with the dump drill`);
      closePhase(); // the dump drill times its own phases; they are added to ours
      dumpDrill = await runDumpDrill({
        ...dumpDrillOptions(source, dump, { ...ctx, timeoutMs: call().timeoutMs }),
        onProgress: (p) => ctx.onProgress({ ...p, sourceId: source.id, backupKey: id }),
      });
      for (const [name, ms] of Object.entries(dumpDrill.phases) as [DrillPhase, number][]) phases[name] = (phases[name] ?? 0) + ms;
      restoreMs += dumpDrill.restoreMs ?? 0;
      phaseStart = performance.now();
    }

    const failed = checks.filter((c) => !c.passed);
    const what = `snapshot ${short} restored (${formatBytes(restored.bytes)})`;
    const dumpPart = dump ? `; dump ${relative(target, dump.key)}: ${dumpDrill?.message ?? ''}` : '; it holds no pg_dump output to restore';
    if (failed.length) {
      outcome = 'fail';
      message = `${what}, but ${failed.map((c) => c.detail).join('; ')}${dumpPart}`;
    } else if (dumpDrill && dumpDrill.outcome !== 'pass') {
      outcome = dumpDrill.outcome;
      message = `${what} and restic check passed${dumpPart}`;
    } else {
      message = `${what}, matches restic stats, restic check --read-data-subset=${subset} found no errors${dumpPart}`;
    }
  } catch (err) {
    if (err instanceof Outcome) {
      outcome = err.outcome;
      message = err.message;
    } else if (err instanceof ProbeError) {
      outcome = 'error';
      message = err.message;
    } else {
      outcome = 'error';
      message = `the drill stopped: ${(err as Error).message}`;
    }
  } finally {
    enter('cleanup');
    if (dir) await removeTree(dir);
    closePhase();
  }
  return {
    sourceId: source.id,
    backupKey: id,
    startedAt,
    finishedAt: ctx.now(),
    outcome,
    phases,
    restoreMs: outcome === 'pass' ? restoreMs : null,
    tables: dumpDrill?.tables ?? 0,
    rows: dumpDrill?.rows ?? 0,
    restoredBytes,
    checks: [...checks, ...(dumpDrill?.checks ?? [])],
    message,
    restoredWith: dumpDrill?.restoredWith ?? null,
    ...(dumpDrill?.tableDetails ? { tableDetails: dumpDrill.tableDetails } : {}),
  };
}

/** `restic check --read-data-subset`: damage found is a failed check; a lock or a password is an error. */
async function checkRepository(source: ResticSourceConfig, subset: string, call: { timeoutMs: number; signal: AbortSignal }): Promise<DrillCheckResult> {
  const command = `restic check --read-data-subset=${subset}`;
  try {
    await runRestic(source, ['check', `--read-data-subset=${subset}`], { noLock: false, ...call });
    return { name: 'restic check', sql: command, passed: true, detail: `${command} found no errors` };
  } catch (err) {
    if (err instanceof ResticError && err.damage) {
      return { name: 'restic check', sql: command, passed: false, detail: `${command} found errors: ${firstError(err.output) ?? err.message}` };
    }
    throw asOutcome(err, 'restic check could not run');
  }
}

function firstError(output: string): string | null {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /error|fail|mismatch|invalid|damaged/i.test(l) && !/^Fatal: repository contains errors/.test(l)) ?? lines.at(-1) ?? null;
}

/** A restic failure: damage (restic ran and said no) is a fail; anything else is an error. */
function asOutcome(err: unknown, what: string): Outcome {
  if (err instanceof ResticError && err.damage) return new Outcome('fail', `${what}: ${firstError(err.output) ?? err.message}`);
  if (err instanceof ProbeError) return new Outcome('error', err.message);
  return new Outcome('error', `${what}: ${(err as Error).message}`);
}

function asError(err: unknown): never {
  if (err instanceof ProbeError) throw new Outcome('error', err.message);
  throw err;
}

async function walk(dir: string): Promise<TreeTotals> {
  const totals: TreeTotals = { nodes: 0, bytes: 0, files: [], tocDirs: [] };
  await walkInto(dir, totals);
  return totals;
}

async function walkInto(path: string, totals: TreeTotals): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch {
    return;
  }
  totals.nodes++;
  if (stats.isFile()) {
    totals.bytes += stats.size;
    totals.files.push({ path, size: stats.size, mtimeMs: stats.mtimeMs });
  } else if (stats.isDirectory()) {
    const names = await readdir(path).catch(() => [] as string[]);
    if (names.includes('toc.dat')) totals.tocDirs.push(path);
    for (const name of names) await walkInto(join(path, name), totals);
  }
}

/** The newest readable pg_dump output among the restored files (by its header's creation time, else mtime). */
async function newestDump(restored: TreeTotals): Promise<ObservedBackup | null> {
  const candidates: ObservedBackup[] = [];
  const inToc = (p: string) => restored.tocDirs.some((d) => p.startsWith(`${d}/`));
  for (const file of restored.files.filter((f) => f.size > 0 && !inToc(f.path)).slice(0, MAX_DUMP_CANDIDATES)) {
    const reading = await readDumpFileHeader(file.path, file.size);
    if (!reading.readable || reading.header.format === 'unknown' || reading.clusterDump) continue;
    candidates.push({ key: file.path, type: 'dump', finishedAt: reading.header.createdAt ?? Math.trunc(file.mtimeMs), sizeBytes: file.size, readable: true, meta: { header: reading.header } });
  }
  for (const dir of restored.tocDirs) {
    const reading = await readDirectoryDumpHeader(dir);
    if (!reading.readable || reading.header.format === 'unknown') continue;
    const size = restored.files.filter((f) => f.path.startsWith(`${dir}/`)).reduce((sum, f) => sum + f.size, 0);
    candidates.push({ key: dir, type: 'dump', finishedAt: reading.header.createdAt ?? 0, sizeBytes: size, readable: true, meta: { header: reading.header } });
  }
  return candidates.sort((a, b) => b.finishedAt - a.finishedAt)[0] ?? null;
}

/** rm -rf, also through directories a snapshot restored without write permission. */
async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 2 });
  } catch {
    await makeWritable(dir);
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

async function makeWritable(path: string): Promise<void> {
  const stats = await lstat(path).catch(() => null);
  if (!stats?.isDirectory()) return;
  await chmod(path, 0o700).catch(() => {});
  for (const name of await readdir(path).catch(() => [] as string[])) await makeWritable(join(path, name));
}
