import { describe, expect, it } from 'vitest';
import type { Finding, RuleId, Status } from '../../../shared/model';
import type { EvaluationInput } from '../../../electron/engine/health/types';
import { urlDatabase } from '../../../electron/engine/postgres/url';
import {
  backupAge,
  backupSize,
  backupUnreadable,
  coverage,
  dumpVersion,
  noBackups,
  parseMajor,
  probeError,
  replication,
  walArchiving,
  type Rule,
} from '../../../electron/engine/health/rules';
import { redact } from '../../../electron/engine/errors';
import {
  DAY,
  GB,
  HOUR,
  MB,
  MINUTE,
  NOW,
  archiver,
  dailyDumps,
  dump,
  dumpDirInput,
  dumpDirSource,
  failedPoll,
  header,
  pgMetrics,
  postgresInput,
  postgresSource,
  standby,
} from './fixtures';

interface Expected {
  status: Status;
  /** Every one of these must appear in the message: the numbers and names a sysadmin acts on. */
  mentions: string[];
  observed?: Finding['observed'];
  limit?: Finding['limit'];
}

interface Case {
  name: string;
  input: EvaluationInput;
  /** One entry per expected finding, in order; [] when the rule must stay silent. */
  expected: Expected[];
}

function runTable(rule: Rule, id: RuleId, cases: Case[]): void {
  it.each(cases)('$name', ({ input, expected }) => {
    const findings = rule(input);
    expect(findings.map((f) => f.status)).toEqual(expected.map((e) => e.status));
    findings.forEach((finding, i) => {
      const want = expected[i]!;
      for (const text of want.mentions) expect(finding.message).toContain(text);
      if ('observed' in want) expect(finding.observed).toEqual(want.observed);
      if ('limit' in want) expect(finding.limit).toEqual(want.limit);
      expect(finding.message).not.toMatch(/\n/);
    });
    // Every finding a rule returns carries that rule's id.
    expect(findings.map((f) => f.rule)).toEqual(findings.map(() => id));
  });
}

describe('probe-error', () => {
  const refused = { code: 'refused' as const, message: 'connection refused', host: 'db1.example.com:5432' };
  runTable(probeError, 'probe-error', [
    {
      name: 'never polled: unknown, says so',
      input: postgresInput(undefined, { latest: null }),
      expected: [{ status: 'unknown', mentions: ['orders-db', 'not been polled yet'] }],
    },
    {
      name: 'one failure: unknown naming host and reason',
      input: postgresInput(undefined, { latest: failedPoll('orders-db', refused), consecutiveFailures: 1 }),
      expected: [{ status: 'unknown', mentions: ['db1.example.com:5432', 'connection refused'], observed: 1, limit: 5 }],
    },
    {
      name: 'four failures in a row: still unknown',
      input: postgresInput(undefined, { latest: failedPoll('orders-db', refused), consecutiveFailures: 4 }),
      expected: [{ status: 'unknown', mentions: ['connection refused'], observed: 4, limit: 5 }],
    },
    {
      name: 'five failures in a row: critical, counting them',
      input: postgresInput(undefined, { latest: failedPoll('orders-db', refused), consecutiveFailures: 5 }),
      expected: [{ status: 'critical', mentions: ['db1.example.com:5432', 'for the last 5 polls', 'connection refused'] }],
    },
    {
      name: 'a lower failuresBeforeCritical turns critical sooner',
      input: postgresInput(undefined, {
        latest: failedPoll('orders-db', refused),
        consecutiveFailures: 2,
        defaults: { ...postgresInput().defaults, failuresBeforeCritical: 2 },
      }),
      expected: [{ status: 'critical', mentions: ['for the last 2 polls'] }],
    },
    {
      name: 'no host on the error: the URL host, never the URL',
      input: postgresInput(undefined, {
        source: postgresSource({ url: 'postgres://monitor@db2.internal:5433/orders' }),
        latest: failedPoll('orders-db', { code: 'auth-failed', message: 'password authentication failed for user "monitor"' }),
        consecutiveFailures: 1,
      }),
      expected: [{ status: 'unknown', mentions: ['db2.internal:5433', 'password authentication failed', 'passwordEnv'] }],
    },
    {
      name: 'dump-dir: names the directory',
      input: dumpDirInput({
        latest: failedPoll('orders-dumps', { code: 'permission-denied', message: "EACCES: permission denied, scandir '/var/backups/orders'" }),
        consecutiveFailures: 1,
      }),
      expected: [{ status: 'unknown', mentions: ['/var/backups/orders', 'permission denied'] }],
    },
    {
      name: 'timeout',
      input: postgresInput(undefined, {
        latest: failedPoll('orders-db', { code: 'timeout', message: 'no answer within 30s', host: 'db1.example.com:5432' }),
        consecutiveFailures: 1,
      }),
      expected: [{ status: 'unknown', mentions: ['db1.example.com:5432', 'no answer within 30s'] }],
    },
    {
      name: 'a successful poll: nothing',
      input: postgresInput(),
      expected: [],
    },
    {
      name: 'a successful postgres poll without metrics: unknown, not ok',
      input: postgresInput(undefined, { latest: { ...postgresInput().latest!, metrics: null } }),
      expected: [{ status: 'unknown', mentions: ['db1.example.com:5432', 'no server metrics'] }],
    },
  ]);

  it('never prints a credential that a driver echoed back', () => {
    const [finding] = probeError(
      postgresInput(undefined, {
        latest: failedPoll('orders-db', { code: 'failed', message: 'cannot connect to postgres://monitor:s3cret@db1/orders (password=s3cret)' }),
        consecutiveFailures: 1,
      }),
    );
    expect(finding!.message).toContain('db1/orders');
    expect(finding!.message).not.toContain('s3cret');
  });
});

