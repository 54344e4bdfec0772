// How the rules speak of a barman source: one backup is a Barman backup, named by its id, made by
// `barman backup <server>` (from cron or a timer), and WAL arrives through `barman receive-wal` or archive_command.
import type { BarmanSourceConfig } from '../../../../shared/config';
import type { BackupWords } from '../../health/kind-words';

export const BARMAN_WORDS: BackupWords<BarmanSourceConfig> = {
  noun: 'Barman backup',
  name: (key) => key,
  stale: (source) => `check that barman backup ${source.server} still runs (its cron job or timer), and what barman list-backups ${source.server} and Barman's log say`,
  small: (source) => `check Barman's log for barman backup ${source.server} (barman show-backup ${source.server} <id>), and whether data was dropped`,
  empty: (source) => `Barman copied nothing: check barman show-backup ${source.server} <id> and the space on the Barman host`,
  unreadable: 'Barman does not say when it was taken',
  none: (source) => `no DONE backup of Barman server ${barmanLocation(source)}`,
  noneHint: (source) => `take one with barman backup ${source.server} --wait, and check barman check ${source.server}`,
};

/** Where the server is, safe to print: "pg-orders (barman on barman@backup1, /etc/barman.d/…)". */
export function barmanLocation(source: BarmanSourceConfig): string {
  const where = [source.host ? `on ${source.host}` : null, source.configPath ? `-c ${source.configPath}` : null].filter(Boolean).join(', ');
  return where ? `${source.server} (${where})` : source.server;
}
