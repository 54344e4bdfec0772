// The WAL a drill of a pgBackRest backup replays (to its consistency point: its start to its stop segment; or to
// the end of the archive: everything archived from its start on), with the timeline history files, as the
// repository lists it, and fetching it into a drill's directory. The restored cluster
// then replays it with a restore_command that only copies from that directory: inside the sandbox it can reach
// nothing else, and the backup's own restore_command or archive settings are never used.
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure } from '../../exec';
import { PGBACKREST, pgbackrestError, pgbackrestOptions, readStanzaInfo, type PgBackRestLocation } from './pgbackrest-command';
import { runTool } from '../../remote';
import { repoReachProblem } from './repo-reach';
import { drillError, fail } from '../../drills/drill-stop';
import type { RecoveryMode } from '../../drills/wal-replay';
import type { ScratchCluster } from '../../drills/scratch-cluster';

const where = (source: PgBackRestLocation) => (source.host ? `on ${source.host}` : 'here');

/** What a drill of one backup set replays: the WAL files to fetch, their archive times, the backup's size. */
export interface WalToFetch {
  /** Segment names and timeline history files, as archive-get takes them. */
  wal: string[];
  /** Archive time (ms) of each segment, where repo-ls says. */
  archivedAt: Map<string, number>;
  /** The backup's database size (for the copy's progress). */
  total: number;
}

/**
 * The WAL `label` needs: to be consistent (`backup-end`: its start to its stop segment), or everything archived
 * from its start on (`end-of-archive`: every timeline from the backup's on, which recovery follows to the
 * latest); with the timeline history files. Fails when a segment it needs to be consistent is not archived.
 */
export async function walForBackup(source: PgBackRestLocation, label: string, repoKey: number | undefined, signal: AbortSignal, remaining: () => number, mode: RecoveryMode = 'backup-end'): Promise<WalToFetch> {
  const stanza = await readStanzaInfo(source, signal, remaining());
  const backup = stanza.backup?.find((b) => b.label === label && (repoKey === undefined || (b.database?.['repo-key'] ?? 1) === repoKey));
  if (!backup) throw fail(`${label} is no longer in stanza ${source.stanza} ${where(source)} (pgbackrest info does not list it)`);
  const archiveId = stanza.archive?.find((a) => a.database?.id === backup.database?.id && (a.database?.['repo-key'] ?? 1) === (backup.database?.['repo-key'] ?? 1))?.id;
  const start = backup.archive?.start;
  const stop = backup.archive?.stop;
  if (!archiveId || !start || !stop) throw drillError(`pgbackrest info ${where(source)} does not say which WAL ${label} needs (archive id, start and stop)`);
  const archive = await listArchive(source, archiveId, signal, remaining);
  const timeline = start.slice(0, 8);
  const wanted = (segment: string) => (mode === 'backup-end' ? segment.startsWith(timeline) && segment >= start && segment <= stop : segment.slice(0, 8) >= timeline && segment.slice(8) >= start.slice(8));
  const segments = [...archive.segments.keys()].filter(wanted);
  const missing = [...new Set([start, stop])].filter((segment) => !archive.segments.has(segment));
  if (missing.length > 0) throw fail(`the WAL ${label} needs to be consistent is missing from the archive ${where(source)}: ${missing.join(', ')}`);
  const histories = archive.histories.filter((name) => mode === 'end-of-archive' || name.slice(0, 8) <= timeline);
  const archivedAt = new Map<string, number>();
  for (const segment of segments) {
    const at = archive.segments.get(segment);
    if (at !== undefined) archivedAt.set(segment, at);
  }
  return { wal: [...histories, ...segments].sort(), archivedAt, total: backup.info.size };
}

const FETCH_CONCURRENCY = 4;

/**
 * `pgbackrest archive-get` of each WAL file into <cluster.dir>/wal (a few at a time), as Backup Health's own
 * user (who reads the repository for every poll), handed to the cluster's user. `onFetched` counts them.
 */
export async function fetchWalHere(source: PgBackRestLocation, repoKey: number | undefined, wal: readonly string[], cluster: ScratchCluster, signal: AbortSignal, remaining: () => number, onFetched: (done: number) => void = () => {}): Promise<void> {
  const dir = join(cluster.dir, 'wal');
  mkdirSync(dir, { mode: 0o700 });
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < wal.length) {
      signal.throwIfAborted();
      const name = wal[next++]!;
      const got = await runTool(source, PGBACKREST, [...pgbackrestOptions(source, repoKey), 'archive-get', name, join(dir, name)], { signal, timeoutMs: remaining() });
      const unreachable = got.code !== 0 ? repoReachProblem(got.stderr, source.host ? ` on ${source.host}` : '') : null;
      if (unreachable) throw drillError(`pgbackrest archive-get could not read the WAL archive: ${unreachable.message}`);
      if (got.code !== 0) throw fail(`the WAL the backup needs cannot be read from the archive: ${describeFailure(got, `pgbackrest archive-get ${name}`)}`);
      if (cluster.owner) chownSync(join(dir, name), cluster.owner.uid, cluster.owner.gid);
      onFetched(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, wal.length) }, worker));
  if (cluster.owner) chownSync(dir, cluster.owner.uid, cluster.owner.gid);
}

/**
 * The stanza's archive for one database version, in one `pgbackrest repo-ls --recurse`: each segment (the
 * 24-character name; a `.partial` is not one) with its archive time, and the timeline history files.
 */
async function listArchive(source: PgBackRestLocation, archiveId: string, signal: AbortSignal, remaining: () => number): Promise<{ segments: Map<string, number | undefined>; histories: string[] }> {
  const path = `archive/${source.stanza}/${archiveId}`;
  const listed = await runTool(source, PGBACKREST, [...pgbackrestOptions(source), 'repo-ls', path, '--recurse', '--output=json'], { signal, timeoutMs: remaining(), maxOutputBytes: 256 * 1024 * 1024 });
  if (listed.code !== 0) throw drillError(`could not list the WAL archive ${where(source)}: ${pgbackrestError(listed, source, 'repo-ls').message}`);
  let entries: Record<string, { type?: string; time?: number }>;
  try {
    entries = JSON.parse(listed.stdout) as typeof entries;
  } catch {
    throw drillError(`pgbackrest repo-ls ${where(source)} did not print JSON (got ${JSON.stringify(listed.stdout.slice(0, 80))})`);
  }
  const segments = new Map<string, number | undefined>();
  const histories: string[] = [];
  for (const [key, entry] of Object.entries(entries)) {
    const name = key.slice(key.lastIndexOf('/') + 1);
    const segment = /^([0-9A-F]{24})-[0-9a-f]{40}(\.\w+)?$/.exec(name)?.[1];
    const time = typeof entry.time === 'number' ? entry.time * 1000 : undefined;
    if (segment) segments.set(segment, time);
    else if (/^[0-9A-F]{8}\.history$/.test(name)) histories.push(name);
  }
  return { segments, histories };
}