describe('no-backups', () => {
  runTable(noBackups, 'no-backups', [
    {
      name: 'empty directory: critical, naming pattern and path',
      input: dumpDirInput({ backups: [], history: [] }),
      expected: [{ status: 'critical', mentions: ['"*.dump"', '/var/backups/orders'], observed: 0 }],
    },
    {
      name: 'backups vanished: also says when the last one seen finished',
      input: dumpDirInput({ backups: [], history: dailyDumps(3, GB, 30 * HOUR) }),
      expected: [{ status: 'critical', mentions: ['"*.dump"', 'orders-30.dump', '1d 6h ago'] }],
    },
    { name: 'backups present: nothing', input: dumpDirInput(), expected: [] },
    { name: 'not a dump-dir: nothing', input: postgresInput(), expected: [] },
  ]);
});

describe('backup-age', () => {
  runTable(backupAge, 'backup-age', [
    {
      name: 'fresh backup: nothing',
      input: dumpDirInput({ backups: dailyDumps(3, GB, 2 * HOUR) }),
      expected: [],
    },
    {
      name: 'exactly at maxAge: nothing',
      input: dumpDirInput({ backups: dailyDumps(3, GB, 26 * HOUR) }),
      expected: [],
    },
    {
      name: 'older than the default 26h: critical with age and limit',
      input: dumpDirInput({ backups: dailyDumps(3, GB, 30 * HOUR) }),
      expected: [{ status: 'critical', mentions: ['orders-30.dump', '1d 6h', '1d 2h'], observed: 30 * HOUR, limit: 26 * HOUR }],
    },
    {
      name: 'source maxAge overrides the default',
      input: dumpDirInput({ source: dumpDirSource({ maxAge: '2h' }), backups: dailyDumps(3, GB, 3 * HOUR) }),
      expected: [{ status: 'critical', mentions: ['3h', '2h'], observed: 3 * HOUR, limit: 2 * HOUR }],
    },
    {
      name: 'newest is unreadable: the age of the newest readable one counts',
      input: dumpDirInput({
        backups: [dump('orders-31.dump', 1 * HOUR, 20, { readable: false, problem: 'header cut short' }), ...dailyDumps(2, GB, 25 * HOUR + 2 * DAY)],
      }),
      expected: [{ status: 'critical', mentions: ['newest readable backup', 'orders-30.dump', '3d 1h'] }],
    },
    {
      name: 'newest is empty, older one still fresh: backup-unreadable covers it',
      input: dumpDirInput({ backups: [dump('orders-31.dump', 1 * HOUR, 0), ...dailyDumps(2, GB, 20 * HOUR)] }),
      expected: [],
    },
    {
      name: 'no readable backup at all: backup-unreadable covers it',
      input: dumpDirInput({ backups: [dump('orders-31.dump', 40 * HOUR, 0)] }),
      expected: [],
    },
    {
      name: 'age is measured at the latest poll, not at now: a gap while the app was off is not a failure',
      input: { ...dumpDirInput({ backups: dailyDumps(3, GB, 2 * HOUR) }), now: NOW + 5 * DAY },
      expected: [],
    },
    {
      name: 'backups listed oldest first still judge the newest',
      input: dumpDirInput({ backups: dailyDumps(3, GB, 2 * HOUR).reverse() }),
      expected: [],
    },
  ]);
});

