// The databases a dump-holding source (dump-dir, restic, borg) covers: what its pg_dump output names (each
// dump's header; restic and borg probes read the dumps in the newest snapshot or archive), plus its `dbname`
// for plain dumps that name none.
import type { ObservedBackup } from '../../../shared/model';

export function namedInDumps(source: { dbname?: string }, backups: readonly ObservedBackup[]): string[] {
  const names = new Set<string>();
  if (source.dbname) names.add(source.dbname);
  for (const backup of backups) {
    if (!backup.readable) continue;
    const name = backup.meta?.header?.dbName;
    if (name) names.add(name);
    for (const held of backup.meta?.databases ?? []) names.add(held);
  }
  return [...names];
}
