// The tree a borg drill got out of an archive (extracted here, or copied from the backup host): its file count
// and bytes, to hold against the archive's own stats, and the pg_dump output in it.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readDirectoryDumpHeader, readDumpFileHeader, type DumpHeaderReading } from '../probes/dump-header';

/** Files whose first bytes are read to find pg_dump output; an archive of a whole server holds many. */
const MAX_DUMP_CANDIDATES = 10_000;

export interface ExtractedTree {
  files: number;
  bytes: number;
  dumps: { path: string; mtimeMs: number; size: number; reading: DumpHeaderReading }[];
}

/**
 * Counted as borg 1.2 counts nfiles and original_size: regular files only (not symlinks, fifos or devices), and a
 * set of hard links once (borg stores the data with the first and counts only that one; extract and export-tar
 * recreate them as links to one inode).
 */
export async function walkExtracted(root: string): Promise<ExtractedTree> {
  const tree: ExtractedTree = { files: 0, bytes: 0, dumps: [] };
  const inodes = new Set<number>();
  let candidates = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name.endsWith('.dump') || (await lstat(join(path, 'toc.dat')).then(() => true, () => false))) {
          const reading = await readDirectoryDumpHeader(path);
          if (reading.readable && reading.header.format === 'directory') tree.dumps.push({ path, mtimeMs: (await lstat(path)).mtimeMs, size: 0, reading });
        }
        await walk(path);
        continue;
      }
      if (!entry.isFile()) continue;
      const stats = await lstat(path);
      if (stats.nlink > 1) {
        if (inodes.has(stats.ino)) continue;
        inodes.add(stats.ino);
      }
      tree.files += 1;
      tree.bytes += stats.size;
      if (candidates++ >= MAX_DUMP_CANDIDATES || stats.size === 0) continue;
      const reading = await readDumpFileHeader(path, stats.size);
      if (reading.readable && reading.header.format !== 'unknown' && !reading.clusterDump) tree.dumps.push({ path, mtimeMs: stats.mtimeMs, size: stats.size, reading });
    }
  };
  await walk(root);
  return tree;
}

/** The newest dump by the time pg_dump wrote in it, else by the file's time (borg restores mtimes). */
export function newestDump(tree: ExtractedTree): ExtractedTree['dumps'][number] | undefined {
  const when = (d: ExtractedTree['dumps'][number]) => d.reading.header.createdAt ?? d.mtimeMs;
  return [...tree.dumps].sort((a, b) => when(b) - when(a) || (a.path < b.path ? -1 : 1))[0];
}