describe('backup-size', () => {
  const history = dailyDumps(8, [1 * GB, 1 * GB, 1.1 * GB, 0.9 * GB, 1 * GB, 1.2 * GB, 1 * GB, 50 * GB]);
  const withNewest = (sizeBytes: number, extra = {}) => {
    const newest = dump('orders-31.dump', 1 * HOUR, sizeBytes, extra);
    return { backups: [newest, ...history], history: [newest, ...history] };
  };
  runTable(backupSize, 'backup-size', [
    {
      name: 'similar to the median: nothing',
      input: dumpDirInput(withNewest(1 * GB)),
      expected: [],
    },
    {
      name: 'a few kB after GB-sized dumps (the GitLab failure): critical with both sizes and the median',
      input: dumpDirInput(withNewest(12 * 1024)),
      // The 8th-newest (50 GB) is outside the window of 7; otherwise the median would still be 1.0 GB.
      expected: [{ status: 'critical', mentions: ['orders-31.dump', '12.0 kB', '1.0 GB median', 'previous 7'], observed: 12 * 1024 }],
    },
    {
      name: 'just under half the median: critical',
      input: dumpDirInput(withNewest(0.49 * GB)),
      expected: [{ status: 'critical', mentions: ['502 MB', '1.0 GB'], limit: 0.5 * GB }],
    },
    {
      name: 'just over half the median: nothing',
      input: dumpDirInput(withNewest(0.51 * GB)),
      expected: [],
    },
    {
      name: 'only two earlier backups: too few to judge',
      input: dumpDirInput({ backups: dailyDumps(3, [1 * MB, 1 * GB, 1 * GB], 1 * HOUR) }),
      expected: [],
    },
    {
      name: 'three earlier backups: enough',
      input: dumpDirInput({ backups: dailyDumps(4, [1 * MB, 1 * GB, 1 * GB, 1 * GB], 1 * HOUR) }),
      expected: [{ status: 'critical', mentions: ['1.0 MB', '1.0 GB median', 'previous 3'] }],
    },
    {
      name: 'unreadable and empty earlier backups do not drag the median down',
      input: dumpDirInput({
        backups: [dump('orders-31.dump', 1 * HOUR, 400 * MB), ...dailyDumps(3, GB, 1 * DAY)],
        history: [
          dump('orders-31.dump', 1 * HOUR, 400 * MB),
          dump('orders-30.dump', 1 * DAY, 0),
          dump('orders-29.dump', 2 * DAY, 10, { readable: false }),
          dump('orders-28.dump', 3 * DAY, 10, { readable: false }),
          ...dailyDumps(3, GB, 4 * DAY),
        ],
      }),
      expected: [{ status: 'critical', mentions: ['400 MB', '1.0 GB median', 'previous 3'] }],
    },
    {
      name: 'even count: the median is the mean of the middle two',
      input: dumpDirInput({ backups: dailyDumps(5, [100 * MB, 100 * MB, 300 * MB, 100 * MB, 900 * MB], 1 * HOUR) }),
      // previous 4: 100, 300, 100, 900 MB -> median 200 MB; 100 MB is exactly half, not under it
      expected: [],
    },
    {
      name: 'below minSize: critical even without history',
      input: dumpDirInput({ source: dumpDirSource({ minSize: '1MB' }), backups: [dump('orders-31.dump', 1 * HOUR, 512 * 1024)] }),
      expected: [{ status: 'critical', mentions: ['orders-31.dump', '512 kB', '1.0 MB minSize'], observed: 512 * 1024, limit: MB }],
    },
    {
      name: 'below minSize and half the median: one finding naming both',
      input: dumpDirInput({ ...withNewest(12 * 1024), source: dumpDirSource({ minSize: '1MB' }) }),
      expected: [{ status: 'critical', mentions: ['12.0 kB', '1.0 MB minSize', '1.0 GB median'] }],
    },
    {
      name: 'a zero-byte dump is left to backup-unreadable',
      input: dumpDirInput({ ...withNewest(0), source: dumpDirSource({ minSize: '1MB' }) }),
      expected: [],
    },
    {
      name: 'one directory, two databases: a small database is compared with its own dumps',
      input: dumpDirInput({
        backups: [
          dump('billing-31.dump', 1 * HOUR, 3 * MB, { header: header({ dbName: 'billing' }) }),
          dump('orders-31.dump', 2 * HOUR, 1 * GB),
        ],
        history: [
          dump('billing-31.dump', 1 * HOUR, 3 * MB, { header: header({ dbName: 'billing' }) }),
          dump('orders-31.dump', 2 * HOUR, 1 * GB),
          dump('billing-30.dump', 1 * DAY + HOUR, 3 * MB, { header: header({ dbName: 'billing' }) }),
          dump('orders-30.dump', 1 * DAY + 2 * HOUR, 1 * GB),
          dump('billing-29.dump', 2 * DAY + HOUR, 3 * MB, { header: header({ dbName: 'billing' }) }),
          dump('orders-29.dump', 2 * DAY + 2 * HOUR, 1 * GB),
          dump('billing-28.dump', 3 * DAY + HOUR, 3 * MB, { header: header({ dbName: 'billing' }) }),
          dump('orders-28.dump', 3 * DAY + 2 * HOUR, 1 * GB),
        ],
      }),
      expected: [],
    },
  ]);
});

