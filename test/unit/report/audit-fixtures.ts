// A config audited by the report tests: a server, its dumps drilled weekly, restic repositories whose password is in
// a file and in the environment, an ssh option naming a key, and recovery objectives; SECRETS must never show.
import { validateConfig, type Config, type ConfigInput } from '../../../shared/config';
import type { Drill } from '../../../shared/model';
import { policiesOf } from '../../../electron/engine/report/policy';
import type { History } from '../../../electron/engine/store/history';
import type { PollEntry } from '../../../electron/engine/store/types';
import { DAY, HOUR, MINUTE } from '../store/temp-history';

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

/**
 * Ninety days of a weekly-drilled dump directory written through the store, ending at `now`: nightly dumps (with
 * pg_dump headers), hourly polls, drills every 7 days but none on days 28 and 35 (a missed window), a failed drill
 * on day 49 fixed by day 56's, the schedule changed to every 3 days on day 63 (from a reload), and days 75 and 78
 * missed under it. The policies, and the orders database's status (ok, critical from day 49's failed drill to day
 * 56's), are recorded as a running engine records them.
 */
export function writeAuditHistory(history: History, now: number, config = parse(auditedConfig())): { from: number; drills: Drill[] } {
  const from = now - 90 * DAY;
  const day = (n: number) => from + n * DAY;
  history.recordPolicies(from - DAY, policiesOf(config));
  const database = (at: number, status: 'ok' | 'critical', message?: string) =>
    history.recordDatabaseStatuses([{ key: 'orders-db/orders', at, status, findings: message ? [{ rule: 'routine:orders-dumps', status, message: `orders-dumps: ${message}` }] : [], sources: [{ id: 'orders-dumps', status }] }]);
  database(from - DAY, 'ok');
  const entries: PollEntry[] = [];
  for (let at = from - DAY; at <= now; at += HOUR) {
    const nights = Math.floor((at - from + DAY - 3 * HOUR) / DAY);
    const newest = from - DAY + nights * DAY + 3 * HOUR;
    const backups = [{ key: `/srv/dumps/orders-${nights}.dump`, type: 'dump' as const, finishedAt: newest, sizeBytes: 48_000_000 + nights * 10_000, readable: true, meta: { header: { format: 'custom' as const, dbName: 'orders', pgDumpVersion: '15.8', serverVersion: '15.8 (Debian 15.8-0+deb12u1)' } } }];
    entries.push({ poll: { sourceId: 'orders-dumps', at, durationMs: 40, ok: true, error: null, metrics: { kind: 'dump-dir', fileCount: 1, totalBytes: backups[0]!.sizeBytes, inProgress: 0 }, newestBackupAt: newest, newestBackupSize: backups[0]!.sizeBytes, storedBytes: backups[0]!.sizeBytes, status: 'ok' }, backups });
  }
  history.recordPolls(entries);
  const drills: Drill[] = [];
  const weekly = [0, 7, 14, 21, 42, 49, 56];
  const threeDaily = [63, 66, 69, 72, 81, 84, 87];
  for (const n of [...weekly, ...threeDaily]) {
    const startedAt = day(n) + 4 * HOUR;
    const failed = n === 49;
    const dumpNight = Math.floor((startedAt - from + DAY - 3 * HOUR) / DAY);
    drills.push(
      history.recordDrill({
        sourceId: 'orders-dumps',
        backupKey: `/srv/dumps/orders-${dumpNight}.dump`,
        startedAt,
        finishedAt: startedAt + 7 * MINUTE,
        outcome: failed ? 'fail' : 'pass',
        phases: { prepare: 2_000, restore: 380_000, verify: 35_000, cleanup: 3_000 },
        restoreMs: 415_000 + n * 1_000,
        tables: 14,
        rows: 1_200_000 + n * 1_000,
        restoredBytes: 160_000_000,
        checks: [{ name: 'recent orders', sql: "select count(*) > 0 from orders where placed_at > now() - interval '2 days'", passed: !failed, detail: failed ? 'false' : 'true' }],
        message: failed ? 'check "recent orders" returned false' : `restored 14 tables, ${(1_200_000 + n * 1_000).toLocaleString('en-US')} rows`,
        restoredWith: '15.8',
        database: 'orders',
        safety: { sandboxed: true } as Drill['safety'],
      }),
    );
    const failedMessage = 'the last restore drill failed: check "recent orders" returned false';
    if (n === 49) {
      history.recordStatus({ sourceId: 'orders-dumps', at: startedAt + 7 * MINUTE, polledAt: now, status: 'critical', findings: [{ rule: 'restore-drill', status: 'critical', message: failedMessage, observed: null, limit: null }] });
      database(startedAt + 7 * MINUTE, 'critical', failedMessage);
    }
    if (n === 56) {
      history.recordStatus({ sourceId: 'orders-dumps', at: startedAt + 7 * MINUTE, polledAt: now, status: 'ok', findings: [] });
      database(startedAt + 7 * MINUTE, 'ok');
    }
  }
  history.recordPolicies(day(63), policiesOf(parse(auditedConfig({ every: '3d' }))));
  return { from, drills };
}
