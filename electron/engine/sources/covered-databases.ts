// Which databases a backup source linked to a postgres source (`database:`) holds, from what its latest poll
// saw: the coverage rule's input. Each kind's module says (sources/<kind>/index.ts `covers`): a pgBackRest
// stanza is a physical backup of the whole cluster; a dump-dir, restic or borg source holds the databases its
// pg_dump output names (health/named-in-dumps.ts).
import type { ObservedBackup } from '../../../shared/model';
import type { BackupSourceConfig } from '../health/kind-words';
import type { CoveringSource } from '../health/types';
import { sourceModule } from './index';

export function coveringSource(source: BackupSourceConfig, backups: readonly ObservedBackup[]): CoveringSource {
  return { id: source.id, kind: source.kind, databases: sourceModule(source).covers(source, backups) ?? [] };
}
