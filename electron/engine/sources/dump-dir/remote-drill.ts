// A drill of a dump kept on another host: copy it here over ssh (a tar stream, so a directory-format dump
// comes whole and the bytes count as progress), then the same dump drill as for a local file, then remove
// the copy, all in one drill frame (drill-frame.ts). The copy is part of what a restore would cost in a real
// emergency, so it counts into restoreMs.
import { chown, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { DumpDirSourceConfig } from '../../../../shared/config';
import type { Drill, ObservedBackup } from '../../../../shared/model';
import { formatBytes, formatDuration } from '../../../../shared/units';
import { describeFetchFailure, fetchTar, tarComplaint, treeBytes } from '../../remote-fetch';
import type { DrillContext } from '../probe';
import { ProbeError } from '../../errors';
import { runDrill, type DrillFrame } from '../../drills/drill-frame';
import { restoreDump } from '../../drills/dump-drill';
import { TAR, jailForDrill } from '../../drills/drill-jail';
import { withToolVersions } from '../../drills/tool-versions';
import { DrillStop, drillError } from '../../drills/restore-plan';
import { dumpDrillOptions } from '../../drills/source-dump-drill';


export function runRemoteDumpDrill(source: DumpDirSourceConfig & { host: string }, backup: ObservedBackup, ctx: DrillContext): Promise<Drill> {
  // Evidence: tar on the host that sends the copy and tar here that unpacks it; the dump drill adds pg_restore or psql.
  const tools = [{ name: 'tar', where: source }, { name: 'tar', command: TAR }];
  return runDrill({ ...ctx, sourceId: source.id, backupKey: backup.key }, (frame) => withToolVersions(frame, tools, () => drill(source, backup, ctx, frame)));
}

async function drill(source: DumpDirSourceConfig & { host: string }, backup: ObservedBackup, ctx: DrillContext, frame: DrillFrame): Promise<string> {
  const host = source.host;
  const name = posix.basename(backup.key);
  frame.progress(0, 0, { force: true });
  // Unpacked by the drill's user in its sandbox, like every tree a drill brings here (drill-jail.ts).
  const jail = await jailForDrill(frame, ctx.config.defaults.drillDir ?? tmpdir(), `copy of ${backup.key} from ${host}`);
  const copyDir = join(jail.dir, 'copy');
  await mkdir(copyDir, { mode: 0o700 });
  if (jail.runAs) await chown(copyDir, jail.runAs.uid, jail.runAs.gid);

  frame.enter('copy', backup.sizeBytes, { detail: `from ${host}`, unit: 'bytes' });
  let fetched: Awaited<ReturnType<typeof fetchTar>>;
  try {
    fetched = await fetchTar(source, 'tar', ['-C', posix.dirname(backup.key), '-cf', '-', '--', name], copyDir, {
      signal: frame.signal,
      timeoutMs: frame.remaining(),
      untar: jail.untar,
      onProgress: ({ bytes }) => frame.progress(Math.min(bytes, backup.sizeBytes), backup.sizeBytes, { detail: `from ${host}`, unit: 'bytes' }),
    });
  } catch (err) {
    if (err instanceof ProbeError) throw drillError(`copying ${backup.key} from ${host} failed: ${err.message}`);
    throw err;
  }
  frame.throwIfStopped();
  const why = describeFetchFailure(fetched, 'tar', host);
  if (why) throw drillError(`copying ${backup.key} from ${host} failed: ${tarComplaint(fetched.remote.stderr) ?? why}`);
  const local = join(copyDir, name);
  const copiedBytes = await treeBytes(local);
  if (copiedBytes !== backup.sizeBytes) {
    throw drillError(`${backup.key} on ${host} changed since it was observed (${formatBytes(backup.sizeBytes)}, copied ${formatBytes(copiedBytes)}): drill it again after the next poll`);
  }
  const copied = `copied from ${host} (${formatBytes(copiedBytes)} in ${formatDuration(frame.inPhaseMs())})`;
  // The dump drill's steps run in this frame, on the copy; its messages name the file where it is kept.
  const asKept = (text: string) => `${copied}; ${text.split(local).join(backup.key)}`;
  try {
    return asKept(await restoreDump(frame, dumpDrillOptions(source, { ...backup, key: local }, ctx)));
  } catch (err) {
    if (err instanceof DrillStop && !frame.signal.aborted) throw new DrillStop(err.outcome, asKept(err.message));
    throw err;
  }
}
