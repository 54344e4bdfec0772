// A restic repository whose snapshots hold pg_dump output.
import { DRILL_FIELDS, REMOTE_FIELDS, type SourceKindInfo } from './kind-info';

export const restic = {
  label: 'restic repository',
  formLabel: 'restic repository',
  fields: ['repo', 'passwordEnv', 'passwordFile', 'cacert', 'snapshotHost', 'snapshotPath', 'snapshotTag', 'maxAge', 'minSize', 'database', 'dbname', ...REMOTE_FIELDS],
  // Every drill field but a physical restore's recovery.
  drillFields: DRILL_FIELDS.filter((f) => f !== 'recovery'),
  form: [
    {
      legend: 'restic repository',
      fields: [
        { path: 'repo', label: 'Repository', placeholder: 'e.g. /srv/restic or s3:https://s3.example.com/backups/orders', hint: 'A path or a restic repository URL, as you would pass it to restic -r. S3 credentials come from the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE).' },
        { path: 'passwordFile', label: 'Password file', hint: 'A file holding only the repository password, chmod 600.' },
        { path: 'passwordEnv', label: 'Password environment variable', placeholder: 'e.g. RESTIC_ORDERS_PASSWORD', hint: 'Instead of a password file.' },
        { path: 'cacert', label: 'CA certificate', placeholder: 'the system CAs', hint: 'For a repository over https whose certificate a private CA signed: that CA, as a PEM file (restic --cacert).' },
        { path: 'snapshotHost', label: 'Snapshots of host', placeholder: 'all hosts', hint: 'restic --host' },
        { path: 'snapshotPath', label: 'Snapshots of path', placeholder: 'all paths', hint: 'restic --path' },
        { path: 'snapshotTag', label: 'Snapshots tagged', placeholder: 'all tags', hint: 'restic --tag, like daily or daily,orders.' },
        { path: 'database', label: 'Dumps of', choose: 'postgres source', none: '(not linked to a server)', hint: 'The postgres source whose pg_dump output the snapshots hold.' },
        { path: 'dbname', label: 'Database name in the dumps', hint: 'Only for plain SQL dumps whose header does not say.' },
      ],
    },
    { remote: 'restic runs there and repo is as that host sees it; the password is sent over ssh, never on a command line. A drill copies the snapshot here.' },
    {
      legend: 'Limits',
      fields: [
        { path: 'maxAge', label: 'Max backup age', placeholder: 'config default', hint: 'Critical when the newest snapshot is older. Like 26h or 7d.' },
        { path: 'minSize', label: 'Min backup size', placeholder: 'e.g. 1MB', hint: 'Critical when the newest snapshot restores less. Like 500kB, 1MB or 5GB.' },
      ],
    },
  ],
} as const satisfies SourceKindInfo;
