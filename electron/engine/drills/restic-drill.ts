// A restore drill of one restic snapshot:
//
//   prepare  what restoring it should produce (`restic stats <id>`: nodes and bytes; for a repository on
//            another host, `restic ls --json <id>` counted as the tar will hold it); a temp dir
//   restore  restic restore <id> --target DIR (restic 0.14 prints no progress as JSON: the bytes written so
//            far are measured instead)
//   copy     instead, for a repository read on another host (`host`): restic dump --archive tar there,
//            unpacked here as it arrives, with the bytes received as progress (restic-drill-copy.ts)
//   verify   the restored files and bytes equal what was expected; `restic check --read-data-subset=…`
//            reads that share of the pack data back and checks it; then, when the snapshot holds pg_dump
//            output, the newest dump goes through the dump drill (a throwaway cluster, here)
//   cleanup  the temp dir is removed, whatever happened
//
// fail: the snapshot or the repository is bad; error: the drill could not tell (password, lock, ssh, disk, …).
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ResticSourceConfig } from '../../../shared/config';
import type { Drill, DrillCheckResult, DrillOutcome, DrillPhase, ObservedBackup } from '../../../shared/model';
import { countOf, formatBytes, formatDuration } from '../../../shared/units';
import type { DrillContext } from '../probes/probe';
import { ProbeError } from '../probes/probe';
import { ResticError, runRestic } from '../probes/restic-command';
import { repoStats } from '../probes/restic';
import { runDumpDrill } from './dump-drill';
import { copySnapshot, tarContents } from './restic-drill-copy';
import { newestDump, removeTree, walk } from './restic-drill-tree';
import { writeOwnerFile } from './scratch-cluster';
import { dumpDrillOptions } from './source-dump-drill';

const PROGRESS_INTERVAL_MS = 500;
export const RESTIC_DRILL_PREFIX = 'backup-health-restic-';

/** What the restored (or copied) tree must hold, and which restic command said so. */
interface Expected {
  nodes: number;
  bytes: number;
  by: string;
  /** Special files the snapshot holds that a copy leaves out (restic dump writes no fifos or devices). */
  skipped: number;
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
  const host = source.host;
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
  const progress = (done: number, total: number, detail?: string, unit?: 'bytes') => {
    try {
      ctx.onProgress({ sourceId: source.id, backupKey: id, phase, done, total, ...(detail ? { detail } : {}), ...(unit ? { unit } : {}) });
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
    progress(0, 0, host ? `restic ls ${short} on ${host}` : `restic stats ${short}`);
    const expected = await expectedTree(source, id, call()).catch(asError);
    dir = await mkdtemp(join(ctx.config.defaults.drillDir ?? tmpdir(), RESTIC_DRILL_PREFIX)).catch((err: NodeJS.ErrnoException) => {
      throw new Outcome('error', `could not create a directory to restore into: ${err.code ?? err.message}`);
    });
    // The owner file sits beside the restore target, not in it: the target must hold only what restic restored.
    writeOwnerFile(dir, `restic drill of ${short}`);
    const target = join(dir, 'restore');
    await mkdir(target);

    // The RTO a user would see starts here: a copy from the backup host is part of it.
    const restoreStarted = performance.now();
    if (host) {
      enter('copy');
      const detail = `restic dump ${short} from ${host}`;
      progress(0, expected.bytes, detail, 'bytes');
      try {
        await copySnapshot({ ...source, host }, id, target, { ...call(), onProgress: (bytes) => progress(Math.min(bytes, expected.bytes), expected.bytes, detail, 'bytes') });
      } catch (err) {
        throw asOutcome(err, `snapshot ${short} did not copy from ${host}`);
      }
      progress(expected.bytes, expected.bytes, detail, 'bytes');
    } else {
      enter('restore');
      await restoreHere(source, id, target, call(), (bytes) => progress(bytes, expected.bytes, `restic restore ${short}`));
      progress(expected.bytes, expected.bytes, `restic restore ${short}`);
    }

    enter('verify');
    const restored = await walk(target);
    restored.nodes--; // the target itself; restic counts everything in it, the paths' parents too
    restoredBytes = restored.bytes;
    restoreMs = Math.round(performance.now() - restoreStarted);
    const verb = host ? 'copied' : 'restored';
    const left = expected.skipped ? ` (restic dump leaves out its ${countOf(expected.skipped, 'special file')})` : '';
    checks.push({
      name: `${verb} files match ${expected.by}`,
      sql: `${expected.by} ${short}`,
      passed: restored.nodes === expected.nodes && restored.bytes === expected.bytes,
      detail: `${verb} ${restored.nodes} files and directories, ${formatBytes(restored.bytes)}; ${expected.by} says ${expected.nodes}${left}, ${formatBytes(expected.bytes)}`,
    });

    const subset = source.drill?.readDataSubset ?? '1%';
    progress(0, 0, `restic check --read-data-subset=${subset}${host ? ` on ${host}` : ''}`);
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
    const what = host ? `snapshot ${short} copied from ${host} (${formatBytes(restored.bytes)} in ${formatDuration(phases.copy ?? 0)})` : `snapshot ${short} restored (${formatBytes(restored.bytes)})`;
    const dumpPart = dump ? `; dump ${relative(target, dump.key)}: ${dumpDrill?.message ?? ''}` : '; it holds no pg_dump output to restore';
    if (failed.length) {
      outcome = 'fail';
      message = `${what}, but ${failed.map((c) => c.detail).join('; ')}${dumpPart}`;
    } else if (dumpDrill && dumpDrill.outcome !== 'pass') {
      outcome = dumpDrill.outcome;
      message = `${what} and restic check passed${dumpPart}`;
    } else {
      message = `${what}, matches ${expected.by}, restic check --read-data-subset=${subset} found no errors${dumpPart}`;
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

/** Here: restic stats of the snapshot. On another host: its restic ls, counted as restic dump's tar holds it. */
async function expectedTree(source: ResticSourceConfig, id: string, call: { timeoutMs: number; signal: AbortSignal }): Promise<Expected> {
  if (source.host) return { ...(await tarContents(source, id, call)), by: 'restic ls' };
  const stats = await repoStats(source, call, [id]);
  return { nodes: stats.total_file_count, bytes: stats.total_size, by: 'restic stats', skipped: 0 };
}

/** restic restore into `target`, with the bytes written so far as progress. */
async function restoreHere(source: ResticSourceConfig, id: string, target: string, call: { timeoutMs: number; signal: AbortSignal }, onBytes: (bytes: number) => void): Promise<void> {
  // One walk of the target at a time: on a big restore a walk can take longer than the interval.
  let walking = false;
  const timer = setInterval(() => {
    if (walking) return;
    walking = true;
    void walk(target)
      .then(
        (t) => onBytes(t.bytes),
        () => {},
      )
      .finally(() => (walking = false));
  }, PROGRESS_INTERVAL_MS);
  try {
    await runRestic(source, ['restore', id, '--target', target], { noLock: false, ...call });
  } catch (err) {
    throw asOutcome(err, `snapshot ${id.slice(0, 8)} did not restore`);
  } finally {
    clearInterval(timer);
  }
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
