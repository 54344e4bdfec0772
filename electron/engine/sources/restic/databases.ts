// What databases a restic repository's newest snapshots hold pg_dump output of (held-databases.ts): `restic ls
// --json ID` lists the snapshot, `restic dump ID PATH` streams a file's first 8 KB, here or on `host`. Read
// once per snapshot (they never change) and kept in memory by repository and id.
import type { ResticSourceConfig } from '../../../../shared/config';
import type { ObservedBackup } from '../../../../shared/model';
import { describeSshFailure, runTool } from '../../remote';
import { HeadCollector, HeadComplete, ListingCollector, databasesNamed, newestOfEachJob } from '../held-databases';
import { resticError, resticInvocation, runRestic } from './restic-command';

/** Database names by "host\0repo\0snapshot id". */
const held = new Map<string, string[]>();

/**
 * Sets meta.databases on the newest snapshot of each job (restic's host and paths) among `backups`, reading
 * what is not known yet until `deadline` (performance.now()). A snapshot whose reading failed or ran out of
 * time gets what was found and is read again at the next poll; a poll never fails because of it.
 */
export async function attachResticDatabases(source: ResticSourceConfig, backups: ObservedBackup[], signal: AbortSignal, deadline: number): Promise<void> {
  for (const backup of newestOfEachJob(backups, jobOf)) {
    const key = `${source.host ?? ''}\0${source.repo}\0${backup.key}`;
    let databases = held.get(key);
    if (!databases && performance.now() < deadline && !signal.aborted) {
      const read = await readSnapshot(source, backup.key, signal, deadline).catch(() => null);
      if (read?.complete) held.set(key, read.databases);
      databases = read?.databases;
    }
    if (databases) backup.meta = { ...backup.meta, databases };
  }
}

function jobOf(backup: ObservedBackup): string {
  const paths = Array.isArray(backup.meta?.paths) ? [...(backup.meta.paths as string[])].sort() : [];
  return JSON.stringify([backup.meta?.hostname ?? null, paths]);
}

async function readSnapshot(source: ResticSourceConfig, id: string, signal: AbortSignal, deadline: number): Promise<{ databases: string[]; complete: boolean }> {
  const remaining = () => Math.max(1, deadline - performance.now());
  const listing = new ListingCollector();
  let partial = '';
  const take = (line: string) => {
    let node: { struct_type?: string; type?: string; path?: string; size?: number; mtime?: string };
    try {
      node = JSON.parse(line) as typeof node;
    } catch {
      return;
    }
    if (node.struct_type !== 'node' || node.type !== 'file' || typeof node.path !== 'string') return;
    listing.add({ path: node.path, size: node.size ?? 0, mtimeMs: Date.parse(node.mtime ?? '') || 0 });
  };
  await runRestic(source, ['ls', '--json', id], {
    noLock: true,
    timeoutMs: remaining(),
    signal,
    maxOutputBytes: 64 * 1024,
    onStdout: (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line) take(line);
    },
  });
  if (partial) take(partial);
  return databasesNamed(listing.candidates(), (path, readSignal) => readHead(source, id, path, readSignal, remaining()), signal);
}

/** The first 8 KB of `path` in snapshot `id`: restic dump is stopped once they are in. */
async function readHead(source: ResticSourceConfig, id: string, path: string, signal: AbortSignal, timeoutMs: number): Promise<Buffer> {
  const { args, password, ...environment } = await resticInvocation(source, ['dump', id, path], true);
  const head = new HeadCollector();
  // Stopped on purpose, ssh exits 255 like a failed login: whether ssh failed is asked only when no head came.
  const result = await runTool(source, 'restic', args, { ...environment, signal, timeoutMs, stdoutTo: head, maxOutputBytes: 64 * 1024, returnSshFailures: true });
  if (result.outputError instanceof HeadComplete) return head.head();
  if (result.code === 0 && !result.timedOut && !result.aborted && !result.outputError) return head.head();
  throw (source.host ? describeSshFailure(result, source.host) : null) ?? resticError(source, 'dump', result, password);
}