describe('backup-unreadable', () => {
  runTable(backupUnreadable, 'backup-unreadable', [
    {
      name: 'newest is zero bytes: critical',
      input: dumpDirInput({ backups: [dump('orders-31.dump', 1 * HOUR, 0), ...dailyDumps(2, GB, DAY)] }),
      expected: [{ status: 'critical', mentions: ['orders-31.dump', '0 bytes'], observed: 0 }],
    },
    {
      name: 'newest header cut short: critical with the problem text',
      input: dumpDirInput({
        backups: [dump('orders-31.dump', 1 * HOUR, 20, { readable: false, problem: 'the pg_dump header is cut short after 20 bytes' }), ...dailyDumps(2, GB, DAY)],
      }),
      expected: [{ status: 'critical', mentions: ['orders-31.dump', '20 bytes', 'header is cut short'] }],
    },
    {
      name: 'newest unreadable with no problem given: still says why it matters',
      input: dumpDirInput({ backups: [dump('orders-31.dump', 1 * HOUR, 4096, { readable: false })] }),
      expected: [{ status: 'critical', mentions: ['orders-31.dump', 'cannot be read'] }],
    },
    {
      name: 'an older backup is unreadable, the newest is fine: nothing',
      input: dumpDirInput({ backups: [dump('orders-31.dump', 1 * HOUR, GB), dump('orders-30.dump', DAY, 0), dump('orders-29.dump', 2 * DAY, 9, { readable: false })] }),
      expected: [],
    },
    { name: 'no backups: no-backups covers it', input: dumpDirInput({ backups: [], history: [] }), expected: [] },
  ]);
});

