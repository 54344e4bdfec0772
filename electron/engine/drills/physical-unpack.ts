// Unpacking a physical backup's files into a drill's scratch cluster, the same for every kind that keeps a plain
// tree or tar files (pg_basebackup runs; Barman's backups: plain pg_basebackup trees, rsync copies, and tar files
// when compressed, which drills/tar-run.ts unpacks with this):
// a tool here or on the backup host writes a tar stream, and tar unpacks it inside the drill's sandbox as the
// drill's user (the files are hostile input). A plain tree's tablespace links are replaced by copies of what they
// point at, followed only inside the tree's own area, checked where the files are by their physical path.
//
// Who is to blame when unpacking stops: the backup (a file gone, a stream cut short) fails the drill; the
// drill's own machine (its directory's disk full, a tool of its own missing) is an error, with what to fix.
import { chownSync, existsSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { describeFetchFailure, fetchTar, type FetchedTree, type Untar } from '../remote-fetch';
import type { Where } from '../remote';
import type { DrillFrame } from './drill-frame';
import type { DrillJail } from './drill-jail';
import { drillError, fail, type DrillStop } from './drill-stop';
import type { ScratchCluster } from './scratch-cluster';

/**
 * $1 a tablespace directory, $2 the backup area: its files as a tar stream, if its physical path (links
 * resolved) is inside the area's; exit 91 when it is not, 90 when it is gone.
 */
const TABLESPACE_SCRIPT = `area=$(cd -P -- "$2" && pwd -P) || exit 90
cd -P -- "$1" || exit 90
case "$(pwd -P)/" in "$area"/*) exec tar -cf - . ;; esac
exit 91`;

export interface UnpackStep {
  /** The progress line and the start of a failure's message ("unpacking base.tar.gz"). */
  what: string;
  /** tar's options for the stream's compression (--gzip, --zstd, …); the decompressor runs in the sandbox too. */
  tarOptions?: string[];
  /** Bytes expected, for the progress (0: unknown). */
  total?: number;
  /** Thrown when the sending command exits 91 (its own refusal, e.g. a tablespace outside the area). */
  refused?: DrillStop;
}

/** Runs `command args` here or on the host (`where`), its stdout (a tar stream) unpacked into `dest` in the sandbox. */
export async function unpackInto(where: Where, jail: DrillJail, frame: DrillFrame, dest: string, command: string, args: string[], step: UnpackStep): Promise<void> {
  const { what, tarOptions = [], total = 0, refused } = step;
  const untar: Untar = (cmd, tarArgs) => jail.untar(cmd, [...tarArgs, ...tarOptions]);
  const fetched = await fetchTar(where, command, args, dest, {
    untar,
    signal: frame.signal,
    timeoutMs: frame.remaining(),
    onProgress: ({ bytes }) => frame.progress(Math.min(bytes, Math.max(total, bytes)), Math.max(total, bytes), { detail: what, unit: 'bytes' }),
  });
  frame.signal.throwIfAborted();
  if (fetched.remote.code === 90) throw fail(`${what}: the directory is gone${where.host ? ` on ${where.host}` : ''}`);
  if (fetched.remote.code === 91 && refused) throw refused;
  const failure = unpackFailure(fetched, { what, command, host: where.host, drillDir: dirname(jail.dir) });
  if (failure) throw failure;
}

/** tar's words for a full disk: ENOSPC, a quota, or a short write (tmpfs says only "Wrote only 512 of 10240 bytes"). */
const DISK_FULL = /: (No space left on device|Disk quota exceeded|Wrote only \d+ of \d+ bytes)$/m;
/** tar's decompressor is missing here ("tar (grandchild): zstd: Cannot exec: No such file or directory"). */
const TOOL_MISSING = /: Cannot exec: No such file or directory$/m;

/**
 * Why an unpack did not bring the whole tree, as the drill's outcome, or null when it did: the drill's own disk
 * full or its own tools missing is an error (the drill could not judge the backup) saying what to fix; anything
 * else (the sender failed, the stream was cut or is no tar) fails the drill, the backup's fault.
 */
export function unpackFailure(fetched: FetchedTree, context: { what: string; command: string; host?: string | undefined; drillDir: string }): DrillStop | null {
  const failure = describeFetchFailure(fetched, context.command, context.host);
  if (!failure) return null;
  const { local } = fetched;
  const ours = !local.aborted && !local.timedOut;
  // The line that says so, not tar's first complaint (a missing zstd is followed by "Child died with signal 13").
  const line = (pattern: RegExp) => (local.stderr.split('\n').find((l) => pattern.test(l)) ?? '').replace(/^tar( \(\w+\))?: /, '');
  if (ours && DISK_FULL.test(local.stderr)) {
    return drillError(`${context.what} failed: the drill directory's disk is full (tar: ${line(DISK_FULL)}): free space in drillDir (${context.drillDir}), or set defaults.drillDir to a filesystem with room for the restored backup and its WAL`);
  }
  if (ours && (local.spawnError?.code === 'ENOENT' || TOOL_MISSING.test(local.stderr))) {
    // tar names the program it could not start ("lz4 -d: Cannot exec"): that is the one to install.
    const tool = local.spawnError ? null : /^([\w.+-]+)/.exec(line(TOOL_MISSING))?.[1];
    const install = tool ? `install it (${tool}) on this machine: tar runs it to decompress the backup's files` : "install it (tar and the backup's decompressor, e.g. zstd or lz4)";
    return drillError(`${context.what} failed: a tool the drill runs here is missing (${local.spawnError ? local.spawnError.message : `tar: ${line(TOOL_MISSING)}`}): ${install}`);
  }
  return fail(`${context.what} failed: ${failure}`);
}

/** A directory inside the cluster's, made (with any missing parents) for the cluster's user. */
export function ownedDir(cluster: ScratchCluster, path: string): string {
  const parent = dirname(path);
  if (parent !== cluster.dir && !existsSync(parent)) ownedDir(cluster, parent);
  if (!existsSync(path)) mkdirSync(path, { mode: 0o700 });
  if (cluster.owner) chownSync(path, cluster.owner.uid, cluster.owner.gid);
  return path;
}

export interface PlainTree {
  /** The data directory's tree (a plain pg_basebackup run; a Barman backup's data/). */
  dir: string;
  /** Tablespace links may point only inside this directory. */
  area: string;
  /** The refusal of a tablespace link to `target`, outside the area. */
  outside(oid: string, target: string): DrillStop;
}

/**
 * A plain tree into the data directory, sent as a tar stream (`tar -c`, here or on the host); each pg_tblspc
 * link's target copied inside the drill's directory and the link pointed there, followed only inside the area.
 */
export async function unpackPlainTree(where: Where, tree: PlainTree, cluster: ScratchCluster, jail: DrillJail, frame: DrillFrame): Promise<void> {
  await unpackInto(where, jail, frame, cluster.dataDir, 'tar', ['-cf', '-', '-C', tree.dir, '.'], { what: `copying ${tree.dir}` });
  const links = join(cluster.dataDir, 'pg_tblspc');
  const area = resolve(tree.area);
  for (const oid of existsSync(links) ? readdirSync(links) : []) {
    const link = join(links, oid);
    let target: string;
    try {
      target = readlinkSync(link);
    } catch {
      continue; // a directory in pg_tblspc (an in-place tablespace) came with the tree
    }
    rmSync(link);
    await unpackTablespace(where, { oid, from: resolve(tree.dir, 'pg_tblspc', target), named: target, area, outside: tree.outside(oid, target) }, cluster, jail, frame);
  }
}

export interface TablespaceCopy {
  oid: string;
  /** Its directory in the backup (absolute, here or on the host). */
  from: string;
  /** How the backup names it, for the progress line (a link's target). */
  named: string;
  /** `from` must be inside this directory, by its path and by its physical path where the files are. */
  area: string;
  /** The refusal when it is not. */
  outside: DrillStop;
}

/**
 * One tablespace of a backup copied into <drill>/tablespaces/<oid>, followed only inside the area, and
 * pg_tblspc/<oid> in the data directory made a link to the copy (where PostgreSQL looks for it).
 */
export async function unpackTablespace(where: Where, tablespace: TablespaceCopy, cluster: ScratchCluster, jail: DrillJail, frame: DrillFrame): Promise<void> {
  const { oid, from, named, outside } = tablespace;
  const area = resolve(tablespace.area);
  if (!/^\d{1,10}$/.test(oid) || !(resolve(from) + sep).startsWith(area + sep)) throw outside;
  const dir = ownedDir(cluster, join(cluster.dir, 'tablespaces', oid));
  // Checked again where the files are, by the physical path: a directory inside the area may itself be a link out.
  await unpackInto(where, jail, frame, dir, 'sh', ['-c', TABLESPACE_SCRIPT, 'sh', resolve(from), area], { what: `copying tablespace ${oid} from ${named}`, refused: outside });
  symlinkSync(dir, join(ownedDir(cluster, join(cluster.dataDir, 'pg_tblspc')), oid));
}

/**
 * pg_verifybackup of an unpacked tree against its backup_manifest (PostgreSQL 13+): every file there, of its
 * size and checksum. Run in the sandbox (it reads the backup's files) before the server starts, with the drill's
 * own changes left out (tablespace_map rewritten). WAL is not parsed here: the replay reads it. `manifest`: where
 * it is when not in the data directory (a tar run's, copied beside it). A mismatch fails the drill, naming the file.
 */
export async function verifyAgainstManifest(cluster: ScratchCluster, jail: DrillJail, frame: DrillFrame, label: string, manifest?: string): Promise<void> {
  const args = ['--no-parse-wal', '--exit-on-error', '--ignore=tablespace_map', ...(manifest ? ['--manifest-path', manifest] : []), cluster.dataDir];
  const verified = await jail.run(cluster.tool('pg_verifybackup'), args, { signal: frame.signal, timeoutMs: frame.remaining() });
  frame.signal.throwIfAborted();
  if (verified.code !== 0) {
    const said = `${verified.stderr}\n${verified.stdout}`.split('\n').map((l) => l.replace(/^pg_verifybackup: (error: )?/, '').trim()).filter(Boolean)[0] ?? `exited with ${verified.code}`;
    throw fail(`${label} does not match its backup_manifest: ${said.replaceAll(cluster.dataDir, '.')}; pg_verifybackup finds the run damaged or changed since it was taken`);
  }
}

/** verifyAgainstManifest of a plain tree that brought its backup_manifest (PostgreSQL 13+); false when it has none. */
export async function verifyPlainAgainstManifest(cluster: ScratchCluster, jail: DrillJail, frame: DrillFrame, label: string): Promise<boolean> {
  if (cluster.install.major < 13 || !existsSync(join(cluster.dataDir, 'backup_manifest'))) return false;
  await verifyAgainstManifest(cluster, jail, frame, label);
  return true;
}
