// A tar-format pg_basebackup run unpacked into a drill's scratch cluster, the same for every kind that keeps one
// (a basebackup source's `pg_basebackup -Ft` runs; Barman's backups taken with backup_compression, whose data/
// holds what pg_basebackup wrote): base.tar* into the data directory, pg_wal.tar* into pg_wal, each <oid>.tar*
// inside the drill's directory with tablespace_map rewritten to point there — never at the server's own paths.
// Each file is sent as it is (cat, here or on the host) and unpacked by tar in the drill's sandbox with its own
// compression (gzip, zstd, lz4), so the decompressor reads the hostile bytes inside the sandbox too.
import { chownSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTool, type Where } from '../remote';
import type { DrillFrame } from './drill-frame';
import type { DrillJail } from './drill-jail';
import { fail } from './drill-stop';
import { ownedDir, unpackInto, verifyAgainstManifest } from './physical-unpack';
import type { ScratchCluster } from './scratch-cluster';

/** tar's option for each compression of a run's files; the decompressor runs inside the sandbox with tar. */
export const TAR_DECOMPRESS: Readonly<Record<TarCompression, string[]>> = { none: [], gzip: ['--gzip'], zstd: ['--zstd'], lz4: ['--use-compress-program=lz4 -d'] };
export type TarCompression = 'none' | 'gzip' | 'zstd' | 'lz4';

export interface TarRun {
  /** The directory holding base.tar*, pg_wal.tar*, <oid>.tar* and backup_manifest (here, or on `where`'s host). */
  dir: string;
  /** The run in a sysadmin's words, starting a sentence ("base backup 20261204T0100", "Barman backup 20261204T120711"). */
  label: string;
  /** Bytes expected of base.tar, for the progress (0: unknown). */
  sizeBytes?: number;
}

/** A run file's compression, by its suffix. */
export function tarCompressionOf(name: string): TarCompression {
  return name.endsWith('.gz') ? 'gzip' : name.endsWith('.zst') ? 'zstd' : name.endsWith('.lz4') ? 'lz4' : 'none';
}

/** The names in a run's directory (here, or on the host). */
export async function listRunDir(where: Where, dir: string, frame: Pick<DrillFrame, 'signal' | 'remaining'>): Promise<string[]> {
  if (!where.host) return readdirSync(dir);
  const listed = await runTool(where, 'ls', ['-1A', '--', dir], { signal: frame.signal, timeoutMs: Math.min(60_000, frame.remaining()) });
  if (listed.code !== 0) throw fail(`could not list ${dir} on ${where.host}: ${listed.stderr.trim() || `ls exited with ${listed.code}`}`);
  return listed.stdout.split('\n').filter(Boolean);
}

/**
 * base.tar* into the data directory, pg_wal.tar* into pg_wal, <oid>.tar* into <drill>/tablespaces/<oid> with
 * tablespace_map rewritten to point there (PostgreSQL makes pg_tblspc/<oid> where the map says). `names`: the
 * run directory's listing (listRunDir). A run without base.tar, or naming a tablespace it lacks, fails the drill.
 */
export async function unpackTarRun(where: Where, run: TarRun, names: readonly string[], cluster: ScratchCluster, jail: DrillJail, frame: DrillFrame): Promise<void> {
  const tarOf = (stem: string) => names.find((n) => n === `${stem}.tar` || new RegExp(`^${stem}\\.tar\\.(gz|zst|lz4)$`).test(n));
  const unpack = (dest: string, name: string, what: string, total?: number) =>
    unpackInto(where, jail, frame, dest, 'cat', ['--', join(run.dir, name)], { what, tarOptions: TAR_DECOMPRESS[tarCompressionOf(name)], ...(total ? { total } : {}) });
  const base = tarOf('base');
  if (!base) throw fail(`${run.label} has no base.tar (found ${names.slice(0, 5).join(', ') || 'nothing'}): it cannot be restored as a tar-format base backup`);
  await unpack(cluster.dataDir, base, `unpacking ${base}`, run.sizeBytes);
  const wal = tarOf('pg_wal');
  if (wal) await unpack(ownedDir(cluster, join(cluster.dataDir, 'pg_wal')), wal, `unpacking ${wal}`);
  const mapFile = join(cluster.dataDir, 'tablespace_map');
  const map = existsSync(mapFile) ? readFileSync(mapFile, 'utf8') : '';
  const lines: string[] = [];
  for (const line of map.split('\n').filter(Boolean)) {
    const oid = /^(\d{1,10}) /.exec(line)?.[1];
    if (!oid) throw fail(`the tablespace_map of ${run.label} has a line that is not "<oid> <path>": it cannot be restored`);
    const tar = tarOf(oid);
    if (!tar) throw fail(`${run.label} names tablespace ${oid} in its tablespace_map but has no ${oid}.tar: it cannot be restored whole`);
    const dir = ownedDir(cluster, join(cluster.dir, 'tablespaces', oid));
    await unpack(dir, tar, `unpacking tablespace ${tar}`);
    lines.push(`${oid} ${dir}`);
  }
  if (map) {
    // PostgreSQL makes pg_tblspc/<oid> point where tablespace_map says: inside the drill's directory, never the server's paths.
    writeFileSync(mapFile, lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
    if (cluster.owner) chownSync(mapFile, cluster.owner.uid, cluster.owner.gid);
  }
}

/**
 * An unpacked tar run checked against its backup_manifest (drills/physical-unpack.ts verifyAgainstManifest): the
 * manifest copied beside the data directory, and each tablespace linked where tablespace_map says (pg_verifybackup
 * reads through the links). A manifest that cannot be read fails the drill.
 */
export async function verifyTarRunAgainstManifest(where: Where, run: TarRun, cluster: ScratchCluster, jail: DrillJail, frame: DrillFrame): Promise<void> {
  const manifest = join(cluster.dir, 'backup_manifest');
  const copied = await runTool(where, 'cat', ['--', join(run.dir, 'backup_manifest')], { signal: frame.signal, timeoutMs: frame.remaining(), maxOutputBytes: 1024 * 1024 * 1024 });
  if (copied.code !== 0) throw fail(`${run.label} lists a backup_manifest that cannot be read${where.host ? ` on ${where.host}` : ''}: ${copied.stderr.trim() || `cat exited with ${copied.code}`}`);
  writeFileSync(manifest, copied.stdout, { mode: 0o600 });
  if (cluster.owner) chownSync(manifest, cluster.owner.uid, cluster.owner.gid);
  const map = existsSync(join(cluster.dataDir, 'tablespace_map')) ? readFileSync(join(cluster.dataDir, 'tablespace_map'), 'utf8') : '';
  for (const [, oid, dir] of map.matchAll(/^(\d+) (.+)$/gm)) {
    const link = join(ownedDir(cluster, join(cluster.dataDir, 'pg_tblspc')), oid!);
    if (!existsSync(link)) symlinkSync(dir!, link);
  }
  await verifyAgainstManifest(cluster, jail, frame, run.label, manifest);
}