describe('dump-version', () => {
  const linked = (serverVersion: string, serverVersionNum: number, serverMajor: number) => ({
    id: 'orders-db',
    metrics: pgMetrics({ serverVersion, serverVersionNum, serverMajor }),
  });
  const withHeader = (h: Parameters<typeof header>[0], extra: object = {}) =>
    dumpDirInput({ backups: [dump('orders-31.dump', HOUR, GB, { header: header(h) })], ...extra });
  runTable(dumpVersion, 'dump-version', [
    {
      name: 'same versions everywhere: nothing',
      input: withHeader({}, { linkedPostgres: linked('15.18 (Debian 15.18-0+deb12u1)', 150018, 15) }),
      expected: [],
    },
    {
      name: 'dumps from 14 but the linked server runs 15: warning naming both',
      input: withHeader(
        { serverVersion: '14.13 (Debian 14.13-1.pgdg120+1)', pgDumpVersion: '14.13 (Debian 14.13-1.pgdg120+1)' },
        { linkedPostgres: linked('15.18 (Debian 15.18-0+deb12u1)', 150018, 15) },
      ),
      expected: [{ status: 'warning', mentions: ['PostgreSQL 14', 'orders-db runs 15', 'orders-31.dump'], observed: '14', limit: '15' }],
    },
    {
      name: 'pg_dump 9.2 against a 9.6 server (GitLab 2017): critical',
      input: withHeader({ serverVersion: '9.6.24', pgDumpVersion: '9.2.24' }),
      expected: [{ status: 'critical', mentions: ['pg_dump 9.2', 'PostgreSQL 9.6', 'orders-31.dump'], observed: '9.2', limit: '9.6' }],
    },
    {
      name: 'pg_dump 14 against a 15 server that is also not the linked 16: both',
      input: withHeader({ serverVersion: '15.18', pgDumpVersion: '14.13' }, { linkedPostgres: linked('16.4', 160004, 16) }),
      expected: [
        { status: 'critical', mentions: ['pg_dump 14', 'PostgreSQL 15'] },
        { status: 'warning', mentions: ['PostgreSQL 15', 'orders-db runs 16'] },
      ],
    },
    {
      name: 'a newer pg_dump than the server is normal: nothing',
      input: withHeader({ serverVersion: '15.18', pgDumpVersion: '17.2 (Debian 17.2-1.pgdg120+1)' }),
      expected: [],
    },
    {
      name: '9.6 server dumped and running 9.6, even when serverMajor says 9: nothing',
      input: withHeader({ serverVersion: '9.6.24', pgDumpVersion: '9.6.24' }, { linkedPostgres: linked('9.6.24', 90624, 9) }),
      expected: [],
    },
    {
      name: '9.5 dumps but the server runs 9.6: warning (minor-looking numbers are majors before 10)',
      input: withHeader({ serverVersion: '9.5.25', pgDumpVersion: '9.6.24' }, { linkedPostgres: linked('9.6.24', 90624, 9) }),
      expected: [{ status: 'warning', mentions: ['PostgreSQL 9.5', 'runs 9.6'] }],
    },
    {
      name: 'a beta server: 17beta1 is major 17',
      input: withHeader({ serverVersion: '17beta1', pgDumpVersion: '16.4' }),
      expected: [{ status: 'critical', mentions: ['pg_dump 16', 'PostgreSQL 17'] }],
    },
    {
      name: 'no header (plain SQL without comments): nothing to judge',
      input: dumpDirInput({ backups: [dump('orders-31.sql', HOUR, GB, { header: null })], linkedPostgres: linked('15.18', 150018, 15) }),
      expected: [],
    },
    {
      name: 'linked server not observed yet: only the header is judged',
      input: withHeader({ serverVersion: '14.13' }, { linkedPostgres: { id: 'orders-db', metrics: null } }),
      expected: [],
    },
    {
      name: 'the newest is unreadable: the newest readable dump is judged',
      input: dumpDirInput({
        backups: [
          dump('orders-31.dump', HOUR, 20, { readable: false, header: header({ serverVersion: '9.6.24', pgDumpVersion: '9.2.24' }) }),
          dump('orders-30.dump', DAY, GB, { header: header({ serverVersion: '15.18', pgDumpVersion: '14.13' }) }),
        ],
      }),
      expected: [{ status: 'critical', mentions: ['orders-30.dump', 'pg_dump 14', 'PostgreSQL 15'] }],
    },
  ]);

  it.each([
    ['15.18 (Debian 15.18-0+deb12u1)', '15'],
    ['9.6.24', '9.6'],
    ['17beta1', '17'],
    ['18devel', '18'],
    ['10.23', '10'],
    ['pg_dump (PostgreSQL) 16.4', '16'],
    ['9.2', '9.2'],
  ])('parseMajor(%j) is %s', (text, label) => {
    expect(parseMajor(text)?.label).toBe(label);
  });

  it('orders majors across the 9.x/10 boundary', () => {
    expect(parseMajor('9.2.24')!.rank).toBeLessThan(parseMajor('9.6.24')!.rank);
    expect(parseMajor('9.6.24')!.rank).toBeLessThan(parseMajor('10.1')!.rank);
    expect(parseMajor('')).toBeNull();
    expect(parseMajor(undefined)).toBeNull();
  });
});

