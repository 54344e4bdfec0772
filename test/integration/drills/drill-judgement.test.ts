// Drills judge what came back against what should have: real pg_dump output of one source cluster, in every
// format where telling data from schema is the point, and drills that restore cleanly but must not pass (a
// schema-only dump, the wrong database, nothing at all) or pass only with warnings (every table empty, a
// renamed database, tables and rows the live database has and the backup lacks).
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type Config, type PostgresSourceConfig } from '../../../shared/config';
import type { ObservedBackup } from '../../../shared/model';
import { describeFailure, run } from '../../../electron/engine/exec';
import { runDumpDrill, type DumpDrillOptions } from '../../../electron/engine/drills/dump-drill';
import { parseTocList } from '../../../electron/engine/pg-dump/toc';
import { DumpScriptScanner } from '../../../electron/engine/pg-dump/script';
import { schemaOnlyProblem, tableDataItems } from '../../../electron/engine/drills/drill-judgement';
import { verifyRestoredCluster, type VerifiedCluster } from '../../../electron/engine/drills/physical-verify';
import { ScratchCluster } from '../../../electron/engine/drills/scratch-cluster';
import { Engine } from '../../../electron/engine/engine';
import { History } from '../../../electron/engine/store/history';
import { removeTestParentDir, scratchDirsIn, sql, startTcpCluster, testParentDir, type TcpCluster } from '../../support/postgres-fixtures';
import { postgresProcessesUsing } from '../../support/processes';

const sourceParent = testParentDir('drill-judgement-source');
const drillParent = testParentDir('drill-judgement-runs');
const dumpDir = join(sourceParent, 'dumps');
const PASSWORD_ENV = 'BACKUP_HEALTH_TEST_JUDGEMENT_PASSWORD';

let db: TcpCluster;
const dumps: Record<string, string> = {};

