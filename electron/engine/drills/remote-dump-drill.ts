// A drill of a dump kept on another host: copy it here over ssh (a tar stream, so a directory-format dump
// comes whole and the bytes count as progress), then the same dump drill as for a local file, then remove
// the copy. The copy is part of what a restore would cost in a real emergency, so it counts into restoreMs.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { DumpDirSourceConfig } from '../../../shared/config';
import type { Drill, DrillPhase, ObservedBackup } from '../../../shared/model';
import { formatBytes, formatDuration } from '../../../shared/units';
import { describeFetchFailure, fetchTar, tarComplaint, treeBytes } from '../remote';
import { ProbeError, type DrillContext } from '../probes/probe';
import { runDumpDrill } from './dump-drill';
import { writeOwnerFile } from './scratch-cluster';
import { dumpDrillOptions } from './source-dump-drill';

export const COPY_DRILL_PREFIX = 'backup-health-copy-';

export async function runRemoteDumpDrill(source: DumpDirSourceConfig & { host: string }, backup: ObservedBackup, ctx: DrillContext): Promise<Drill> {
  const startedAt = ctx.now();
  const started = performance.now();
  const host = source.host;
  const name = posix.basename(backup.key);
  const report = (phase: DrillPhase, done: number, total: number, detail?: string, unit?: 'bytes') => {
    try {
      ctx.onProgress({ sourceId: source.id, backupKey: backup.key, phase, done, total, ...(detail ? { detail } : {}), ...(unit ? { unit } : {}) });
    } catch {
      // a listener's bug must not break the drill
    }
  };
  const failed = (message: string, phases: Drill['phases']): Drill => ({
    sourceId: source.id,
    backupKey: backup.key,
    startedAt,
    finishedAt: ctx.now(),
    outcome: 'error',
    phases,
    restoreMs: null,
    tables: 0,
    rows: 0,
    restoredBytes: null,
    checks: [],
    message,
  });
  let top: string | undefined;
  try {
    report('prepare', 0, 0);
    top = await mkdtemp(join(ctx.config.defaults.drillDir ?? tmpdir(), COPY_DRILL_PREFIX));
    writeOwnerFile(top, `copy of ${backup.key} from ${host}`);
    const copyDir = join(top, 'copy');
    await mkdir(copyDir, { mode: 0o700 });
    const prepareMs = Math.round(performance.now() - started);
    report('copy', 0, backup.sizeBytes, `from ${host}`, 'bytes');
    const copyStarted = performance.now();
    const fetched = await fetchTar(source, 'tar', ['-C', posix.dirname(backup.key), '-cf', '-', '--', name], copyDir, {
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
      onProgress: ({ bytes }) => report('copy', Math.min(bytes, backup.sizeBytes), backup.sizeBytes, `from ${host}`, 'bytes'),
    });
    const copyMs = Math.round(performance.now() - copyStarted);
    const phases = { prepare: prepareMs, copy: copyMs };
    if (ctx.signal.aborted) return failed(`the drill was stopped while copying ${name} from ${host}`, phases);
    const why = describeFetchFailure(fetched, 'tar', host);
    if (why) return failed(`copying ${backup.key} from ${host} failed: ${tarComplaint(fetched.remote.stderr) ?? why}`, phases);
    const local = join(copyDir, name);
    const copiedBytes = await treeBytes(local);
    if (copiedBytes !== backup.sizeBytes) {
      return failed(`${backup.key} on ${host} changed since it was observed (${formatBytes(backup.sizeBytes)}, copied ${formatBytes(copiedBytes)}): drill it again after the next poll`, phases);
    }
    const restored = await runDumpDrill({
      ...dumpDrillOptions(source, { ...backup, key: local }, ctx),
      timeoutMs: Math.max(1000, ctx.timeoutMs - (performance.now() - started)),
      onProgress: (p) => report(p.phase, p.done, p.total, p.detail, p.unit),
    });
    return {
      ...restored,
      backupKey: backup.key,
      startedAt,
      phases: { ...restored.phases, prepare: (restored.phases.prepare ?? 0) + prepareMs, copy: copyMs },
      restoreMs: restored.restoreMs === null ? null : restored.restoreMs + copyMs,
      message: `copied from ${host} (${formatBytes(copiedBytes)} in ${formatDuration(copyMs)}); ${restored.message.split(local).join(backup.key)}`,
    };
  } catch (err) {
    const message = err instanceof ProbeError ? err.message : `the drill itself failed: ${(err as Error).message}`;
    return failed(`copying ${backup.key} from ${host} failed: ${message}`, {});
  } finally {
    if (top) await rm(top, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
  }
}
