// A Borg repository whose archives hold pg_dump output.
import { DUMP_DRILL_FIELDS, REMOTE_FIELDS, type SourceKindInfo } from './kind-info';

export const borg = {
  label: 'Borg repository',
  formLabel: 'Borg repository',
  fields: ['repo', 'passwordEnv', 'passwordFile', 'pattern', 'maxAge', 'minSize', 'database', 'dbname', ...REMOTE_FIELDS],
  drillFields: DUMP_DRILL_FIELDS,
  form: [
    {
      legend: 'Borg repository',
      fields: [
        { path: 'repo', label: 'Repository', placeholder: 'e.g. /srv/borg/orders', hint: 'A path or a borg repository URL, as you would pass it to borg list.' },
        { path: 'passwordEnv', label: 'Passphrase environment variable', placeholder: 'e.g. BORG_ORDERS_PASSPHRASE', hint: 'Empty for an unencrypted repository.' },
        { path: 'passwordFile', label: 'Passphrase file', hint: 'A file holding only the passphrase, chmod 600.' },
        { path: 'pattern', label: 'Archive names', placeholder: 'all archives', hint: 'Glob on archive names (borg --glob-archives), like orders-*.' },
        { path: 'database', label: 'Dumps of', choose: 'postgres source', none: '(not linked to a server)', hint: 'The postgres source whose pg_dump output the archives hold.' },
        { path: 'dbname', label: 'Database name in the dumps', hint: 'Only for plain SQL dumps whose header does not say.' },
      ],
    },
    { remote: 'borg runs there and repo is a path on that host; the passphrase is sent over ssh, never on a command line. A drill copies the archive here.' },
    {
      legend: 'Limits',
      fields: [
        { path: 'maxAge', label: 'Max backup age', placeholder: 'config default', hint: 'Critical when the newest archive is older. Like 26h or 7d.' },
        { path: 'minSize', label: 'Min backup size', placeholder: 'e.g. 1MB', hint: 'Critical when the newest archive holds less. Like 500kB, 1MB or 5GB.' },
      ],
    },
  ],
} as const satisfies SourceKindInfo;
