// The WAL a Barman drill replays, fetched into <drill>/wal: every segment xlog.db lists from the backup's
// begin_wal on (every timeline from the backup's own on) and every .history file, sent from wals_directory as
// one tar stream (here or over ssh) and unpacked in the sandbox. Barman stores a compressed file WITHOUT a
// suffix and says its compression only in xlog.db, so each fetched file is given the suffix of its recorded
// compression (.gz for gzip/pigz, .bz2 for bzip2, …) and restore_command decompresses it inside the sandbox,
// never past the segment size (wal-replay.ts). A file in a compression no tool here decompresses (custom: a
// filter program of Barman's config) is refused: the drill runs no program a config names.
//
// xlog.db is read first: what it lists is the archive's end for this drill. A listed file that is gone from the
// disk is simply not fetched (tar --ignore-failed-read), so the replay stops before it and the drill names it.
import { lstatSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BarmanSourceConfig } from '../../../../shared/config';
import type { DrillFrame } from '../../drills/drill-frame';
import type { DrillJail } from '../../drills/drill-jail';
import { drillError, fail } from '../../drills/drill-stop';
import { ownedDir, unpackInto } from '../../drills/physical-unpack';
import type { ScratchCluster } from '../../drills/scratch-cluster';
import { newestSegmentOf, walDirOf } from '../../drills/wal-replay';
import { onHost } from './barman-command';
import type { BarmanBackupToDrill } from './drill-backup-info';
import { readXlogDb, walCompressionOf, type BarmanWalFile } from './xlogdb';

/**
 * In wals_directory ($1): the names xlog.db lists of segments on timelines from $2 at positions from $3 on (as
 * <hash dir>/<name>) and of .history files, sent by tar as a flat stream. The names are filtered in awk (POSIX
 * awk: mawk has no {n} intervals), never passed as arguments (an archive holds 100,000 of them). Exit 90: no
 * such directory, 92: no readable xlog.db.
 */
const WAL_SCRIPT = `cd "$1" || exit 90
[ -r xlog.db ] || exit 92
awk -v tli="$2" -v pos="$3" '
  length($1) == 16 && $1 ~ /^[0-9A-F]+[.]history$/ { print $1; next }
  length($1) == 24 && $1 ~ /^[0-9A-F]+$/ && substr($1, 1, 8) >= tli && substr($1, 9, 16) >= pos { print substr($1, 1, 16) "/" $1 }' xlog.db |
  tar -cf - --ignore-failed-read --transform='s,^.*/,,' -T -`;

const SEGMENT = /^[0-9A-F]{24}$/;
const HISTORY = /^[0-9A-F]{8}\.history$/;

export interface FetchedBarmanWal {
  count: number;
  archivedAt: Map<string, number>;
  compressed: boolean;
  newest: string | null;
}

/** The backup's WAL from Barman's archive into walDirOf(cluster), each file named by its recorded compression. */
export async function fetchBarmanWal(source: BarmanSourceConfig, backup: BarmanBackupToDrill, cluster: ScratchCluster, jail: DrillJail, frame: DrillFrame): Promise<FetchedBarmanWal> {
  const where = onHost(source.host);
  const listing = await readXlogDb({ walsDirectory: backup.walsDirectory, ...(source.host ? { host: source.host } : {}), ...(source.sshOptions ? { sshOptions: source.sshOptions } : {}) }, { signal: frame.signal, timeoutMs: Math.min(300_000, frame.remaining()) });
  const wanted = new Map(listing.files.filter((file) => isWanted(file.name, backup.beginWal)).map((file) => [file.name, file]));
  refuseUnreadable([...wanted.values()], backup.walsDirectory + where);
  const dir = ownedDir(cluster, walDirOf(cluster));
  frame.progress(0, 0, { detail: `copying Barman's WAL from ${backup.beginWal} on` });
  await unpackInto(source, jail, frame, dir, 'sh', ['-c', WAL_SCRIPT, 'sh', backup.walsDirectory, backup.beginWal.slice(0, 8), backup.beginWal.slice(8)], { what: `copying Barman's WAL from ${backup.walsDirectory}${where}` });
  return nameByCompression(dir, wanted, backup, where);
}

/** A segment on the backup's timeline or a later one, at or after its begin_wal; or a .history file. */
function isWanted(name: string, beginWal: string): boolean {
  if (HISTORY.test(name)) return true;
  return SEGMENT.test(name) && name.slice(0, 8) >= beginWal.slice(0, 8) && name.slice(8) >= beginWal.slice(8);
}

/** Refuses a compression restore_command cannot undo in the sandbox (Barman's custom filter, snappy). */
export function refuseUnreadable(files: readonly BarmanWalFile[], where: string): void {
  const unreadable = files.find((file) => file.compression !== null && walCompressionOf(file.compression) === null);
  if (!unreadable) return;
  const custom = unreadable.compression === 'custom';
  throw drillError(
    `Barman stores ${unreadable.name} in ${where} with ${custom ? "its custom compression (custom_decompression_filter, a program of Barman's configuration)" : `${unreadable.compression} compression`}, which a drill cannot decompress: it runs no program a configuration names, only gzip, bzip2, zstd, lz4 and xz inside its sandbox. Set Barman's compression to gzip or bzip2 for the drill to replay this server's WAL`,
  );
}

/**
 * Each fetched file renamed <name>.<suffix of its compression> (as restore_command looks for it), with its
 * archive time from xlog.db; a file xlog.db did not list when the drill read it is newer than the drill's end
 * of the archive and is left out, as is anything but a regular file.
 */
function nameByCompression(dir: string, listed: ReadonlyMap<string, BarmanWalFile>, backup: BarmanBackupToDrill, where: string): FetchedBarmanWal {
  const archivedAt = new Map<string, number>();
  let compressed = false;
  let count = 0;
  for (const name of readdirSync(dir)) {
    const file = listed.get(name);
    // Only regular files: a link in Barman's archive is not followed, even inside the sandbox.
    if (!file || !lstatSync(join(dir, name)).isFile()) {
      rmSync(join(dir, name), { recursive: true, force: true });
      continue;
    }
    const suffix = file.compression === null ? null : walCompressionOf(file.compression);
    if (suffix) {
      renameSync(join(dir, name), join(dir, `${name}.${suffix}`));
      compressed = true;
    }
    if (!SEGMENT.test(name)) continue;
    count++;
    archivedAt.set(name, file.archivedAt);
  }
  if (!archivedAt.has(backup.beginWal)) {
    throw fail(`Barman's archive ${backup.walsDirectory}${where} does not hold ${backup.beginWal}, the first WAL segment backup ${backup.id} needs (its begin_wal): the backup cannot be made consistent`);
  }
  return { count, archivedAt, compressed, newest: newestSegmentOf(archivedAt.keys()) };
}