async function pgDump(database: string, file: string, args: string[]): Promise<string> {
  const path = join(dumpDir, file);
  const result = await run(db.cluster.tool('pg_dump'), [...db.cluster.clientArgs(), ...args, '-f', path, database], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(describeFailure(result, 'pg_dump'));
  return path;
}

function backupOf(path: string): ObservedBackup {
  const info = statSync(path);
  const size = info.isDirectory() ? readdirSync(path).reduce((sum, f) => sum + statSync(join(path, f)).size, 0) : info.size;
  return { key: path, type: 'dump', finishedAt: Math.trunc(info.mtimeMs), sizeBytes: size, readable: true };
}

function drill(path: string, options: Partial<DumpDrillOptions> = {}) {
  return runDumpDrill({ sourceId: 'orders-dumps', backup: backupOf(path), jobs: 2, checks: [], parentDir: drillParent, ...options });
}

function liveServer(): PostgresSourceConfig {
  return { id: 'orders-db', kind: 'postgres', url: db.url('postgres'), passwordEnv: PASSWORD_ENV } as PostgresSourceConfig;
}

const ordersExpected = { database: { name: 'orders', from: 'its dbname' } };

/** Tables and TABLE DATA items of an archive, as `pg_restore --list` prints them. */
async function archiveToc(path: string) {
  const listed = await run(db.cluster.tool('pg_restore'), ['--list', path], { timeoutMs: 30_000 });
  if (listed.code !== 0) throw new Error(describeFailure(listed, 'pg_restore --list'));
  const { entries } = parseTocList(listed.stdout);
  return { tables: entries.filter((e) => e.desc === 'TABLE').length, data: tableDataItems(entries) };
}

/** A plain script's tables and data items, as the drill's scanner reads them while psql restores it. */
async function scriptScan(path: string) {
  const text = (await run('cat', [path], { timeoutMs: 10_000 })).stdout;
  const scanner = new DumpScriptScanner();
  for (const line of text.split('\n')) {
    if (scanner.inCopy) scanner.copyLine(line === '\\.');
    else scanner.line(line);
  }
  return { tables: scanner.tables.length, data: scanner.dataItems };
}

beforeAll(async () => {
  mkdirSync(dumpDir);
  db = await startTcpCluster({ parentDir: sourceParent });
  process.env[PASSWORD_ENV] = db.monitorPassword;
  await sql(db.cluster, 'CREATE DATABASE orders; CREATE DATABASE shelf; CREATE DATABASE blank; CREATE DATABASE gone;');
  await sql(
    db.cluster,
    `CREATE TABLE customers (id int PRIMARY KEY, name text);
     INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 3000) g;
     CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id), total numeric);
     INSERT INTO orders SELECT g, 1 + g % 3000, g * 1.5 FROM generate_series(1, 5000) g;`,
    'orders',
  );
  // In its own session: n_live_tup exact, not the inserts counted again on top (see dump-drill.test.ts).
  await sql(db.cluster, 'ANALYZE', 'orders');
  await sql(db.cluster, 'CREATE TABLE items (id int PRIMARY KEY, name text); CREATE TABLE prices (item_id int, cents int);', 'shelf');
  await sql(db.cluster, 'CREATE TABLE notes AS SELECT g AS id FROM generate_series(1, 10) g;', 'gone');

  dumps.custom = await pgDump('orders', 'orders.dump', ['-Fc']);
  dumps.plain = await pgDump('orders', 'orders.sql', ['-Fp']);
  dumps['schema custom'] = await pgDump('orders', 'orders-schema.dump', ['-Fc', '-s']);
  dumps['schema directory'] = await pgDump('orders', 'orders-schema.dir', ['-Fd', '-s']);
  dumps['schema tar'] = await pgDump('orders', 'orders-schema.tar', ['-Ft', '-s']);
  dumps['schema plain'] = await pgDump('orders', 'orders-schema.sql', ['-Fp', '-s']);
  dumps.postgres = await pgDump('postgres', 'postgres.dump', ['-Fc']);
  dumps.shelf = await pgDump('shelf', 'shelf.dump', ['-Fc']);
  dumps['shelf inserts'] = await pgDump('shelf', 'shelf-inserts.sql', ['-Fp', '--inserts']);
  dumps.blank = await pgDump('blank', 'blank.dump', ['-Fc']);
  dumps.gone = await pgDump('gone', 'gone.dump', ['-Fc']);
  await sql(db.cluster, 'DROP DATABASE gone');
}, 120_000);

afterAll(async () => {
  delete process.env[PASSWORD_ENV];
  await db?.cluster.stop();
  expect(scratchDirsIn(drillParent)).toEqual([]);
  expect(postgresProcessesUsing(drillParent)).toEqual([]);
  removeTestParentDir(drillParent);
  removeTestParentDir(sourceParent);
});

describe('schema-only backups, told from real pg_dump output', () => {
  it('an archive listing tables and no TABLE DATA, in custom, directory and tar format', async () => {
    for (const format of ['custom', 'directory', 'tar']) {
      const toc = await archiveToc(dumps[`schema ${format}`]!);
      expect(toc, format).toEqual({ tables: 2, data: 0 });
      expect(schemaOnlyProblem('archive', toc.tables, toc.data), format).toBe(
        'schema-only backup: the archive lists 2 tables and no table data (pg_dump -s?); the backup job must dump the data too',
      );
    }
    const whole = await archiveToc(dumps.custom!);
    expect(whole).toEqual({ tables: 2, data: 2 });
    expect(schemaOnlyProblem('archive', whole.tables, whole.data)).toBeNull();
    // Empty tables still carry their (empty) TABLE DATA: not schema-only.
    expect(await archiveToc(dumps.shelf!)).toEqual({ tables: 2, data: 2 });
  });

  it('a plain script creating tables and loading nothing; with COPY, or INSERTs, or empty tables, it is data', async () => {
    expect(await scriptScan(dumps['schema plain']!)).toEqual({ tables: 2, data: 0 });
    expect(await scriptScan(dumps.plain!)).toEqual({ tables: 2, data: 2 });
    expect(await scriptScan(dumps['shelf inserts']!)).toEqual({ tables: 2, data: 2 });
  });
});

describe('drills that restore cleanly and still fail', () => {
  it('a schema-only archive fails before anything is restored, naming the tables it lacks data for', async () => {
    const result = await drill(dumps['schema custom']!);
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('schema-only backup: the archive lists 2 tables and no table data (pg_dump -s?); the backup job must dump the data too');
    expect(result.phases.restore).toBeUndefined();
    expect(result.database).toBe('orders');
  });

  it('a schema-only plain script fails once psql has run it', async () => {
    const result = await drill(dumps['schema plain']!);
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('schema-only backup: the script creates 2 tables and loads no data into any (no COPY or INSERT; pg_dump -s?); the backup job must dump the data too');
    expect(result.tableDetails).toEqual([
      { schema: 'public', name: 'customers', rows: 0 },
      { schema: 'public', name: 'orders', rows: 0 },
    ]);
  });

  it('a dump of the wrong database: postgres where the source expects orders', async () => {
    const result = await drill(dumps.postgres!, { expect: ordersExpected });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(
      'restored database postgres, but source orders-dumps expects database orders (its dbname) — is the backup job dumping the wrong database? (and 1 more problem)',
    );
    expect(result.database).toBe('postgres');
  });

  it('a backup that restores nothing at all', async () => {
    const result = await drill(dumps.blank!);
    expect(result).toMatchObject({ outcome: 'fail', tables: 0, rows: 0 });
    expect(result.message).toBe('the backup restored nothing: no tables and no rows in database blank — is the backup job dumping an empty or the wrong database?');
  });

  it('fewer tables than drill.minTables, fewer rows than drill.minRows', async () => {
    const tables = await drill(dumps.custom!, { expect: { minTables: 3 } });
    expect(tables.outcome).toBe('fail');
    expect(tables.message).toBe('restored 2 tables, fewer than drill.minTables 3 — is the backup job dumping the wrong database, or leaving tables out (-t, -T, -n)?');
    const rows = await drill(dumps.shelf!, { expect: { minRows: 1 } });
    expect(rows.outcome).toBe('fail');
    expect(rows.message).toBe('restored 0 rows in 2 tables, fewer than drill.minRows 1 — is the backup job dumping an emptied or the wrong database?');
    expect(rows.warnings).toEqual([]);
  });
});

describe('drills that pass, with warnings where something is doubtful', () => {
  it('a good dump of the expected database, compared with the live one, passes without a warning (custom and plain)', async () => {
    for (const path of [dumps.custom!, dumps.plain!]) {
      const result = await drill(path, { expect: ordersExpected, linkedLive: liveServer() });
      expect(result.outcome, result.message).toBe('pass');
      expect(result.warnings, path).toEqual([]);
      expect(result.message).toMatch(/^restored orders(\.sql)?: 2 tables, 8,000 rows, .*; compared with the live database orders on orders-db$/);
      expect(result.tableDetails).toEqual([
        { schema: 'public', name: 'customers', rows: 3000, liveRows: 3000 },
        { schema: 'public', name: 'orders', rows: 5000, liveRows: 5000 },
      ]);
    }
  });

  it('every table empty is a warning, not a failure (without drill.minRows)', async () => {
    for (const path of [dumps.shelf!, dumps['shelf inserts']!]) {
      const result = await drill(path);
      expect(result.outcome, result.message).toBe('pass');
      expect(result.warnings).toEqual(['every table is empty (2 tables, 0 rows): a new database, or a backup of an emptied one? Set drill.minRows to make this a failure']);
      expect(result.message).toMatch(/; 1 warning$/);
    }
  });

  it('a database other than the one the previous passing drill restored', async () => {
    const result = await drill(dumps.custom!, { expect: { previousDatabase: 'orders_old' } });
    expect(result.outcome).toBe('pass');
    expect(result.warnings).toEqual([
      'restored database orders, where the previous passing drill of orders-dumps restored orders_old: renamed, or is the backup job dumping another database? Set dbname on the source to make a wrong one a failure',
    ]);
  });

  it('a database the live server no longer has', async () => {
    const result = await drill(dumps.gone!, { linkedLive: liveServer() });
    expect(result.outcome, result.message).toBe('pass');
    expect(result.warnings).toEqual(['orders-db has no database gone: a backup of another server, or of a database dropped since?']);
  });

  it('tables the live database has that the backup lacks, and a table far below its live count', async () => {
    await sql(
      db.cluster,
      `CREATE TABLE invoices AS SELECT g AS id FROM generate_series(1, 40) g;
       INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(3001, 10000) g;`,
      'orders',
    );
    await sql(db.cluster, 'ANALYZE', 'orders');
    try {
      const result = await drill(dumps.custom!, { expect: ordersExpected, linkedLive: liveServer() });
      expect(result.outcome, result.message).toBe('pass');
      expect(result.warnings).toEqual([
        'public.invoices (about 40 rows) is in the live database orders on orders-db but not in the backup: made since the backup, or left out by the backup job?',
        'public.customers has 3,000 rows in the backup but about 10,000 in the live database orders on orders-db (70% fewer): an old backup, or one taken while the table was being reloaded?',
      ]);
      expect(result.message).toMatch(/; 2 warnings$/);
      // With compareTo the short table fails at its tolerance instead; the missing table still only warns.
      const compared = await drill(dumps.custom!, { expect: ordersExpected, compareTo: { source: liveServer(), tolerance: 0.05 } });
      expect(compared.outcome).toBe('fail');
      expect(compared.message).toBe('public.customers has 3,000 rows in the backup but about 10,000 in the live database (70% fewer; tolerance 5%)');
      expect(compared.warnings).toEqual([result.warnings![0]]);
    } finally {
      await sql(db.cluster, 'DROP TABLE invoices; DELETE FROM customers WHERE id > 3000;', 'orders');
      await sql(db.cluster, 'ANALYZE', 'orders');
    }
  });
});

describe('a physical restore', () => {
  /** verifyRestoredCluster over a cluster made here, as it would be after pgbackrest restore and recovery. */
  async function verifyCluster(setup: string, expect: Parameters<typeof verifyRestoredCluster>[1]['expect']) {
    const cluster = await ScratchCluster.start({ parentDir: drillParent, purpose: 'physical judgement' });
    try {
      if (setup) await sql(cluster, setup);
      const into: VerifiedCluster = { tables: [], checks: [], restoredBytes: null, warnings: [] };
      const frame = {
        signal: new AbortController().signal,
        remaining: () => 60_000,
        abortable: <T,>(work: Promise<T>) => work,
      };
      try {
        await verifyRestoredCluster(cluster, { sourceId: 'stanza', label: '20260101-000000F', checks: [], expect }, frame, into);
        return { outcome: 'pass', message: '', into };
      } catch (err) {
        return { outcome: 'fail', message: (err as Error).message, into };
      }
    } finally {
      await cluster.stop();
    }
  }

  it('fails a cluster without the linked server database, and one holding nothing', async () => {
    const wrong = await verifyCluster('CREATE TABLE notes AS SELECT g FROM generate_series(1, 5) g;', { database: { name: 'orders', from: 'the database orders-db connects to' } });
    expect(wrong).toMatchObject({ outcome: 'fail', message: 'the restored cluster has no database orders (the database orders-db connects to), only postgres — is this stanza backing up another server?' });
    const nothing = await verifyCluster('', {});
    expect(nothing).toMatchObject({ outcome: 'fail', message: 'the backup restored nothing: no tables and no rows — is the backup job dumping an empty or the wrong database?' });
    const empty = await verifyCluster('CREATE TABLE notes (id int);', { minTables: 1 });
    expect(empty.outcome).toBe('pass');
    expect(empty.into.warnings).toEqual(['every table is empty (1 table, 0 rows): a new database, or a backup of an emptied one? Set drill.minRows to make this a failure']);
  });
});

describe('the engine', () => {
  it('records a drill that passed with warnings, shows it as a warning, and remembers the database for the next drill', async () => {
    const dir = join(sourceParent, 'engine-dumps');
    mkdirSync(dir, { mode: 0o755 });
    await pgDump('shelf', join('..', 'engine-dumps', 'shelf.dump'), ['-Fc']);
    const parsed = validateConfig({ defaults: { drillDir: drillParent }, sources: [{ id: 'shelf-dumps', kind: 'dump-dir', path: dir, settle: '0s', drill: {} }] });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const store = History.open(join(sourceParent, 'engine.sqlite'));
    const engine = new Engine({ config: parsed.config as Config, store });
    try {
      await engine.pollAll();
      const first = await engine.runDrill('shelf-dumps');
      expect(first.outcome, first.message).toBe('pass');
      expect(store.drills('shelf-dumps')[0]).toMatchObject({ database: 'shelf', warnings: [expect.stringMatching(/^every table is empty/)] });
      const summary = engine.summary('shelf-dumps');
      expect(summary.status).toBe('warning');
      expect(summary.findings.map((f) => f.message)).toContainEqual(expect.stringMatching(/^the last restore drill \(shelf\.dump, .* ago\) passed with a warning: every table is empty \(2 tables, 0 rows\)/));
      expect(summary.lastRestore?.warnings).toEqual(first.warnings);

      // The next backup in the directory is of another database: the previous drill's name is remembered.
      await pgDump('orders', join('..', 'engine-dumps', 'zz-orders.dump'), ['-Fc']);
      await engine.pollAll();
      const second = await engine.runDrill('shelf-dumps', { backupKey: join(dir, 'zz-orders.dump') });
      expect(second.outcome, second.message).toBe('pass');
      expect(second.warnings).toEqual([expect.stringMatching(/^restored database orders, where the previous passing drill of shelf-dumps restored shelf/)]);
    } finally {
      engine.stop();
      store.close();
    }
  });
});
