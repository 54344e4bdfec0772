// A Barman server: its backups and the WAL it keeps, read through `barman -f json` here or on the Barman host.
import { REMOTE_FIELDS, type SourceKindInfo } from './kind-info';

export const barman = {
  label: 'Barman server',
  formLabel: 'Barman server',
  fields: ['server', 'configPath', 'maxAge', 'minSize', 'maxArchiveAge', 'maxWaitingForWals', 'maxRecoveryPoint', 'database', ...REMOTE_FIELDS],
  drillFields: ['every', 'maxAge', 'timeout', 'minTables', 'minRows', 'recovery'],
  form: [
    {
      legend: 'Barman server',
      fields: [
        { path: 'server', label: 'Server', placeholder: 'e.g. pg-orders', hint: "The server's name in Barman's configuration (its [section]), as barman list-servers shows it." },
        { path: 'configPath', label: 'Barman config', hint: "Empty: Barman's own default (/etc/barman.conf). Must be readable by the user Backup Health runs as." },
        { path: 'database', label: 'Backups of', choose: 'postgres source', none: '(not linked to a server)', hint: 'The postgres source this Barman server backs up.' },
      ],
    },
    { remote: "barman runs there (the Barman host), as Barman's barman_user or root; its WAL listing (xlog.db) is read there with head." },
    {
      legend: 'Limits',
      fields: [
        { path: 'maxAge', label: 'Max backup age', placeholder: 'config default', hint: 'Critical when the newest DONE backup is older. Like 26h.' },
        { path: 'minSize', label: 'Min backup size', placeholder: 'e.g. 1GB', hint: 'Critical when the newest DONE backup is smaller.' },
        { path: 'maxArchiveAge', label: 'Max archive age', placeholder: 'config default (15m)', hint: 'Warning when Barman archived no WAL file within this time. Like 15m.' },
        { path: 'maxWaitingForWals', label: 'Max WAITING_FOR_WALS', placeholder: '1h', hint: 'Warning when a backup waits longer than this for its WAL. Like 1h.' },
        { path: 'maxRecoveryPoint', label: 'Max recovery point', placeholder: 'not checked', hint: 'Critical when a drill restores to a point further behind its start than this. Like 1h.' },
      ],
    },
  ],
} as const satisfies SourceKindInfo;
