// The tree a restic drill restored (or copied) into its temp dir: its counts, the pg_dump output in it, and
// its removal, also through directories restored without write permission.
import { chmod, lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObservedBackup } from '../../../shared/model';
import { readDirectoryDumpHeader, readDumpFileHeader } from '../probes/dump-header';

/** Files whose header is read looking for pg_dump output; a snapshot of a whole server is not searched further. */
const MAX_DUMP_CANDIDATES = 2000;

export interface TreeTotals {
  /** Every file, directory, link and special file, as restic counts nodes. */
  nodes: number;
  /** Bytes of regular files; a file with several hard links once, as restic stats counts it. */
  bytes: number;
  files: { path: string; size: number; mtimeMs: number }[];
  /** Directories holding a toc.dat: directory-format dump candidates. */
  tocDirs: string[];
}

export async function walk(dir: string): Promise<TreeTotals> {
  const totals: TreeTotals = { nodes: 0, bytes: 0, files: [], tocDirs: [] };
  await walkInto(dir, totals, new Set());
  return totals;
}

async function walkInto(path: string, totals: TreeTotals, linked: Set<string>): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch {
    return;
  }
  totals.nodes++;
  if (stats.isFile()) {
    const inode = `${stats.dev}:${stats.ino}`;
    if (stats.nlink < 2 || !linked.has(inode)) totals.bytes += stats.size;
    if (stats.nlink > 1) linked.add(inode);
    totals.files.push({ path, size: stats.size, mtimeMs: stats.mtimeMs });
  } else if (stats.isDirectory()) {
    const names = await readdir(path).catch(() => [] as string[]);
    if (names.includes('toc.dat')) totals.tocDirs.push(path);
    for (const name of names) await walkInto(join(path, name), totals, linked);
  }
}

/** The newest readable pg_dump output in the tree (by its header's creation time, else mtime). */
export async function newestDump(tree: TreeTotals): Promise<ObservedBackup | null> {
  const candidates: ObservedBackup[] = [];
  const inToc = (p: string) => tree.tocDirs.some((d) => p.startsWith(`${d}/`));
  for (const file of tree.files.filter((f) => f.size > 0 && !inToc(f.path)).slice(0, MAX_DUMP_CANDIDATES)) {
    const reading = await readDumpFileHeader(file.path, file.size);
    if (!reading.readable || reading.header.format === 'unknown' || reading.clusterDump) continue;
    candidates.push({ key: file.path, type: 'dump', finishedAt: reading.header.createdAt ?? Math.trunc(file.mtimeMs), sizeBytes: file.size, readable: true, meta: { header: reading.header } });
  }
  for (const dir of tree.tocDirs) {
    const reading = await readDirectoryDumpHeader(dir);
    if (!reading.readable || reading.header.format === 'unknown') continue;
    const size = tree.files.filter((f) => f.path.startsWith(`${dir}/`)).reduce((sum, f) => sum + f.size, 0);
    candidates.push({ key: dir, type: 'dump', finishedAt: reading.header.createdAt ?? 0, sizeBytes: size, readable: true, meta: { header: reading.header } });
  }
  return candidates.sort((a, b) => b.finishedAt - a.finishedAt)[0] ?? null;
}

/** rm -rf, also through directories a snapshot restored without write permission. */
export async function removeTree(dir: string): Promise<void> {
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
