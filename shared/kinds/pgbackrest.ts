// A pgBackRest stanza: physical backups, read through pgbackrest info here or on its repository host.
import { REMOTE_FIELDS, type SourceKindInfo } from './kind-info';

export const pgbackrest = {
  label: 'pgBackRest stanza',
  formLabel: 'pgBackRest stanza',
  fields: ['stanza', 'configPath', 'repo', 'maxAge', 'maxFullAge', 'minSize', 'maxArchiveAge', 'maxRecoveryPoint', 'database', ...REMOTE_FIELDS],
  // A physical restore has no pg_restore -j and compares nothing live.
  drillFields: ['every', 'maxAge', 'timeout', 'minTables', 'minRows', 'recovery'],
  form: [
    {
      legend: 'pgBackRest stanza',
      fields: [
        { path: 'stanza', label: 'Stanza', placeholder: 'e.g. main' },
        // Set in the config file only (shared/api-edit-rules.ts): the form shows it read-only.
        { path: 'configPath', label: 'pgBackRest config', hint: 'Empty: /etc/pgbackrest/pgbackrest.conf. Must be readable by the user Backup Health runs as.' },
        { path: 'repo', label: 'Repository number', placeholder: 'all', hint: 'Only this repository (pgbackrest --repo), when the stanza has several.' },
        { path: 'database', label: 'Backups of', choose: 'postgres source', none: '(not linked to a server)', hint: 'The postgres source this stanza backs up.' },
      ],
    },
    { remote: 'pgbackrest runs there (the repository host, where its config is); a drill restores there and copies the result here.' },
    {
      legend: 'Limits',
      fields: [
        { path: 'maxAge', label: 'Max backup age', placeholder: 'config default', hint: 'Critical when the newest backup of any type is older. Like 26h.' },
        { path: 'maxFullAge', label: 'Max full backup age', placeholder: 'not checked', hint: 'Critical when the newest full backup is older. Like 8d.' },
        { path: 'minSize', label: 'Min full backup size', placeholder: 'e.g. 1GB', hint: 'Critical when the newest full backup adds less to the repository. Incrementals are not judged by size.' },
        { path: 'maxArchiveAge', label: 'Max archive age', placeholder: 'config default (15m)', hint: 'Warning when no WAL segment was archived within this time. Like 15m.' },
        { path: 'maxRecoveryPoint', label: 'Max recovery point', placeholder: 'not checked', hint: 'Critical when a drill restores to a point further behind its start than this. Like 1h.' },
      ],
    },
  ],
} as const satisfies SourceKindInfo;