describe('wal-archiving', () => {
  const withArchiver = (overrides: Parameters<typeof archiver>[0], metrics = {}, sourceOverrides = {}) =>
    postgresInput(pgMetrics({ archiver: archiver(overrides), ...metrics }), { source: postgresSource(sourceOverrides) });
  runTable(walArchiving, 'wal-archiving', [
    { name: 'archived 2 minutes ago: nothing', input: withArchiver({}), expected: [] },
    {
      name: 'failed after the last success: critical naming the WAL and when',
      input: withArchiver({ failedCount: 3, lastFailedWal: '000000010000000000000078', lastFailedAt: NOW - 12 * MINUTE, lastArchivedAt: NOW - 40 * MINUTE }),
      expected: [
        {
          status: 'critical',
          mentions: ['000000010000000000000078', '12m ago', '2024-05-02 11:48 UTC', '000000010000000000000077', 'archive_command'],
          observed: '000000010000000000000078',
        },
      ],
    },
    {
      name: 'failures and never archived: critical',
      input: withArchiver({ archivedCount: 0, lastArchivedWal: null, lastArchivedAt: null, failedCount: 1, lastFailedWal: '000000010000000000000001', lastFailedAt: NOW - 3 * MINUTE }),
      expected: [{ status: 'critical', mentions: ['000000010000000000000001', 'ever been archived'] }],
    },
    {
      name: 'an old failure followed by success: judged by age only',
      input: withArchiver({ failedCount: 1, lastFailedWal: '000000010000000000000070', lastFailedAt: NOW - 2 * HOUR }),
      expected: [],
    },
    {
      name: 'last archived 2h ago with the default 15m limit: warning with both',
      input: withArchiver({ lastArchivedAt: NOW - 2 * HOUR }),
      expected: [{ status: 'warning', mentions: ['000000010000000000000077', '2h', '15m'], observed: 2 * HOUR, limit: 15 * MINUTE }],
    },
    {
      name: 'source maxArchiveAge overrides the default',
      input: withArchiver({ lastArchivedAt: NOW - 2 * HOUR }, {}, { maxArchiveAge: '3h' }),
      expected: [],
    },
    {
      name: 'archive_mode on but nothing archived yet: warning',
      input: withArchiver({ archivedCount: 0, lastArchivedWal: null, lastArchivedAt: null }),
      expected: [{ status: 'warning', mentions: ['no WAL has been archived yet'] }],
    },
    {
      name: 'archive_mode off and no maxArchiveAge: nothing',
      input: withArchiver({ archiveMode: 'off', lastArchivedAt: null, lastArchivedWal: null }),
      expected: [],
    },
    {
      name: 'archive_mode off but maxArchiveAge set: warning',
      input: withArchiver({ archiveMode: 'off', lastArchivedAt: null, lastArchivedWal: null }, {}, { maxArchiveAge: '1h' }),
      expected: [{ status: 'warning', mentions: ['archive_mode = off', 'maxArchiveAge'] }],
    },
    {
      name: 'a standby with archive_mode on does not archive: skipped',
      input: withArchiver({ lastArchivedAt: NOW - 5 * DAY }, { inRecovery: true, replayDelayMs: 0 }),
      expected: [],
    },
    {
      name: 'a standby with archive_mode always is judged',
      input: withArchiver({ archiveMode: 'always', lastArchivedAt: NOW - 5 * HOUR }, { inRecovery: true, replayDelayMs: 0 }),
      expected: [{ status: 'warning', mentions: ['5h', '15m'] }],
    },
    {
      name: 'no archiver metrics: nothing',
      input: postgresInput(pgMetrics({ archiver: null })),
      expected: [],
    },
  ]);
});

