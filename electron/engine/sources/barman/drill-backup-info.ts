// What a Barman drill needs to know of one backup before it restores it, from Barman itself: the server's
// directories (`barman -f json show-server`: basebackups_directory, wals_directory) and the backup's backup.info
// (key=value lines Barman writes, barman/infofile.py BackupInfo: mode, status, begin_wal, timeline, version,
// xlog_segment_size, compression). Both are Barman's own files, not the backed-up server's; they are read as data
// all the same (no value is run, evaluated or used as a path but the two directories Barman names).
import { posix } from 'node:path';
import type { BarmanSourceConfig } from '../../../../shared/config';
import type { DrillFrame } from '../../drills/drill-frame';
import { drillError, fail } from '../../drills/drill-stop';
import { runTool } from '../../remote';
import { onHost, runBarman } from './barman-command';
import { parseBackupInfoFile, parseShowServer } from './barman-json';

/** One backup as the drill restores it. */
export interface BarmanBackupToDrill {
  id: string;
  /** <basebackups_directory>/<id>: holds backup.info, data/ and each tablespace as <oid>/. */
  dir: string;
  /** <dir>/data: a plain pg_basebackup tree (backup_method = postgres). */
  dataDir: string;
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
 * Judges backup.info for a drill: a DONE backup taken with backup_method = postgres and no backup compression (a
 * plain pg_basebackup tree), with the WAL range it needs. What Barman keeps otherwise is refused with a sentence:
 * an rsync-method backup keeps its backup_label only in backup.info, and a compressed one is a tar file.
 */
export function backupToDrill(id: string, info: Readonly<Record<string, string>>, dirs: { basebackupsDirectory: string; walsDirectory: string }): BarmanBackupToDrill {
  const value = (key: string) => {
    const raw = info[key]?.trim();
    return raw === undefined || raw === '' || raw === 'None' ? null : raw;
  };
  const status = value('status');
  if (status !== 'DONE') throw fail(`Barman backup ${id} is ${status ?? 'of no status'} in its backup.info, not DONE: only a DONE backup is complete enough to restore`);
  const mode = value('mode');
  if (mode !== 'postgres') {
    throw drillError(
      `Barman backup ${id} was taken with ${mode ? `mode ${mode}` : 'no mode recorded'}; drills restore backups taken with backup_method = postgres (a pg_basebackup tree), and an rsync-method backup keeps its backup_label only in backup.info, which this drill does not write in yet: drill a backup_method = postgres server, or restore this one with barman recover and a recovery target`,
    );
  }
  const compression = value('compression');
  if (compression) throw drillError(`Barman backup ${id} is compressed (backup_compression = ${compression}: a tar file, not a plain tree); drills restore uncompressed backup_method = postgres backups only`);
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
    walsDirectory: dirs.walsDirectory,
    beginWal,
    endWal,
    // PostgreSQL 10 on: major * 10000 + minor (9.6 and older are not drilled: no binaries of theirs start here).
    pgMajor: Number.isFinite(version) && version >= 100_000 ? Math.floor(version / 10_000) : null,
    segmentSizeBytes: Number.isFinite(segmentSize) && segmentSize > 0 ? segmentSize : null,
  };
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
