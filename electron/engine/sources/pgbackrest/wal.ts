// The WAL a pgBackRest backup needs to reach consistency (from its start to its stop segment, plus the timeline
// history files), as the repository lists it, and fetching it into a drill's directory. The restored cluster
// then replays it with a restore_command that only copies from that directory: inside the sandbox it can reach
// nothing else, and the backup's own restore_command or archive settings are never used.
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure } from '../../exec';
import { PGBACKREST, pgbackrestError, pgbackrestOptions, readStanzaInfo, type PgBackRestLocation } from './pgbackrest-command';
import { runTool, shellQuote } from '../../remote';
import { drillError, fail } from '../../drills/drill-stop';
import type { ScratchCluster } from '../../drills/scratch-cluster';

const where = (source: PgBackRestLocation) => (source.host ? `on ${source.host}` : 'here');

/** The WAL `label` needs and its database size; fails when a segment it needs is not in the archive. */
export async function walForBackup(source: PgBackRestLocation, label: string, repoKey: number | undefined, signal: AbortSignal, remaining: () => number): Promise<{ wal: string[]; total: number }> {
  const stanza = await readStanzaInfo(source, signal, remaining());
  const backup = stanza.backup?.find((b) => b.label === label && (repoKey === undefined || (b.database?.['repo-key'] ?? 1) === repoKey));
  if (!backup) throw fail(`${label} is no longer in stanza ${source.stanza} ${where(source)} (pgbackrest info does not list it)`);
  const archiveId = stanza.archive?.find((a) => a.database?.id === backup.database?.id && (a.database?.['repo-key'] ?? 1) === (backup.database?.['repo-key'] ?? 1))?.id;
  const start = backup.archive?.start;
  const stop = backup.archive?.stop;
  if (!archiveId || !start || !stop) throw drillError(`pgbackrest info ${where(source)} does not say which WAL ${label} needs (archive id, start and stop)`);
  const wal = await walNeeded(source, archiveId, start, stop, signal, remaining);
  const missing = [...new Set([start, stop])].filter((segment) => !wal.includes(segment));
  if (missing.length > 0) throw fail(`the WAL ${label} needs to be consistent is missing from the archive ${where(source)}: ${missing.join(', ')}`);
  return { wal, total: backup.info.size };
}

/**
 * `pgbackrest archive-get` of each WAL file into <cluster.dir>/wal, as Backup Health's own user (who reads the
 * repository for every poll), handed to the cluster's user; returns the restore_command that copies from there.
 */
export async function fetchWalHere(source: PgBackRestLocation, repoKey: number | undefined, wal: readonly string[], cluster: ScratchCluster, signal: AbortSignal, remaining: () => number): Promise<string> {
  const dir = join(cluster.dir, 'wal');
  mkdirSync(dir, { mode: 0o700 });
  for (const name of wal) {
    const got = await runTool(source, PGBACKREST, [...pgbackrestOptions(source, repoKey), 'archive-get', name, join(dir, name)], { signal, timeoutMs: remaining() });
    if (got.code !== 0) throw fail(`the WAL the backup needs cannot be read from the archive: ${describeFailure(got, `pgbackrest archive-get ${name}`)}`);
    if (cluster.owner) chownSync(join(dir, name), cluster.owner.uid, cluster.owner.gid);
  }
  if (cluster.owner) chownSync(dir, cluster.owner.uid, cluster.owner.gid);
  return `cp ${shellQuote([dir])}/%f "%p"`;
}

/**
 * The WAL files from `start` to `stop` in the archive (segment names), and the timeline history files up to
 * the backup's timeline, as `pgbackrest repo-ls` of the archive's log directories lists them.
 */
async function walNeeded(source: PgBackRestLocation, archiveId: string, start: string, stop: string, signal: AbortSignal, remaining: () => number): Promise<string[]> {
  const timeline = start.slice(0, 8);
  const dirs = [''];
  for (let log = Number.parseInt(start.slice(8, 16), 16); log <= Number.parseInt(stop.slice(8, 16), 16); log++) dirs.push(timeline + log.toString(16).toUpperCase().padStart(8, '0'));
  const names = new Set<string>();
  for (const dir of dirs) {
    const path = `archive/${source.stanza}/${archiveId}${dir ? `/${dir}` : ''}`;
    const listed = await runTool(source, PGBACKREST, [...pgbackrestOptions(source), 'repo-ls', path, '--output=json'], { signal, timeoutMs: remaining() });
    if (listed.code !== 0) throw drillError(`could not list the WAL archive ${where(source)}: ${pgbackrestError(listed, source, 'repo-ls').message}`);
    let entries: Record<string, unknown>;
    try {
      entries = JSON.parse(listed.stdout) as Record<string, unknown>;
    } catch {
      throw drillError(`pgbackrest repo-ls ${where(source)} did not print JSON (got ${JSON.stringify(listed.stdout.slice(0, 80))})`);
    }
    for (const name of Object.keys(entries)) {
      const segment = /^[0-9A-F]{24}/.exec(name)?.[0];
      if (dir && segment && segment >= start && segment <= stop) names.add(segment);
      const history = /^([0-9A-F]{8})\.history$/.exec(name);
      if (!dir && history && history[1]! <= timeline) names.add(name);
    }
  }
  return [...names].sort();
}