describe('replication', () => {
  const withStandbys = (standbys: ReturnType<typeof standby>[], sourceOverrides = {}, metrics = {}) =>
    postgresInput(pgMetrics({ standbys, ...metrics }), { source: postgresSource(sourceOverrides) });
  runTable(replication, 'replication', [
    { name: 'no standbys expected or connected: nothing', input: withStandbys([]), expected: [] },
    {
      name: 'all expected standbys streaming in time: nothing',
      input: withStandbys([standby('replica1'), standby('replica2')], { standbys: ['replica1', 'replica2'] }),
      expected: [],
    },
    {
      name: 'an expected standby is missing: critical naming it',
      input: withStandbys([standby('replica1')], { standbys: ['replica1', 'replica2'] }),
      expected: [{ status: 'critical', mentions: ['standby replica2 is not connected'] }],
    },
    {
      name: 'two missing: one finding each',
      input: withStandbys([], { standbys: ['replica1', 'replica2'] }),
      expected: [
        { status: 'critical', mentions: ['replica1'] },
        { status: 'critical', mentions: ['replica2'] },
      ],
    },
    {
      name: 'replay lag over the default 5m: warning naming standby, lag and limit',
      input: withStandbys([standby('replica1', { replayLagMs: 12 * MINUTE, clientAddr: '10.0.0.7' })]),
      expected: [{ status: 'warning', mentions: ['replica1', '10.0.0.7', '12m', '5m'], observed: 12 * MINUTE, limit: 5 * MINUTE }],
    },
    {
      name: 'source maxReplicationLag overrides the default',
      input: withStandbys([standby('replica1', { replayLagMs: 12 * MINUTE })], { maxReplicationLag: '30m' }),
      expected: [],
    },
    {
      name: 'lag unknown (null): nothing',
      input: withStandbys([standby('replica1', { replayLagMs: null })]),
      expected: [],
    },
    {
      name: 'on a standby, replay delay over the limit: warning',
      input: withStandbys([], {}, { inRecovery: true, replayDelayMs: 40 * MINUTE, archiver: null }),
      expected: [{ status: 'warning', mentions: ['40m', '5m', 'standby'], observed: 40 * MINUTE }],
    },
    {
      name: 'on a standby, caught up: nothing',
      input: withStandbys([], {}, { inRecovery: true, replayDelayMs: 0, archiver: null }),
      expected: [],
    },
  ]);
});

