// A directory of pg_dump files, here or on a host over ssh, or a bucket of them in object storage.
import { DUMP_DRILL_FIELDS, REMOTE_FIELDS, type SourceKindInfo } from './kind-info';

export const dumpDir = {
  label: 'pg_dump directory',
  bucketLabel: 'pg_dump files in a bucket',
  formLabel: 'Directory of pg_dump files',
  fields: ['path', 'url', 'endpoint', 'region', 'profile', 'pattern', 'maxAge', 'minSize', 'database', 'settle', 'dbname', ...REMOTE_FIELDS],
  drillFields: DUMP_DRILL_FIELDS,
  form: [
    {
      legend: 'Dumps',
      fields: [
        { path: 'path', label: 'Directory', placeholder: 'e.g. /var/backups/postgres', hint: 'Or leave it empty and give a bucket below.' },
        { path: 'pattern', label: 'File pattern', placeholder: '*', hint: 'Glob matched against names in the directory, like orders-*.dump.' },
        { path: 'database', label: 'Dumps of', choose: 'postgres source', none: '(not linked to a server)', hint: 'The postgres source these dumps come from.' },
        { path: 'dbname', label: 'Database name in the dumps', hint: 'Only for plain SQL dumps whose header does not say.' },
        { path: 'settle', label: 'Settle time', placeholder: '60s', hint: 'A file changed more recently is still being written and is not judged yet.' },
      ],
    },
    {
      legend: 'In a bucket (instead of a directory)',
      fields: [
        { path: 'url', label: 'Bucket and prefix', placeholder: 'e.g. s3://backups/orders/', hint: 'An S3-compatible bucket the dumps are copied to. Credentials come from the environment or ~/.aws, never from here.' },
        { path: 'endpoint', label: 'Endpoint', placeholder: 'AWS', hint: 'Only for another S3-compatible service (MinIO, Ceph, Backblaze, Wasabi), like https://s3.example.com.' },
        { path: 'region', label: 'Region', placeholder: 'from the profile, or us-east-1', hint: 'Like eu-central-1.' },
        { path: 'profile', label: 'AWS profile', placeholder: 'default', hint: 'A profile of ~/.aws/config and ~/.aws/credentials to take the credentials from.' },
      ],
    },
    { remote: 'The directory is read there over ssh, and a drill copies the dump here first.' },
    {
      legend: 'Limits',
      fields: [
        { path: 'maxAge', label: 'Max backup age', placeholder: 'config default', hint: 'Critical when the newest dump is older. Like 26h or 7d.' },
        { path: 'minSize', label: 'Min backup size', placeholder: 'e.g. 1MB', hint: 'Critical when the newest dump is smaller. Like 500kB, 1MB or 5GB.' },
      ],
    },
  ],
} as const satisfies SourceKindInfo;
