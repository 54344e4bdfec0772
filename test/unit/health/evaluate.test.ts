import { describe, expect, it } from 'vitest';
import type { RuleId, Status } from '../../../shared/model';
import type { EvaluationInput } from '../../../electron/engine/health/types';
import { evaluate } from '../../../electron/engine/sources/evaluate';
import {
  DAY,
  GB,
  HOUR,
  MINUTE,
  archiver,
  dailyDumps,
  dump,
  dumpDirInput,
  failedPoll,
  header,
  pgMetrics,
  postgresInput,
  standby,
  postgresSource,
} from './fixtures';

const failing = { code: 'timeout' as const, message: 'no answer within 30s', host: 'db1.example.com:5432' };

interface Case {
  name: string;
  input: EvaluationInput;
  status: Status;
  /** Rules of the findings, worst first. */
  rules: RuleId[];
}

const cases: Case[] = [
  { name: 'healthy dump-dir: ok, no findings', input: dumpDirInput(), status: 'ok', rules: [] },
  { name: 'healthy postgres: ok, no findings', input: postgresInput(), status: 'ok', rules: [] },
  { name: 'dump-dir never polled: unknown', input: dumpDirInput({ latest: null }), status: 'unknown', rules: ['probe-error'] },
  { name: 'postgres never polled: unknown', input: postgresInput(undefined, { latest: null }), status: 'unknown', rules: ['probe-error'] },
  {
    name: 'latest poll failed: only probe-error, stale backups are not judged',
    input: dumpDirInput({ latest: failedPoll('orders-dumps', failing), consecutiveFailures: 1, backups: [dump('orders-31.dump', 5 * DAY, 0)] }),
    status: 'unknown',
    rules: ['probe-error'],
  },
  {
    name: 'failing for 5 polls: critical',
    input: postgresInput(undefined, { latest: failedPoll('orders-db', failing), consecutiveFailures: 5 }),
    status: 'critical',
    rules: ['probe-error'],
  },
  {
    name: 'empty directory: critical no-backups only',
    input: dumpDirInput({ backups: [], history: [] }),
    status: 'critical',
    rules: ['no-backups'],
  },
  {
    name: 'the GitLab night: a few bytes, no header, after GB dumps made by an old pg_dump',
    input: dumpDirInput({
      backups: [
        dump('orders-31.dump', HOUR, 37, { readable: false, problem: 'no pg_dump header', header: null }),
        ...dailyDumps(7, GB, 2 * DAY).map((b) => ({ ...b, meta: { header: header({ serverVersion: '9.6.1', pgDumpVersion: '9.2.18' }) } })),
      ],
    }),
    status: 'critical',
    rules: ['backup-unreadable', 'backup-age', 'backup-size', 'dump-version'],
  },
  {
    name: 'dump version drift only: warning',
    input: dumpDirInput({
      backups: [dump('orders-31.dump', HOUR, GB, { header: header({ serverVersion: '14.13', pgDumpVersion: '14.13' }) })],
      linkedPostgres: { id: 'orders-db', metrics: pgMetrics() },
    }),
    status: 'warning',
    rules: ['dump-version'],
  },
  {
    name: 'postgres: archiving failing, a standby missing, a database uncovered; warnings sort after criticals',
    input: postgresInput(
      pgMetrics({
        archiver: archiver({ lastArchivedAt: NOW_MINUS(40 * MINUTE), failedCount: 2, lastFailedWal: '000000010000000000000078', lastFailedAt: NOW_MINUS(MINUTE) }),
        standbys: [standby('replica1', { replayLagMs: 20 * MINUTE })],
        databases: [
          { name: 'orders', sizeBytes: GB },
          { name: 'billing', sizeBytes: GB },
        ],
      }),
      { source: postgresSource({ standbys: ['replica1', 'replica2'] }) },
    ),
    status: 'critical',
    rules: ['wal-archiving', 'replication', 'replication', 'coverage'],
  },
  {
    name: 'a postgres source is not judged by dump-dir rules even with backups in the input',
    input: postgresInput(undefined, { backups: [dump('orders-31.dump', 9 * DAY, 0)] }),
    status: 'ok',
    rules: [],
  },
];

function NOW_MINUS(ms: number): number {
  return postgresInput().now - ms;
}

describe('evaluate', () => {
  it.each(cases)('$name', ({ input, status, rules }) => {
    const health = evaluate(input);
    expect(health.status).toBe(status);
    expect(health.findings.map((f) => f.rule)).toEqual(rules);
  });

  it('the status is the worst finding', () => {
    const health = evaluate(cases.find((c) => c.name.startsWith('postgres: archiving'))!.input);
    expect(health.findings.map((f) => f.status)).toEqual(['critical', 'critical', 'warning', 'warning']);
  });

  it('never polled says so in words', () => {
    const health = evaluate(dumpDirInput({ latest: null }));
    expect(health.findings[0]!.message).toContain('orders-dumps has not been polled yet');
  });

  it('unknown is never ok: a postgres poll without metrics is unknown', () => {
    const input = postgresInput();
    const health = evaluate({ ...input, latest: { ...input.latest!, metrics: null } });
    expect(health.status).toBe('unknown');
  });

  it('a backup going stale while the app was closed is judged at the latest poll', () => {
    const input = dumpDirInput({ backups: dailyDumps(3, GB, 2 * HOUR) });
    expect(evaluate({ ...input, now: input.now + 3 * DAY }).status).toBe('ok');
  });
});