describe('coverage', () => {
  const databases = [
    { name: 'postgres', sizeBytes: 7 * MB },
    { name: 'template1', sizeBytes: 7 * MB },
    { name: 'orders', sizeBytes: 2 * GB },
    { name: 'billing', sizeBytes: 12 * MB },
    { name: 'audit', sizeBytes: 3 * MB },
  ];
  const withDumpDirs = (dumpDirs: { id: string; dbnames: string[] }[] | undefined, sourceOverrides = {}) =>
    postgresInput(pgMetrics({ databases }), { source: postgresSource(sourceOverrides), coveringSources: dumpDirs?.map(({ id, dbnames }) => ({ id, kind: 'dump-dir' as const, databases: dbnames })) });
  runTable(coverage, 'coverage', [
    {
      name: 'every database dumped: nothing',
      input: withDumpDirs([{ id: 'orders-dumps', dbnames: ['orders', 'billing'] }, { id: 'audit-dumps', dbnames: ['audit'] }]),
      expected: [],
    },
    {
      name: 'no dump-dir linked: warning listing databases with sizes and the fix',
      input: withDumpDirs([]),
      expected: [
        {
          status: 'warning',
          mentions: ['orders (2.0 GB)', 'billing (12.0 MB)', 'audit (3.0 MB)', 'orders-db', 'database: orders-db'],
          observed: 'orders, billing, audit',
        },
      ],
    },
    {
      name: 'coveringDumpDirs absent is the same as none',
      input: withDumpDirs(undefined),
      expected: [{ status: 'warning', mentions: ['database: orders-db'] }],
    },
    {
      name: 'a linked dump-dir misses some: warning naming them and the dump-dir',
      input: withDumpDirs([{ id: 'orders-dumps', dbnames: ['orders'] }]),
      expected: [{ status: 'warning', mentions: ['databases billing (12.0 MB), audit (3.0 MB)', 'orders-dumps', 'coverageIgnore'] }],
    },
    {
      name: 'a database the monitor may not size is still asked a backup for',
      input: postgresInput(pgMetrics({ databases: [...databases, { name: 'hr', sizeBytes: null }] }), { source: postgresSource({}), coveringSources: [{ id: 'orders-dumps', kind: 'dump-dir', databases: ['orders', 'billing', 'audit'] }] }),
      expected: [{ status: 'warning', mentions: ['database hr on orders-db has no dump'], observed: 'hr' }],
    },
    {
      name: 'one missing: singular',
      input: withDumpDirs([{ id: 'orders-dumps', dbnames: ['orders', 'billing'] }]),
      expected: [{ status: 'warning', mentions: ['database audit (3.0 MB) on orders-db has'] }],
    },
    {
      name: 'dumps naming no database cover the one in the URL path',
      input: withDumpDirs([{ id: 'orders-dumps', dbnames: [] }], { coverageIgnore: ['postgres', 'billing', 'audit'] }),
      expected: [],
    },
    {
      name: 'the URL database is taken without printing the URL',
      input: withDumpDirs([{ id: 'orders-dumps', dbnames: [] }]),
      expected: [{ status: 'warning', mentions: ['billing', 'audit'] }],
    },
    {
      name: 'coverageIgnore replaces the default ["postgres"]',
      input: withDumpDirs([{ id: 'orders-dumps', dbnames: ['orders', 'billing'] }], { coverageIgnore: ['audit'] }),
      expected: [{ status: 'warning', mentions: ['database postgres (7.0 MB)'] }],
    },
  ]);

  it('never prints the source URL', () => {
    const [finding] = coverage(withDumpDirs([], { url: 'postgres://monitor@db1.example.com:5432/orders' }));
    expect(finding!.message).not.toContain('postgres://');
    expect(finding!.message).not.toContain('monitor');
    expect(finding!.message).toMatch(/orders \(2\.0 GB\)/);
  });

  it.each([
    ['postgres://monitor@db1.example.com:5432/orders', 'orders'],
    ['postgresql:///billing?host=/var/run/postgresql', 'billing'],
    ['postgres://db1/?dbname=audit', 'audit'],
    ['postgres://backup@db1', 'backup'],
    ['postgres://db1/caf%C3%A9', 'café'],
    ['not a url', null],
  ])('urlDatabase(%j) is %j', (url, name) => {
    expect(urlDatabase(url)).toBe(name);
  });
});

describe('redact', () => {
  it.each([
    ['could not connect to postgres://u:hunter2@db1:5432/orders', 'postgres://db1:5432/orders'],
    ["host=db1 user=u password=hunter2 dbname=orders", 'password=***'],
    ["password='hunter 2' host=db1", 'password=***'],
  ])('%j', (text, expected) => {
    expect(redact(text)).toContain(expected);
    expect(redact(text)).not.toContain('hunter');
  });
});
