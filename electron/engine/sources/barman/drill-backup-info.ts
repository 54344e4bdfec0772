// What a Barman drill needs to know of one backup before it restores it, from Barman itself: the server's
// directories (`barman -f json show-server`: basebackups_directory, wals_directory) and the backup's backup.info
// (key=value lines Barman writes, barman/infofile.py BackupInfo: mode, status, begin_wal, timeline, version,
// xlog_segment_size, compression, backup_label, tablespaces). Both are Barman's own files, not the backed-up
// server's; they are read as data all the same (no value is run, evaluated or used as a path but the two
// directories Barman names; Python literals are read by python-literal.ts, strictly).
//
// What Barman 3.4 keeps in <basebackups_directory>/<id>, by backup.info's mode and compression:
//   mode postgres, compression None  data/ is a plain pg_basebackup tree with its backup_label and backup_manifest;
//                                    each tablespace beside it as <oid>/, data/pg_tblspc/<oid> linking there
//   mode postgres, compression gzip | lz4 | zstd  data/ holds what `pg_basebackup -Ft --compress` wrote:
//                                    base.tar.gz|.lz4|.zst (with backup_label and tablespace_map), <oid>.tar.* per
//                                    tablespace, backup_manifest; no pg_wal.tar (--wal-method=none); <oid>/ empty
//   mode rsync-concurrent            data/ is an rsync copy of PGDATA (pg_wal empty, no backup_manifest); the
//                                    backup_label PostgreSQL returned from pg_backup_stop is backup.info's
//                                    backup_label (Barman 3.4 also writes it into data/); each tablespace is copied
//                                    to <oid>/ and data/pg_tblspc has no link to it: backup.info's tablespaces says
//                                    which there are
// rsync-exclusive (an exclusive backup, which PostgreSQL 15 no longer takes), snapshot and passive backups are
// refused with a sentence.
import { posix } from 'node:path';
import type { BarmanSourceConfig } from '../../../../shared/config';
import type { DrillFrame } from '../../drills/drill-frame';
import { drillError, fail } from '../../drills/drill-stop';
import { runTool } from '../../remote';
import { onHost, runBarman } from './barman-command';
import { parseBackupInfoFile, parseShowServer } from './barman-json';
import { parseBackupLabelLiteral, parseTablespacesLiteral } from './python-literal';

/** How the backup's files are kept (see the table above). */
export type BarmanBackupLayout =
  | { kind: 'plain' }
  /** data/ holds pg_basebackup's tar files in this compression. */
  | { kind: 'tar'; compression: BarmanBackupCompression }
  /** An rsync copy: the backup_label to write into it, and the tablespaces kept beside data/ as <oid>/. */
  | { kind: 'rsync'; backupLabel: string; tablespaceOids: string[] };

/** backup_compression values Barman 3.4 takes (pg_basebackup's --compress methods), all unpacked by tar here. */
export type BarmanBackupCompression = 'gzip' | 'lz4' | 'zstd';
const BACKUP_COMPRESSIONS: readonly string[] = ['gzip', 'lz4', 'zstd'] satisfies BarmanBackupCompression[];

/** One backup as the drill restores it. */
export interface BarmanBackupToDrill {
  id: string;
  /** <basebackups_directory>/<id>: holds backup.info, data/ and each tablespace as <oid>/. */
  dir: string;
  /** <dir>/data: a plain pg_basebackup tree, pg_basebackup's tar files, or an rsync copy (`layout`). */
  dataDir: string;
  layout: BarmanBackupLayout;
  walsDirectory: string;
  /** begin_wal: the first segment the backup needs. */
  beginWal: string;
  /** end_wal: the last segment it needs to be consistent. */
  endWal: string;
  /** PostgreSQL major of the backed-up server (backup.info `version`, e.g. 150018 -> 15). */
  pgMajor: number | null;
  segmentSizeBytes: number | null;
}

const SEGMENT = /^[0-9A-F]{24}$/;
/** Barman's backup ids are timestamps (20261204T082645) or, with backup_id naming, similar plain words. */
const BACKUP_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Judges backup.info for a drill: a DONE backup taken with backup_method = postgres (plain, or compressed into tar
 * files) or rsync (concurrent: its backup_label from backup.info), with the WAL range it needs. What Barman keeps
 * otherwise is refused with a sentence.
 */
export function backupToDrill(id: string, info: Readonly<Record<string, string>>, dirs: { basebackupsDirectory: string; walsDirectory: string }): BarmanBackupToDrill {
  const value = (key: string) => {
    const raw = info[key]?.trim();
    return raw === undefined || raw === '' || raw === 'None' ? null : raw;
  };
  const status = value('status');
  if (status !== 'DONE') throw fail(`Barman backup ${id} is ${status ?? 'of no status'} in its backup.info, not DONE: only a DONE backup is complete enough to restore`);
  const beginWal = value('begin_wal');
  const endWal = value('end_wal');
  if (!beginWal || !SEGMENT.test(beginWal) || !endWal || !SEGMENT.test(endWal)) throw fail(`Barman backup ${id} does not say which WAL it needs (begin_wal ${beginWal ?? 'missing'}, end_wal ${endWal ?? 'missing'} in its backup.info): it cannot be made consistent`);
  const version = Number.parseInt(value('version') ?? '', 10);
  const segmentSize = Number.parseInt(value('xlog_segment_size') ?? '', 10);
  const dir = posix.join(dirs.basebackupsDirectory, id);
  return {
    id,
    dir,
    dataDir: posix.join(dir, 'data'),
    layout: layoutOf(id, value('mode'), value('compression'), info, beginWal),
    walsDirectory: dirs.walsDirectory,
    beginWal,
    endWal,
    // PostgreSQL 10 on: major * 10000 + minor (9.6 and older are not drilled: no binaries of theirs start here).
    pgMajor: Number.isFinite(version) && version >= 100_000 ? Math.floor(version / 10_000) : null,
    segmentSizeBytes: Number.isFinite(segmentSize) && segmentSize > 0 ? segmentSize : null,
  };
}

