// A directory of pg_basebackup runs plus the WAL archive archive_command copies into, here or on a host over ssh.
import { REMOTE_FIELDS, type SourceKindInfo } from './kind-info';

export const basebackup = {
  label: 'pg_basebackup directory',
  formLabel: 'pg_basebackup backups and WAL archive',
  fields: ['path', 'walArchive', 'maxAge', 'minSize', 'maxArchiveAge', 'maxRecoveryPoint', 'database', ...REMOTE_FIELDS],
  drillFields: ['every', 'maxAge', 'timeout', 'minTables', 'minRows', 'recovery'],
  form: [
    {
      legend: 'Base backups',
      fields: [
        { path: 'path', label: 'Backup directory', placeholder: 'e.g. /backup/orders/base', hint: 'One directory per pg_basebackup run, plain or tar format (gzip, zstd or lz4).' },
        { path: 'walArchive', label: 'WAL archive', placeholder: 'e.g. /backup/orders/wal', hint: 'Where archive_command copies WAL segments (plain, .gz or .zst).' },
        { path: 'database', label: 'Backups of', choose: 'postgres source', none: '(not linked to a server)', hint: 'The postgres source these base backups are taken of.' },
      ],
    },
    { remote: 'Both directories are read there over ssh (find, head, tail and base64 run there).' },
    {
      legend: 'Limits',
      fields: [
        { path: 'maxAge', label: 'Max backup age', placeholder: 'config default', hint: 'Critical when the newest base backup is older. Like 26h or 8d.' },
        { path: 'minSize', label: 'Min backup size', placeholder: 'e.g. 1GB', hint: 'Critical when the newest base backup is smaller.' },
        { path: 'maxArchiveAge', label: 'Max archive age', placeholder: 'config default (15m)', hint: 'Warning when no WAL segment was archived within this time. Like 15m.' },
        { path: 'maxRecoveryPoint', label: 'Max recovery point', placeholder: 'not checked', hint: 'Critical when a drill restores to a point further behind its start than this. Like 1h.' },
      ],
    },
  ],
} as const satisfies SourceKindInfo;
