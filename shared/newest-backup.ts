// The one definition of "newest backup", shared by the probes, the overview and source page, the health rules,
// the drill's choice and `drill --backup`, so that none of them can call a different backup newest.
//
// A backup is as new as it says it is: a pg_dump archive (custom, directory, tar; a plain dump made with
// --verbose) carries the time pg_dump started in its header, which a copy, an rsync without -t or a restore from
// tape does not change, while the file's mtime does. Every other kind's finishedAt is already the tool's own
// record (restic's snapshot time, borg's archive end, pgBackRest's stop time). Ties, common when a whole
// directory was copied at once or two dumps started in the same second, go to the later finishedAt, then to the
// key that sorts last (date-stamped names: orders-2026-12-03.dump before orders-2026-12-02.dump).
import type { ObservedBackup } from './model';

export type DatedBackup = Pick<ObservedBackup, 'key' | 'finishedAt' | 'meta'>;

/** When the backup was made, by its own account: its pg_dump header's creation time, else finishedAt. */
export function backupMadeAt(backup: DatedBackup): number {
  const createdAt = backup.meta?.header?.createdAt;
  return typeof createdAt === 'number' && Number.isFinite(createdAt) ? createdAt : backup.finishedAt;
}

/** Sorts newest first: by backupMadeAt, then finishedAt, then key (the one that sorts last first). */
export function newestFirst(a: DatedBackup, b: DatedBackup): number {
  return backupMadeAt(b) - backupMadeAt(a) || b.finishedAt - a.finishedAt || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0);
}

/** A copy of `backups`, newest first. */
export function byNewest<T extends DatedBackup>(backups: readonly T[]): T[] {
  return [...backups].sort(newestFirst);
}