function layoutOf(id: string, mode: string | null, compression: string | null, info: Readonly<Record<string, string>>, beginWal: string): BarmanBackupLayout {
  if (mode === 'postgres') {
    if (!compression) return { kind: 'plain' };
    if (BACKUP_COMPRESSIONS.includes(compression)) return { kind: 'tar', compression: compression as BarmanBackupCompression };
    throw drillError(`Barman backup ${id} is compressed with ${compression} (backup_compression in its backup.info), which drills do not unpack: only gzip, lz4 and zstd, the compressions Barman 3.4 takes`);
  }
  if (mode === 'rsync-concurrent') return rsyncLayout(id, info, beginWal);
  if (mode === 'rsync-exclusive') {
    throw drillError(
      `Barman backup ${id} is an exclusive backup (mode rsync-exclusive: backup_options = exclusive_backup), whose backup_label was copied from the server's data directory; drills restore concurrent backups (backup_options = concurrent_backup, the only kind PostgreSQL 15 and later take): restore this one with barman recover and a recovery target`,
    );
  }
  throw drillError(
    `Barman backup ${id} was taken with ${mode ? `mode ${mode}` : 'no mode recorded'}; drills restore backups taken with backup_method = postgres (a pg_basebackup tree or its tar files) or rsync (concurrent): restore this one with barman recover and a recovery target`,
  );
}

/**
 * An rsync-method backup: backup.info's backup_label (a Python string literal, read strictly) is what the copy
 * lacks to be restored as of its start, and it must name begin_wal; its tablespaces are named in backup.info.
 */
function rsyncLayout(id: string, info: Readonly<Record<string, string>>, beginWal: string): BarmanBackupLayout {
  const raw = info.backup_label?.trim();
  if (!raw || raw === 'None') throw fail(`Barman backup ${id} was taken with rsync and its backup.info records no backup_label: without it the copy cannot be restored`);
  const label = parseBackupLabelLiteral(raw);
  if (!label.ok) throw fail(`the backup_label in Barman backup ${id}'s backup.info ${label.problem}: it is not the backup_label Barman writes, and the copy cannot be restored without it`);
  const start = /^START WAL LOCATION: [0-9A-F]{1,8}\/[0-9A-F]{1,8} \(file ([0-9A-F]{24})\)\n/.exec(label.value);
  if (!start || !/^CHECKPOINT LOCATION: [0-9A-F]{1,8}\/[0-9A-F]{1,8}$/m.test(label.value)) {
    throw fail(`the backup_label in Barman backup ${id}'s backup.info does not start with PostgreSQL's START WAL LOCATION and CHECKPOINT LOCATION lines: the copy cannot be restored with it`);
  }
  if (start[1] !== beginWal) throw fail(`the backup_label in Barman backup ${id}'s backup.info starts in ${start[1]}, but its begin_wal is ${beginWal}: backup.info contradicts itself, and the backup cannot be trusted to restore`);
  const tablespaces = parseTablespacesLiteral(info.tablespaces ?? '');
  if (!tablespaces.ok) throw fail(`the tablespaces line of Barman backup ${id}'s backup.info ${tablespaces.problem}: the drill cannot tell which tablespaces the backup holds`);
  return { kind: 'rsync', backupLabel: label.value, tablespaceOids: tablespaces.value.map((t) => String(t.oid)) };
}

/** The server's directories (show-server) and the backup's backup.info, here or on the host, judged for a drill. */
export async function readBackupToDrill(source: BarmanSourceConfig, id: string, frame: Pick<DrillFrame, 'signal' | 'remaining'>): Promise<BarmanBackupToDrill> {
  if (!BACKUP_ID.test(id)) throw fail(`"${id}" is not a Barman backup id`);
  const timeoutMs = Math.min(120_000, frame.remaining());
  const { basebackupsDirectory, walsDirectory } = parseShowServer(await runBarman(source, 'show-server', [], { signal: frame.signal, timeoutMs }), source.server, source.host);
  if (!basebackupsDirectory.startsWith('/') || !walsDirectory.startsWith('/')) throw drillError(`barman show-server ${source.server}${onHost(source.host)} names directories that are not absolute paths`);
  const infoFile = posix.join(basebackupsDirectory, id, 'backup.info');
  const read = await runTool(source, 'cat', ['--', infoFile], { signal: frame.signal, timeoutMs, maxOutputBytes: 1024 * 1024 });
  frame.signal.throwIfAborted();
  if (read.code !== 0) {
    const said = read.stderr.trim().split('\n').at(-1) ?? `cat exited with ${read.code}`;
    if (/No such file/i.test(said)) throw fail(`Barman backup ${id} is gone: no ${infoFile}${onHost(source.host)}`);
    throw drillError(`could not read ${infoFile}${onHost(source.host)}: ${said}; the drill reads Barman's files as the user running Backup Health${source.host ? ' (the ssh login)' : ''}, who must be Barman's barman_user or in its group`);
  }
  return backupToDrill(id, parseBackupInfoFile(read.stdout), { basebackupsDirectory, walsDirectory });
}
