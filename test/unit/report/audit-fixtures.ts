// A config audited by the report tests: a server, its dumps drilled weekly, restic repositories whose password is in
// a file and in the environment, an ssh option naming a key, and recovery objectives; SECRETS must never show.
import { validateConfig, type Config, type ConfigInput } from '../../../shared/config';
import { DAY, HOUR } from '../store/temp-history';

export const SECRETS = ['s3cr3t-in-url', 'RESTIC_PW_VARIABLE', '/etc/backup-health/restic-password', 'IdentityFile=/root/.ssh/secret_key'];

export function parse(input: ConfigInput): Config {
  const parsed = validateConfig(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

/** A server, its nightly dumps drilled weekly, a restic repository (password in a file) and objectives for orders. */
export function auditedConfig(overrides: { every?: string; maxAge?: string; rpo?: string } = {}): ConfigInput {
  return {
    defaults: { maxAge: '26h' },
    sources: [
      { id: 'orders-db', kind: 'postgres', url: 'postgres://monitor@db1.example.net:5432/orders?application_name=s3cr3t-in-url' },
      {
        id: 'orders-dumps',
        kind: 'dump-dir',
        path: '/srv/dumps',
        database: 'orders-db',
        maxAge: overrides.maxAge,
        drill: { every: overrides.every ?? '7d', checks: [{ name: 'recent orders', sql: "select count(*) > 0 from orders where placed_at > now() - interval '2 days'" }], minRows: 10 },
      },
      { id: 'offsite', kind: 'restic', repo: 'sftp:backup@vault.example.net:/srv/restic', passwordFile: '/etc/backup-health/restic-password', host: 'backup@vault.example.net', sshOptions: ['IdentityFile=/root/.ssh/secret_key'], drill: { every: '30d' } },
      { id: 'offsite-env', kind: 'restic', repo: '/srv/restic2', passwordEnv: 'RESTIC_PW_VARIABLE' },
    ],
    databases: [{ name: 'orders', server: 'orders-db', rpo: overrides.rpo ?? '26h', rto: '1h' }],
  } as ConfigInput;
}
