// The restore phase of a dump drill: pg_restore -j of an archive, or psql of a plain script, into the scratch
// cluster, with progress; what a restore that went wrong means (fail: the backup is bad; error: the drill could
// not tell). Refusals of hostile content (restore-refusals.ts) end the drill here.
import type { Client } from 'pg';
import { describeFailure, type RunResult } from '../exec';
import type { DrillFrame } from './drill-frame';
import { createDumpRoles } from './drill-roles';
import type { DrillRecord } from './dump-drill-record';
import { restoreArchive } from './restore-archive';
import { classifyRestoreOutput, type RestoreProblem } from './restore-errors';
import { restorePlain } from './restore-plain';
import { drillError, fail, type DrillStop, type RestorePlan } from './restore-plan';
import { describeRefusal, findRefusal } from './restore-refusals';
import type { ScratchCluster } from './scratch-cluster';

export async function restoreFromArchive(cluster: ScratchCluster, plan: RestorePlan, record: DrillRecord, jobs: number, frame: DrillFrame): Promise<RestoreProblem | null> {
  const restored = await restoreArchive(cluster, plan.archive!, {
    signal: frame.signal,
    timeoutMs: frame.remaining(),
    database: record.database,
    jobs,
    entries: plan.entries,
    leakproof: plan.leakproof,
    onItem: (done, item) => record.progress(Math.min(done, plan.total), plan.total, `restoring ${item}`),
  });
  frame.throwIfStopped();
  if (frame.evidence.safety) frame.evidence.safety.skipped = restored.skipped;
  const refusal = findRefusal(restored.problems);
  if (refusal) throw fail(describeRefusal(refusal));
  return judgeTool(restored.result, restored.problems, cluster);
}

export async function restoreFromScript(cluster: ScratchCluster, plan: RestorePlan, record: DrillRecord, maintenance: Client, frame: DrillFrame): Promise<RestoreProblem | null> {
  const restored = await restorePlain(cluster, plan.plain!, {
    signal: frame.signal,
    timeoutMs: frame.remaining(),
    database: record.database,
    createsOwnDatabase: plan.createsOwnDatabase,
    ensureRoles: (roles) => createDumpRoles(maintenance, roles, cluster.superuser).catch(() => {}),
    onBytes: (bytes, detail) => record.progress(Math.min(bytes, plan.total), plan.total, detail ? `restoring ${detail}` : undefined),
  });
  frame.throwIfStopped();
  plan.scanner = restored.scanner;
  if (frame.evidence.safety) frame.evidence.safety.skipped = restored.skipped;
  if (restored.refusal) throw fail(restored.refusal);
  const { result } = restored;
  const refused = findRefusal(result.stderr);
  if (refused) throw fail(describeRefusal({ ...refused, item: (refused.scriptLine && restored.entryAt(refused.scriptLine)) || refused.item }));
  if (result.inputError) {
    const why = result.inputError.message;
    return { kind: 'corrupt', line: plan.plain!.gzipped ? `the gzip data is cut short or damaged (${why})` : `reading it failed (${why})` };
  }
  const problem = judgeTool(result, result.stderr, cluster);
  if (problem) return problem;
  if (!restored.scanner.complete) {
    return { kind: 'corrupt', line: 'the SQL ends before pg_dump\'s closing line "-- PostgreSQL database dump complete"' };
  }
  return null;
}

/** A finished tool's result as a problem, or null when it restored cleanly. */
function judgeTool(result: RunResult, problems: string, cluster: ScratchCluster): RestoreProblem | null {
  if (result.spawnError || result.timedOut) return { kind: 'server-gone', line: describeFailure(result) };
  if (result.code === 0 && !/\b(error|ERROR|FATAL|PANIC):/.test(problems)) return null;
  return classifyRestoreOutput(problems, serverLog(cluster)) ?? { kind: 'sql', line: describeFailure(result) };
}

function serverLog(cluster: ScratchCluster): string {
  return cluster.logTail(50).split(' | ').join('\n');
}

/** The drill's verdict on a restore that went wrong. */
export function judgeRestore(problem: RestoreProblem, parentDir: string): DrillStop {
  const where = problem.context ? ` (at ${problem.context})` : '';
  const more = problem.errorCount && problem.errorCount > 1 ? `; ${problem.errorCount} errors in all` : '';
  switch (problem.kind) {
    case 'no-space':
      return drillError(`no space left in ${parentDir} while restoring: ${problem.line}; free some space or put drills on a larger disk`);
    case 'corrupt':
      return fail(`the backup is truncated or corrupt: ${problem.line}${where}`);
    case 'unsupported-version':
      return drillError(`the restore needs a newer pg_restore: ${problem.line}`);
    case 'environment':
      return drillError(`${problem.hint}: ${problem.line}`);
    case 'server-gone':
      return drillError(`the scratch PostgreSQL stopped during the restore: ${problem.line}`);
    case 'sql':
      return fail(`the backup does not restore cleanly: ${problem.line}${where}${more}`);
  }
}
