// What databases a borg repository's newest archives hold pg_dump output of (held-databases.ts): `borg list
// --json-lines REPO::ARCHIVE` lists the archive, `borg extract --stdout REPO::ARCHIVE pp:PATH` streams a file's
// first 8 KB, here or on `host`. Read once per archive (they never change) and kept in memory by repository
// and archive id.
import type { BorgSourceConfig } from '../../../../shared/config';
import type { ObservedBackup } from '../../../../shared/model';
import { describeSshFailure, runTool } from '../../remote';
import { borgCommonArgs, borgError, borgToolOptions, parseBorgTime } from './borg-run';
import { HeadCollector, HeadComplete, ListingCollector, databasesNamed, newestOfEachJob } from '../held-databases';

/** Database names by "host|repo|archive id". */
const held = new Map<string, string[]>();

/**
 * Sets meta.databases on the newest archive of each job (its name without digits: orders-2024-05-02 and
 * orders-2024-05-03 are one job) among `backups`, reading what is not known yet until `deadline`
 * (performance.now()). An archive whose reading failed or ran out of time gets what was found and is read again
 * at the next poll; a poll never fails because of it.
 */
export async function attachBorgDatabases(source: BorgSourceConfig, passphrase: string, backups: ObservedBackup[], signal: AbortSignal, deadline: number): Promise<void> {
  for (const backup of newestOfEachJob(backups, (b) => b.key.replace(/\d+/g, '#'))) {
    const key = `${source.host ?? ''}|${source.repo}|${String(backup.meta?.archiveId ?? backup.key)}`;
    let databases = held.get(key);
    if (!databases && performance.now() < deadline && !signal.aborted) {
      const read = await readArchive(source, passphrase, backup.key, signal, deadline).catch(() => null);
      if (read?.complete) held.set(key, read.databases);
      databases = read?.databases;
    }
    if (databases) backup.meta = { ...backup.meta, databases };
  }
}

async function readArchive(source: BorgSourceConfig, passphrase: string, name: string, signal: AbortSignal, deadline: number): Promise<{ databases: string[]; complete: boolean }> {
  const remaining = () => Math.max(1, deadline - performance.now());
  const archive = `${source.repo}::${name}`;
  const options = borgToolOptions(source, passphrase);
  const listing = new ListingCollector();
  let partial = '';
  const take = (line: string) => {
    let entry: { type?: string; path?: string; size?: number; mtime?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    // '-' is a regular file; a hard link ('h') is the same data under another name.
    if (entry.type !== '-' || typeof entry.path !== 'string') return;
    listing.add({ path: entry.path, size: entry.size ?? 0, mtimeMs: parseBorgTime(entry.mtime) ?? 0 });
  };
  const listed = await runTool(source, 'borg', [...borgCommonArgs(), 'list', '--json-lines', archive], {
    ...options,
    signal,
    timeoutMs: remaining(),
    maxOutputBytes: 64 * 1024,
    onStdout: (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line) take(line);
    },
  });
  if (listed.code !== 0) throw borgError(source, listed);
  if (partial) take(partial);
  const readHead = async (path: string, readSignal: AbortSignal) => {
    const head = new HeadCollector();
    // pp: a path prefix, never a pattern: a file named "orders[1].dump" is that file.
    // Stopped on purpose, ssh exits 255 like a failed login: whether ssh failed is asked only when no head came.
    const result = await runTool(source, 'borg', [...borgCommonArgs(), 'extract', '--stdout', archive, `pp:${path}`], { ...options, signal: readSignal, timeoutMs: remaining(), stdoutTo: head, maxOutputBytes: 64 * 1024, returnSshFailures: true });
    if (result.outputError instanceof HeadComplete) return head.head();
    if (result.code === 0 && !result.timedOut && !result.aborted && !result.outputError) return head.head();
    throw (source.host ? describeSshFailure(result, source.host) : null) ?? borgError(source, result);
  };
  return databasesNamed(listing.candidates(), readHead, signal);
}
