// Which databases a backup source linked to a postgres source (`database:`) holds, from what its latest poll
// saw: the coverage rule's input. A pgBackRest stanza is a physical backup of the whole cluster; a dump-dir,
// restic or borg source holds the databases its pg_dump output names (each dump's header; restic and borg
// probes read the dumps in the newest snapshot or archive), plus its `dbname` for plain dumps that name none.
// A record over the kinds: a new kind does not build until it says what it covers.
import type { ObservedBackup } from '../../../shared/model';
import type { BackupKind, BackupSourceConfig } from './kind-words';
import type { CoveringSource } from './types';

type Covers = { [K in BackupKind]: (source: Extract<BackupSourceConfig, { kind: K }>, backups: readonly ObservedBackup[]) => CoveringSource['databases'] };

const COVERS: Covers = {
  'dump-dir': namedInDumps,
  restic: namedInDumps,
  borg: namedInDumps,
  pgbackrest: () => 'cluster',
};

export function coveringSource(source: BackupSourceConfig, backups: readonly ObservedBackup[]): CoveringSource {
  const covers = COVERS[source.kind] as (source: BackupSourceConfig, backups: readonly ObservedBackup[]) => CoveringSource['databases'];
  return { id: source.id, kind: source.kind, databases: covers(source, backups) };
}

function namedInDumps(source: { dbname?: string }, backups: readonly ObservedBackup[]): string[] {
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
