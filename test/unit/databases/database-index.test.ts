// The databases view from its inputs: which rows exist (a server's databases, what dumps name, a cluster whose
// server is not linked, objectives for a database nobody holds), which routines hold each, what their drills
// proved, and the objective findings in the routines' words.
import { describe, expect, it } from 'vitest';
import { validateConfig, type Config } from '../../../shared/config';
import type { DatabaseSize, Drill, Finding, SourceSummary, Status } from '../../../shared/model';
import { databaseIndex, type DatabaseInputs } from '../../../electron/engine/databases/database-index';

const H = 3_600_000;
const D = 24 * H;
const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);

function config(raw: Record<string, unknown>): Config {
  const parsed = validateConfig(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

const SOURCES = [
  { id: 'orders-db', kind: 'postgres', url: 'postgres://bh@db1/orders' },
  { id: 'orders-dumps', kind: 'dump-dir', path: '/backups/orders', database: 'orders-db' },
  { id: 'orders-pitr', kind: 'pgbackrest', stanza: 'main', database: 'orders-db' },
  { id: 'loose-dumps', kind: 'dump-dir', path: '/backups/loose' },
  { id: 'loose-stanza', kind: 'pgbackrest', stanza: 'other' },
];

function drill(sourceId: string, finishedAt: number, fields: Partial<Drill> = {}): Drill {
  return { sourceId, backupKey: 'b1', startedAt: finishedAt - 60_000, finishedAt, outcome: 'pass', phases: {}, restoreMs: 50_000, tables: 3, rows: 100, restoredBytes: null, checks: [], message: 'restored', ...fields };
}

function inputs(raw: Record<string, unknown>, parts: { statuses?: Record<string, Status>; findings?: Record<string, Finding[]>; databases?: DatabaseSize[] | null; holds?: Record<string, readonly string[] | 'cluster'>; drills?: Record<string, Drill[]>; finished?: Record<string, number>; buckets?: Record<string, string> } = {}): DatabaseInputs {
  return {
    now: NOW,
    config: config(raw),
    summaryOf: (id): Pick<SourceSummary, 'status' | 'findings' | 'name' | 'host' | 'bucketUrl' | 'newestBackup'> => ({ status: parts.statuses?.[id] ?? 'ok', findings: parts.findings?.[id] ?? [], name: id, ...(parts.buckets?.[id] ? { bucketUrl: parts.buckets[id] } : {}), newestBackup: { key: 'b1', finishedAt: NOW - H, sizeBytes: 10, readable: true } }),
    serverDatabases: (id) => (id === 'orders-db' ? (parts.databases === undefined ? [{ name: 'orders', sizeBytes: 5e9 }, { name: 'crm', sizeBytes: 1e6 }, { name: 'postgres', sizeBytes: 8e6 }, { name: 'template1', sizeBytes: 8e6 }] : parts.databases) : null),
    holds: (source) => parts.holds?.[source.id] ?? (source.kind === 'pgbackrest' ? 'cluster' : ['orders']),
    drillsOf: (id) => parts.drills?.[id] ?? [],
    backupFinishedAt: (sourceId, key) => parts.finished?.[`${sourceId}/${key}`] ?? null,
  };
}

describe('databases view', () => {
  it('lists each database once: from the server, from what dumps name, and a cluster whose server is not linked; ignored ones left out', () => {
    const rows = databaseIndex(inputs({ sources: SOURCES }, { holds: { 'loose-dumps': ['shop'] } }));
    expect(rows.map((r) => r.key).sort()).toEqual(['cluster:loose-stanza', 'orders-db/crm', 'orders-db/orders', '~/shop']);
    const orders = rows.find((r) => r.key === 'orders-db/orders')!;
    expect(orders.server).toEqual({ id: 'orders-db', name: 'orders-db', status: 'ok', findings: [] });
    expect(orders.sizeBytes).toBe(5e9);
    expect(orders.routines.map((r) => [r.sourceId, r.holds])).toEqual([
      ['orders-dumps', 'dumps'],
      ['orders-pitr', 'cluster'],
    ]);
    // crm is held only by the whole-cluster backup
    expect(rows.find((r) => r.key === 'orders-db/crm')!.routines.map((r) => r.sourceId)).toEqual(['orders-pitr']);
    expect(rows.find((r) => r.key === 'cluster:loose-stanza')!.name).toBeNull();
  });

  it("a routine of dumps in a bucket carries the bucket, so it reads as such; others carry none", () => {
    const rows = databaseIndex(inputs({ sources: SOURCES }, { buckets: { 'orders-dumps': 's3://dumps/orders/' } }));
    const routines = rows.find((r) => r.key === 'orders-db/orders')!.routines;
    expect(routines.find((r) => r.sourceId === 'orders-dumps')!.bucketUrl).toBe('s3://dumps/orders/');
    expect(routines.find((r) => r.sourceId === 'orders-pitr')).not.toHaveProperty('bucketUrl');
  });

  it('a database no routine holds says so: a warning, critical when it has objectives', () => {
    const sources = SOURCES.filter((s) => s.id === 'orders-db' || s.id === 'orders-dumps');
    const rows = databaseIndex(inputs({ sources, databases: [{ name: 'crm', server: 'orders-db', rpo: '1h' }, { name: 'gone', server: 'orders-db', rpo: '1h' }] }));
    const crm = rows.find((r) => r.key === 'orders-db/crm')!;
    expect(crm.status).toBe('critical');
    expect(crm.findings[0]).toMatchObject({ rule: 'database-coverage', status: 'critical' });
    expect(crm.findings[0]!.message).toContain('no backup holds crm on orders-db');
    // objectives for a database the server does not list still give it a row, so the gap is seen
    expect(rows.find((r) => r.key === 'orders-db/gone')!.status).toBe('critical');
    // worst first
    expect(STATUS_ORDER(rows.map((r) => r.status))).toBe(true);
  });

  it('the status is the worst of its findings and its routines: ok only when every routine is', () => {
    const stale: Finding = { rule: 'backup-age', status: 'critical', message: 'the newest backup of stanza main is 3d old' };
    const rows = databaseIndex(inputs({ sources: SOURCES }, { statuses: { 'orders-pitr': 'critical' }, findings: { 'orders-pitr': [{ rule: 'restore-drill', status: 'warning', message: 'w' }, stale] } }));
    expect(rows.find((r) => r.key === 'orders-db/orders')!.status).toBe('critical');
    // worst first, each with why it is not ok
    expect(rows.find((r) => r.key === 'orders-db/orders')!.routines.map((r) => [r.sourceId, r.finding])).toEqual([
      ['orders-pitr', stale.message],
      ['orders-dumps', null],
    ]);
  });

  it("the server's own protection counts: a stopped standby or failing WAL archiving makes its databases critical, its other findings do not", () => {
    const standby: Finding = { rule: 'replication', status: 'critical', message: 'standby replica1 is not connected to orders-db: check that it is running and its primary_conninfo' };
    const coverage: Finding = { rule: 'coverage', status: 'warning', message: 'database crm has no dump' };
    const rows = databaseIndex(inputs({ sources: SOURCES }, { statuses: { 'orders-db': 'critical' }, findings: { 'orders-db': [standby, coverage] } }));
    const orders = rows.find((r) => r.key === 'orders-db/orders')!;
    expect(orders.server).toEqual({ id: 'orders-db', name: 'orders-db', status: 'critical', findings: [standby] });
    expect(orders.status).toBe('critical');
    const calm = databaseIndex(inputs({ sources: SOURCES }, { statuses: { 'orders-db': 'warning' }, findings: { 'orders-db': [coverage] } })).find((r) => r.key === 'orders-db/orders')!;
    expect(calm.status).toBe('ok');
  });

  it('objectives met by one drill: no finding; the best recovery point from WAL replay and from a dump', () => {
    const drills = {
      'orders-pitr': [drill('orders-pitr', NOW - 2 * D, { restoreMs: 20 * 60_000, recovery: { mode: 'end-of-archive', recoveredTo: null, lastCommitAt: null, lastReplayedLsn: null, lastReplayedSegment: null, lastSegmentArchivedAt: null, recoveryPointMs: 3 * 60_000, walReplayed: 10, replayMs: 1000 } })],
      'orders-dumps': [drill('orders-dumps', NOW - D, { backupKey: 'orders.dump' })],
    };
    const rows = databaseIndex(inputs({ sources: SOURCES, databases: [{ name: 'orders', server: 'orders-db', rpo: '15m', rto: '1h' }] }, { drills, finished: { 'orders-dumps/orders.dump': NOW - D - 5 * H } }));
    const orders = rows.find((r) => r.key === 'orders-db/orders')!;
    expect(orders.findings).toEqual([]);
    expect(orders.status).toBe('ok');
    expect(orders.bestRecoveryPoint).toMatchObject({ sourceId: 'orders-pitr', recoveryPointMs: 3 * 60_000 });
    expect(orders.lastRestore).toMatchObject({ sourceId: 'orders-dumps', at: NOW - D });
    const dumps = orders.routines.find((r) => r.sourceId === 'orders-dumps')!;
    // the dump's recovery point: the drill's start minus the dump's finish
    expect(dumps.lastRestore!.recoveryPointMs).toBe(5 * H - 60_000);
    expect(orders.objectives).toEqual({ rpoMs: 15 * 60_000, rtoMs: H, drillAgeMs: 8 * D });
  });

  it('objectives missed: in the routines\' words', () => {
    const failing = drill('orders-pitr', NOW - 3 * H, { outcome: 'fail', message: 'WAL segment 0000000100000003000000A8 is missing' });
    const objectives = { sources: SOURCES, databases: [{ name: 'orders', server: 'orders-db', rpo: '15m', rto: '1h' }] };
    // Only the nightly dump reaches a recovery point, 26h; the pgBackRest drill last failed.
    const rows = databaseIndex(inputs(objectives, { drills: { 'orders-pitr': [failing], 'orders-dumps': [drill('orders-dumps', NOW - D, { backupKey: 'd' })] }, finished: { 'orders-dumps/d': NOW - D - 60_000 - 26 * H } }));
    const orders = rows.find((r) => r.key === 'orders-db/orders')!;
    expect(orders.status).toBe('critical');
    expect(orders.findings[0]!.rule).toBe('database-objectives');
    expect(orders.findings[0]!.message).toBe(
      "orders on orders-db misses its recovery objectives: best proven recovery point 1d 2h, over its rpo 15m: only orders-dumps (dump-dir) reaches it within 8d; the last drill of orders-pitr (pgbackrest) failed: WAL segment 0000000100000003000000A8 is missing",
    );

    // No drill within drillAge at all.
    const stale = databaseIndex(inputs(objectives, { drills: { 'orders-dumps': [drill('orders-dumps', NOW - 9 * D)] } })).find((r) => r.key === 'orders-db/orders')!;
    expect(stale.findings[0]!.message).toContain('no drill has restored it for 9d (drillAge 8d)');
    expect(stale.findings[0]!.message).toContain('orders-pitr (pgbackrest) was never drilled');

    // Recovery point fine, restore too slow.
    const slow = drill('orders-pitr', NOW - D, { restoreMs: 2 * H, recovery: { mode: 'end-of-archive', recoveredTo: null, lastCommitAt: null, lastReplayedLsn: null, lastReplayedSegment: null, lastSegmentArchivedAt: null, recoveryPointMs: 0, idle: true, walReplayed: 1, replayMs: 10 } });
    const tooSlow = databaseIndex(inputs(objectives, { drills: { 'orders-pitr': [slow] } })).find((r) => r.key === 'orders-db/orders')!;
    expect(tooSlow.findings[0]!.message).toContain('the fastest restore within 8d took 2h (orders-pitr (pgbackrest)), over its rto 1h');
  });

  it('a dump drill proves only the database it restored when its source holds several', () => {
    const rows = databaseIndex(
      inputs({ sources: SOURCES.slice(0, 2) }, { holds: { 'orders-dumps': ['orders', 'crm'] }, drills: { 'orders-dumps': [drill('orders-dumps', NOW - H, { database: 'crm' })] } }),
    );
    expect(rows.find((r) => r.key === 'orders-db/crm')!.lastRestore).not.toBeNull();
    expect(rows.find((r) => r.key === 'orders-db/orders')!.lastRestore).toBeNull();
  });

  it('an unreachable server leaves its databases known from the routines and objectives', () => {
    const rows = databaseIndex(inputs({ sources: SOURCES.slice(0, 2), databases: [{ name: 'crm', server: 'orders-db' }] }, { databases: null }));
    expect(rows.map((r) => r.key).sort()).toEqual(['orders-db/crm', 'orders-db/orders']);
    expect(rows.every((r) => r.sizeBytes === null)).toBe(true);
  });
});

describe('databases: in the config', () => {
  it('names a postgres source as the server, once per database, with durations checked', () => {
    const parsed = validateConfig({
      sources: SOURCES,
      databases: [
        { name: 'orders', server: 'orders-dumps', rpo: '15m' },
        { name: 'orders', server: 'nope' },
        { name: 'crm', server: 'orders-db', rto: 'soon' },
        { name: 'shop', server: 'orders-db' },
        { name: 'shop', server: 'orders-db' },
      ],
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      { path: 'databases[2].rto', message: '"soon" is not a duration (use 90s, 15m, 26h, 7d)' },
      { path: 'databases[0].server', message: '"orders-dumps" is a dump-dir source; a database\'s server is the postgres source that watches it' },
      { path: 'databases[1].server', message: '"nope" is not a source id: name the postgres source that watches the database\'s server' },
      { path: 'databases[4].name', message: 'shop on orders-db has objectives twice; keep one entry' },
    ]);
  });

  it('objectives in a file without sources name a server that is not there', () => {
    const parsed = validateConfig({ databases: [{ name: 'orders', server: 'orders-db', rpo: '15m' }] });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems).toEqual([{ path: 'databases[0].server', message: '"orders-db" is not a source id: name the postgres source that watches the database\'s server' }]);
  });

  it('drillAge defaults to 8 days, and an empty databases: section is none', () => {
    const withDefault = config({ sources: SOURCES, databases: [{ name: 'orders', server: 'orders-db', rpo: '15m' }] });
    expect(withDefault.databases[0]).toEqual({ name: 'orders', server: 'orders-db', rpo: 15 * 60_000, drillAge: 8 * D });
    expect(config({ sources: SOURCES, databases: null }).databases).toEqual([]);
  });
});

function STATUS_ORDER(statuses: Status[]): boolean {
  const rank: Record<Status, number> = { ok: 0, warning: 1, unknown: 2, critical: 3 };
  return statuses.every((s, i) => i === 0 || rank[statuses[i - 1]!] >= rank[s]);
}
