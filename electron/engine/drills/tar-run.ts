// A tar-format pg_basebackup run unpacked into a drill's scratch cluster, the same for every kind that keeps one
// (a basebackup source's `pg_basebackup -Ft` runs; Barman's backups taken with backup_compression, whose data/
// holds what pg_basebackup wrote): base.tar* into the data directory, pg_wal.tar* into pg_wal, each <oid>.tar*
// inside the drill's directory with tablespace_map rewritten to point there — never at the server's own paths.
// Each file is sent as it is (cat, here or on the host) and unpacked by tar in the drill's sandbox with its own
// compression (gzip, zstd, lz4), so the decompressor reads the hostile bytes inside the sandbox too.
// The run's checksum (issue 17, TarRunHashes) is taken from the same reads: each file hashed while tar reads it.
import { chownSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTool, type Where } from '../remote';
import { HashingSink, manifestOf, memberAlongside, type ChecksumOutcome, type MemberHash } from './backup-checksum';
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
export async function unpackTarRun(where: Where, run: TarRun, names: readonly string[], cluster: ScratchCluster, jail: DrillJail, frame: DrillFrame, hashes?: TarRunHashes): Promise<void> {
  const tarOf = (stem: string) => names.find((n) => n === `${stem}.tar` || new RegExp(`^${stem}\\.tar\\.(gz|zst|lz4)$`).test(n));
  const unpack = (dest: string, name: string, what: string, total?: number) => {
    hashes?.alongside(name);
    return unpackInto(where, jail, frame, dest, 'cat', ['--', join(run.dir, name)], { what, tarOptions: TAR_DECOMPRESS[tarCompressionOf(name)], ...(total ? { total } : {}) });
  };
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
  hashes?.finish(names);
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
export async function verifyTarRunAgainstManifest(where: Where, run: TarRun, cluster: ScratchCluster, jail: DrillJail, frame: DrillFrame, hashes?: TarRunHashes): Promise<void> {
  const manifest = join(cluster.dir, 'backup_manifest');
  // Copied as bytes (a manifest is JSON, but a hostile one need not be UTF-8), and hashed as they pass.
  const sink = new HashingSink(1024 * 1024 * 1024);
  const copied = await runTool(where, 'cat', ['--', join(run.dir, 'backup_manifest')], { signal: frame.signal, timeoutMs: frame.remaining(), stdoutTo: sink });
  if (copied.code !== 0) throw fail(`${run.label} lists a backup_manifest that cannot be read${where.host ? ` on ${where.host}` : ''}: ${copied.stderr.trim() || `cat exited with ${copied.code}`}`);
  hashes?.passed('backup_manifest', sink);
  writeFileSync(manifest, sink.contents(), { mode: 0o600 });
  if (cluster.owner) chownSync(manifest, cluster.owner.uid, cluster.owner.gid);
  const map = existsSync(join(cluster.dataDir, 'tablespace_map')) ? readFileSync(join(cluster.dataDir, 'tablespace_map'), 'utf8') : '';
  for (const [, oid, dir] of map.matchAll(/^(\d+) (.+)$/gm)) {
    const link = join(ownedDir(cluster, join(cluster.dataDir, 'pg_tblspc')), oid!);
    if (!existsSync(link)) symlinkSync(dir!, link);
  }
  await verifyAgainstManifest(cluster, jail, frame, run.label, manifest);
}

/**
 * A tar run's checksum (issue 17), taken from the drill's own reads: each file hashed while tar unpacks it (a
 * second read beside cat's, started with it, so the page cache serves both), the backup_manifest as it passes
 * through here for pg_verifybackup. The checksum is manifestOf the run's files: `(cd DIR && LC_ALL=C ls | xargs
 * sha256sum) | sha256sum` of a directory holding only them. A file the restore did not read (a run without its
 * manifest checked, a stray file) is hashed when the restore is done; dot-files are left out, as ls leaves
 * them. Links are never followed: a run holding one has no checksum. On another host the files go from ssh
 * straight into tar without passing through here, and a second read over the network would double the copy:
 * such a run has none, and says so.
 */
export class TarRunHashes {
  private readonly members = new Map<string, Promise<MemberHash | null>>();
  private readWhole = false;

  constructor(
    private readonly where: Where,
    private readonly dir: string,
    private readonly signal: AbortSignal,
  ) {}

  /** `name` hashed while a tool here reads it; on another host, nothing. */
  alongside(name: string): void {
    if (!this.where.host && !this.members.has(name)) this.members.set(name, memberAlongside(this.dir, name, this.signal));
  }

  /** `name`'s bytes, hashed as they passed through here. */
  passed(name: string, sink: HashingSink): void {
    this.members.set(name, Promise.resolve({ name, ...sink.digest() }));
  }

  /** The run is unpacked (`names`: its listing): the files the unpack did not read are hashed now. */
  finish(names: readonly string[]): void {
    for (const name of names) if (!name.startsWith('.')) this.alongside(name);
    this.readWhole = true;
  }

  /** The run's checksum, or why it has none. Never rejects. */
  async outcome(): Promise<ChecksumOutcome> {
    if (this.where.host) return { missing: `a tar run on ${this.where.host} is unpacked straight from ssh into tar, so its bytes never pass through Backup Health to be hashed` };
    if (!this.readWhole) return { missing: 'the restore stopped before it had read every file of the run' };
    const members = await Promise.all(this.members.values());
    const unread = [...this.members.keys()].filter((_, i) => members[i] === null);
    if (this.signal.aborted) return { missing: 'the drill was stopped before the run was hashed' };
    if (unread.length) return { missing: `${unread.slice(0, 3).join(', ')} could not be hashed (not a regular file: drills never follow a backup's links, or unreadable)` };
    return { checksum: manifestOf(members as MemberHash[]) };
  }
}
