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
//   cleanup  the temp dir is removed, whatever happened (and the dump drill's scratch cluster)
//
// It runs in the drill frame (drill-frame.ts), and so does the dump drill's part: one clock, one set of phases.
//
// fail: the snapshot or the repository is bad; error: the drill could not tell (password, lock, ssh, disk, …).
import { chown, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ResticSourceConfig } from '../../../../shared/config';
import type { Drill, DrillCheckResult, ObservedBackup } from '../../../../shared/model';
import { countOf, formatBytes, formatDuration } from '../../../../shared/units';
import type { DrillContext } from '../probe';
import { ProbeError } from '../../errors';
import { ResticError, runRestic } from './restic-command';
import { runDrill, type DrillFrame } from '../../drills/drill-frame';
import { restoreDump } from '../../drills/dump-drill';
import { jailForDrill, TAR } from '../../drills/drill-jail';
import { DrillStop, drillError, fail } from '../../drills/restore-plan';
import { copySnapshot, tarContents } from './drill-copy';
import { newestDump, walkTree } from '../../drills/snapshot-tree';
import { dumpDrillOptions } from '../../drills/source-dump-drill';
import { withToolVersions } from '../../drills/tool-versions';


/** What the restored (or copied) tree must hold, and which restic command said so. */
interface Expected {
  nodes: number;
  bytes: number;
  by: string;
  /** Special files the snapshot holds that a copy leaves out (restic dump writes no fifos or devices). */
  skipped: number;
}

export function runResticDrill(source: ResticSourceConfig, backup: ObservedBackup, ctx: DrillContext): Promise<Drill> {
  // Evidence: restic where it read the repository, tar here; the dump drill adds pg_restore or psql.
  const tools = [{ name: 'restic', where: source }, { name: 'tar', command: TAR }];
  return runDrill({ ...ctx, sourceId: source.id, backupKey: backup.key }, (frame) => withToolVersions(frame, tools, () => drill(source, backup, ctx, frame)));
}

async function drill(source: ResticSourceConfig, backup: ObservedBackup, ctx: DrillContext, frame: DrillFrame): Promise<string> {
  const id = backup.key;
  const short = id.slice(0, 8);
  const host = source.host;
  const call = () => ({ timeoutMs: frame.remaining(), signal: frame.signal });
  /** restic's own checks; the dump drill's follow them. */
  const checks = frame.evidence.checks;

  frame.progress(0, 0, { detail: `restic ls ${short}${host ? ` on ${host}` : ''}`, force: true });
  const expected: Expected = { ...(await tarContents(source, id, call())), by: 'restic ls' };
  // Unpacked by the drill's user in its sandbox: restic only reads the repository (as every poll does) and
  // writes a tar stream; the files never take the snapshot's owners, and no setuid bit survives (walkTree).
  const jail = await jailForDrill(frame, ctx.config.defaults.drillDir ?? tmpdir(), `restic drill of ${short}`);
  const target = join(jail.dir, 'restore');
  await mkdir(target, { mode: 0o700 });
  if (jail.runAs) await chown(target, jail.runAs.uid, jail.runAs.gid);

  const detail = host ? `restic dump ${short} from ${host}` : `restic dump ${short}`;
  frame.enter(host ? 'copy' : 'restore', expected.bytes, { detail, unit: 'bytes' });
  try {
    await copySnapshot(source, id, target, { ...call(), untar: jail.untar, onProgress: (bytes) => frame.progress(Math.min(bytes, expected.bytes), expected.bytes, { detail, unit: 'bytes' }) });
  } catch (err) {
    throw asOutcome(err, host ? `snapshot ${short} did not copy from ${host}` : `snapshot ${short} did not restore`);
  }
  frame.progress(expected.bytes, expected.bytes, { detail, unit: 'bytes', force: true });

  frame.enter('verify');
  const restored = await walkTree(target, { findDumps: true, makeInert: true, signal: frame.signal });
  frame.evidence.restoredBytes = restored.bytes;
  const verb = host ? 'copied' : 'restored';
  const left = expected.skipped ? ` (restic dump leaves out its ${countOf(expected.skipped, 'special file')})` : '';
  // restic ls counts the snapshot's root directory, which is the target here.
  checks.push({
    name: `${verb} files match ${expected.by}`,
    sql: `${expected.by} ${short}`,
    passed: restored.nodes === expected.nodes && restored.bytes === expected.bytes,
    detail: `${verb} ${restored.nodes} files and directories, ${formatBytes(restored.bytes)}; ${expected.by} says ${expected.nodes}${left}, ${formatBytes(expected.bytes)}`,
  });

  const subset = source.drill?.readDataSubset ?? '1%';
  frame.progress(0, 0, { detail: `restic check --read-data-subset=${subset}${host ? ` on ${host}` : ''}`, force: true });
  checks.push(await checkRepository(source, subset, call()));

  const what = host ? `snapshot ${short} copied from ${host} (${formatBytes(restored.bytes)} in ${formatDuration(frame.phases.copy ?? 0)})` : `snapshot ${short} restored (${formatBytes(restored.bytes)})`;
  const dump = await newestDump(restored);
  let dumpPart = '; it holds no pg_dump output to restore';
  let dumpStop: DrillStop | null = null;
  if (dump) {
    const inSnapshot = relative(target, dump.key);
    frame.progress(0, 0, { detail: `restoring ${inSnapshot} with the dump drill`, force: true });
    // The dump drill's steps run in this frame: its phases add to ours, its cluster goes at our cleanup, and
    // its verification fills the evidence's checks afresh: ours go first again whatever happens.
    frame.evidence.checks = [];
    try {
      dumpPart = `; dump ${inSnapshot}: ${await restoreDump(frame, dumpDrillOptions(source, dump, ctx))}`;
    } catch (err) {
      if (!(err instanceof DrillStop) || frame.signal.aborted) throw err;
      dumpStop = err;
      dumpPart = `; dump ${inSnapshot}: ${err.message}`;
    } finally {
      frame.evidence.checks = [...checks, ...frame.evidence.checks];
    }
  }

  const failed = checks.filter((c) => !c.passed);
  if (failed.length) throw fail(`${what}, but ${failed.map((c) => c.detail).join('; ')}${dumpPart}`);
  if (dumpStop) throw new DrillStop(dumpStop.outcome, `${what} and restic check passed${dumpPart}`);
  return `${what}, matches ${expected.by}, restic check --read-data-subset=${subset} found no errors${dumpPart}`;
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
function asOutcome(err: unknown, what: string): DrillStop {
  if (err instanceof ResticError && err.damage) return fail(`${what}: ${firstError(err.output) ?? err.message}`);
  if (err instanceof ProbeError) return drillError(err.message);
  return drillError(`${what}: ${(err as Error).message}`);
}
