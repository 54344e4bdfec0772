// A PostgreSQL server: its connection, WAL archiving, standbys and which databases need a backup.
import type { SourceKindInfo } from './kind-info';

export const postgres = {
  label: 'PostgreSQL server',
  formLabel: 'PostgreSQL server',
  fields: ['url', 'passwordEnv', 'passwordFile', 'maxArchiveAge', 'maxReplicationLag', 'standbys', 'coverageIgnore'],
  drillFields: null,
  form: [
    {
      legend: 'Connection',
      fields: [
        { path: 'url', label: 'Connection URL', placeholder: 'e.g. postgres://monitor@db1:5432/postgres', hint: 'No password in the URL: use one of the fields below, or ~/.pgpass.' },
        { keychain: 'password', label: 'Password', hint: 'Kept in the system keychain, never written to the config file. Empty: keep the stored one.' },
        { keychain: 'passwordStored', label: "Use the password kept in the desktop app's keychain" },
        { path: 'passwordEnv', label: 'Password environment variable', placeholder: 'e.g. PGPASSWORD_DB1' },
        { path: 'passwordFile', label: 'Password file', hint: 'A file holding only the password, chmod 600.' },
      ],
    },
    {
      legend: 'Limits',
      fields: [
        { path: 'maxArchiveAge', label: 'Max WAL archive age', placeholder: 'config default', hint: 'Critical when the last archived WAL segment is older.' },
        { path: 'maxReplicationLag', label: 'Max replication lag', placeholder: 'config default' },
        { path: 'standbys', label: 'Standbys', hint: 'application_name of every standby that must be streaming, comma-separated.' },
        { path: 'coverageIgnore', label: 'Databases that need no backup', placeholder: 'postgres', hint: 'Comma-separated. Empty: postgres.' },
      ],
    },
  ],
} as const satisfies SourceKindInfo;
