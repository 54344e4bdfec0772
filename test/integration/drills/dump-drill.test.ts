// Restore drills of real pg_dump output: one source cluster and its dumps (custom, directory, tar, plain,
// plain gzipped with --create) shared by the file; every drill starts, and must remove, its own scratch
// cluster. The broken backups are broken the way real ones are: cut in half, emptied, zero bytes, garbage,
// an archive from a newer pg_dump, a disk that fills up.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync, readdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresSourceConfig } from '../../../shared/config';
import type { DrillProgress, ObservedBackup } from '../../../shared/model';
import { describeFailure, run } from '../../../electron/engine/exec';
import { runDumpDrill, type DumpDrillOptions } from '../../../electron/engine/drills/dump-drill';
import { parseTocList } from '../../../electron/engine/pg-dump/toc';
import { removeTestParentDir, scratchDirsIn, sql, startTcpCluster, testParentDir, type TcpCluster } from '../../support/postgres-fixtures';
import { postgresProcessesUsing } from '../../support/processes';

const sourceParent = testParentDir('dump-drill-source');
/** Only drills' scratch clusters go here, so "nothing left" is checked for them alone. */
const drillParent = testParentDir('dump-drill-runs');
const dumpDir = join(sourceParent, 'dumps');
const PASSWORD_ENV = 'BACKUP_HEALTH_TEST_DRILL_PASSWORD';

let db: TcpCluster;
const dumps: Record<string, string> = {};

const SHOP_TABLES = [
  { schema: 'my schema', name: 'odd table', rows: 2 },
  { schema: 'public', name: 'customers', rows: 3000 },
  { schema: 'public', name: 'orders', rows: 5000 },
  { schema: 'public', name: 'parts', rows: 0 }, // partitioned: its rows live in parts_1 (counted with ONLY)
  { schema: 'public', name: 'parts_1', rows: 50 },
];
const SHOP_ROWS = 8052;

/**
 * Checks that hold only when the data, the roles it names, the view and the index came back. Drills restore as
 * an unprivileged role that owns what it restores (pg_restore --no-owner --no-privileges; a plain dump's
 * OWNER TO lines dropped), so the checks run as that owner and ownership itself is not restored.
 */
const FAITHFUL_CHECKS = [
  { name: 'enough customers', sql: 'select count(*) > 1000 from customers' },
  { name: 'orders owned by the restore', sql: "select tableowner = current_user from pg_tables where schemaname = 'public' and tablename = 'orders'" },
  { name: 'the odd table restored', sql: 'select count(*) = 2 from "my schema"."odd table"' },
  { name: 'the roles the dump names exist', sql: "select count(*) = 3 from pg_roles where rolname in ('app', 'reporting', 'Weird Role')" },
  { name: 'the view works', sql: 'select count(*) = (select count(*) from orders where total > 100) from big_orders' },
  { name: 'the index exists', sql: "select exists (select 1 from pg_indexes where indexname = 'customers_email_idx')" },
];

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
  return runDumpDrill({ sourceId: 'shop-dumps', backup: backupOf(path), jobs: 2, checks: [], parentDir: drillParent, ...options });
}

/**
 * ANALYZE in a session of its own: a backend reports its insert counts when it goes idle or exits, so an
 * INSERT followed by ANALYZE in one session adds the inserts again on top of ANALYZE's exact n_live_tup.
 */
async function analyze(database: string): Promise<void> {
  await sql(db.cluster, 'ANALYZE', database);
}

function liveSource(database = 'postgres'): PostgresSourceConfig {
  return { id: 'shop-db', kind: 'postgres', url: db.url(database), passwordEnv: PASSWORD_ENV } as PostgresSourceConfig;
}

beforeAll(async () => {
  mkdirSync(dumpDir);
  db = await startTcpCluster({ parentDir: sourceParent });
  process.env[PASSWORD_ENV] = db.monitorPassword;
  await sql(
    db.cluster,
    `CREATE ROLE app NOLOGIN; CREATE ROLE reporting NOLOGIN; CREATE ROLE "Weird Role" NOLOGIN;
     CREATE DATABASE shop; CREATE DATABASE ledger; CREATE DATABASE bulk;`,
  );
  await sql(
    db.cluster,
    `CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL, created timestamptz DEFAULT now());
     INSERT INTO customers (email) SELECT 'c' || g || '@example.com' FROM generate_series(1, 3000) g;
     CREATE INDEX customers_email_idx ON customers (email);
     CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int REFERENCES customers (id), total numeric(10, 2));
     INSERT INTO orders (customer_id, total) SELECT 1 + g % 3000, g * 1.5 FROM generate_series(1, 5000) g;
     ALTER TABLE orders OWNER TO app;
     CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
     GRANT SELECT ON orders TO reporting;
     CREATE SCHEMA "my schema";
     CREATE TABLE "my schema"."odd table" (x int);
     INSERT INTO "my schema"."odd table" VALUES (1), (2);
     ALTER TABLE "my schema"."odd table" OWNER TO "Weird Role";
     CREATE TABLE parts (id int, k int) PARTITION BY RANGE (k);
     CREATE TABLE parts_1 PARTITION OF parts FOR VALUES FROM (0) TO (100);
     INSERT INTO parts SELECT g, g % 100 FROM generate_series(1, 50) g;`,
    'shop',
  );
  dumps.custom = await pgDump('shop', 'shop.dump', ['-Fc']);
  dumps.directory = await pgDump('shop', 'shop.dir', ['-Fd']);
  dumps.tar = await pgDump('shop', 'shop.tar', ['-Ft']);
  dumps.plain = await pgDump('shop', 'shop.sql', ['-Fp']);
  dumps['plain-gzip --create'] = await pgDump('shop', 'shop.sql.gz', ['-Fp', '-Z', '6', '--create']);

  // The same database with its customers gone (and, by cascade, its orders).
  await sql(db.cluster, 'CREATE DATABASE shop_emptied TEMPLATE shop');
  await sql(db.cluster, 'TRUNCATE customers CASCADE', 'shop_emptied');
  dumps.emptied = await pgDump('shop_emptied', 'shop-emptied.dump', ['-Fc']);

  // Cut at half: the TOC at the start is whole, the data is not.
  dumps.truncated = join(dumpDir, 'shop-truncated.dump');
  copyFileSync(dumps.custom, dumps.truncated);
  truncateSync(dumps.truncated, Math.floor(statSync(dumps.custom).size / 2));

  dumps.empty = join(dumpDir, 'empty.dump');
  writeFileSync(dumps.empty, '');
  dumps.garbage = join(dumpDir, 'garbage.dump');
  writeFileSync(dumps.garbage, 'this is not a backup, it is a shopping list\n'.repeat(100));

  // Archive version 1.16 (pg_dump 17): the minor version byte of the header patched.
  dumps.tooNew = join(dumpDir, 'shop-1.16.dump');
  const bytes = readFileSync(dumps.custom);
  expect([...bytes.subarray(0, 8)]).toEqual([0x50, 0x47, 0x44, 0x4d, 0x50, 1, 14, 0]);
  bytes[6] = 0x10;
  writeFileSync(dumps.tooNew, bytes);

  // For compareTo: a small ledger, dumped, then grown live.
  await sql(db.cluster, 'CREATE TABLE entries (id int PRIMARY KEY, note text); INSERT INTO entries SELECT g, md5(g::text) FROM generate_series(1, 2000) g;', 'ledger');
  await analyze('ledger');
  dumps.ledger = await pgDump('ledger', 'ledger.dump', ['-Fc']);

  // For a full disk: ~60 MB of rows that pg_dump compresses to a few MB.
  await sql(db.cluster, 'CREATE TABLE bulk AS SELECT g AS id, repeat(md5(g::text), 30) AS pad FROM generate_series(1, 60000) g;', 'bulk');
  dumps.bulk = await pgDump('bulk', 'bulk.dump', ['-Fc']);
});

afterEach(() => {
  expect(scratchDirsIn(drillParent)).toEqual([]);
  expect(postgresProcessesUsing(drillParent)).toEqual([]);
});

afterAll(async () => {
  delete process.env[PASSWORD_ENV];
  await db?.cluster.stop();
  expect(scratchDirsIn(sourceParent)).toEqual([]);
  expect(readdirSync(drillParent)).toEqual([]);
  expect(postgresProcessesUsing(sourceParent)).toEqual([]);
  expect(postgresProcessesUsing(drillParent)).toEqual([]);
  removeTestParentDir(sourceParent);
  removeTestParentDir(drillParent);
});

describe('a good backup passes, in every format', () => {
  it.each(['custom', 'directory', 'tar', 'plain', 'plain-gzip --create'])('%s', async (format) => {
    const result = await drill(dumps[format]!, { checks: FAITHFUL_CHECKS });
    expect(result.message).toMatch(/^restored (shop|shop\.sql): 5 tables, 8,052 rows, .* in \d+( ms|\.\d s) with PostgreSQL 1\d\.\d+; 6 checks passed$/);
    expect(result.outcome).toBe('pass');
    expect(result.tables).toBe(5);
    expect(result.rows).toBe(SHOP_ROWS);
    expect([...result.tableDetails!].sort((a, b) => `${a.schema}.${a.name}`.localeCompare(`${b.schema}.${b.name}`))).toEqual(SHOP_TABLES);
    expect(result.checks.map((c) => [c.name, c.passed, c.detail])).toEqual(FAITHFUL_CHECKS.map((c) => [c.name, true, 'true']));
    expect(result.restoredWith).toMatch(/^1\d\.\d+$/);
    expect(result.restoredBytes).toBeGreaterThan(1_000_000);
    expect(Object.keys(result.phases).sort()).toEqual(['cleanup', 'prepare', 'restore', 'verify']);
    expect(result.restoreMs).toBe(result.phases.restore! + result.phases.verify!);
    expect(result.finishedAt).toBeGreaterThanOrEqual(result.startedAt);
  });
});

describe('progress', () => {
  it('counts TOC items as pg_restore -j2 processes them, up to the --list total', async () => {
    const events: DrillProgress[] = [];
    const result = await drill(dumps.custom!, { onProgress: (p) => events.push(p) });
    expect(result.outcome).toBe('pass');
    const list = await run(db.cluster.tool('pg_restore'), ['--list', dumps.custom!]);
    const total = parseTocList(list.stdout).entries.length;
    const restoring = events.filter((e) => e.phase === 'restore');
    expect(restoring.length).toBeGreaterThanOrEqual(2);
    expect(restoring.every((e) => e.total === total && e.sourceId === 'shop-dumps' && e.backupKey === dumps.custom)).toBe(true);
    const done = restoring.map((e) => e.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(done[0]).toBe(0);
    expect(done.at(-1)).toBe(total);
    expect(events.map((e) => e.phase).filter((p, i, all) => p !== all[i - 1])).toEqual(['prepare', 'restore', 'verify', 'cleanup']);
  });

  it('counts bytes of a plain dump as psql reads them', async () => {
    const events: DrillProgress[] = [];
    const result = await drill(dumps.plain!, { onProgress: (p) => events.push(p) });
    expect(result.outcome).toBe('pass');
    const restoring = events.filter((e) => e.phase === 'restore');
    const size = statSync(dumps.plain!).size;
    expect(restoring.every((e) => e.total === size)).toBe(true);
    expect(restoring.at(-1)!.done).toBe(size);
    const done = restoring.map((e) => e.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
  });
});

describe('a bad backup fails, saying why', () => {
  it('an archive cut in half, which pg_restore --list still accepts', async () => {
    const list = await run(db.cluster.tool('pg_restore'), ['--list', dumps.truncated!]);
    expect(list.code).toBe(0);
    const result = await drill(dumps.truncated!);
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^the backup is truncated or corrupt: .*\(before it stopped: 5 of 5 tables, [\d,]+ rows\)$/);
    expect(result.phases.restore).toBeGreaterThan(0);
  });

  it('a table emptied before the dump, caught by a check', async () => {
    const result = await drill(dumps.emptied!, { checks: [{ name: 'enough customers', sql: 'select count(*) > 1000 from customers' }] });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('check "enough customers" returned false: select count(*) > 1000 from customers');
    expect(result.checks).toEqual([{ name: 'enough customers', sql: 'select count(*) > 1000 from customers', passed: false, detail: 'false' }]);
    expect(result.tableDetails!.find((t) => t.name === 'customers')!.rows).toBe(0);
  });

  it('a check whose SQL fails, with PostgreSQL error and the SQL', async () => {
    const result = await drill(dumps.custom!, { checks: [{ sql: 'select nope > 0 from customers' }] });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('check "select nope > 0 from customers" failed with ERROR: column "nope" does not exist; SQL: select nope > 0 from customers');
    expect(result.checks[0]).toMatchObject({ passed: false, detail: 'ERROR: column "nope" does not exist' });
    expect(result.rows).toBe(SHOP_ROWS);
  });

  it.each([
    ['empty', /^empty.dump is not a restorable pg_dump backup: empty file \(0 bytes\)/],
    // Never its bytes: a file in a dump directory may be anyone's secret.
    ['garbage', /^garbage.dump is not a restorable pg_dump backup: not a pg_dump file$/],
  ])('a %s file, without starting a cluster', async (name, message) => {
    const result = await drill(dumps[name]!);
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(message);
    expect(result.restoredWith).toBeNull();
    expect(result.restoreMs).toBeNull();
    expect(Object.keys(result.phases).sort()).toEqual(['cleanup', 'prepare']);
  });

  it('compareTo: a dump that has fewer rows than the live database', async () => {
    // Right after the dump, the live estimates match it.
    const same = await drill(dumps.ledger!, { compareTo: { source: liveSource(), tolerance: 0.05 } });
    expect(same.message).toMatch(/row counts within 5% of the live database$/);
    expect(same.outcome).toBe('pass');
    expect(same.tableDetails).toEqual([{ schema: 'public', name: 'entries', rows: 2000, liveRows: 2000 }]);

    await sql(db.cluster, 'INSERT INTO entries SELECT g, md5(g::text) FROM generate_series(2001, 5000) g;', 'ledger');
    await analyze('ledger');
    const behind = await drill(dumps.ledger!, { compareTo: { source: liveSource(), tolerance: 0.05 } });
    expect(behind.outcome).toBe('fail');
    expect(behind.message).toBe('public.entries has 2,000 rows in the backup but about 5,000 in the live database (60% fewer; tolerance 5%)');
    expect(behind.tableDetails).toEqual([{ schema: 'public', name: 'entries', rows: 2000, liveRows: 5000 }]);
  });
});

describe('a drill that cannot run is an error, naming what to do', () => {
  it('an archive from pg_dump 17 (1.16), refused before any cluster starts', async () => {
    const pgRestore = await run(db.cluster.tool('pg_restore'), ['--list', dumps.tooNew!]);
    expect(pgRestore.stderr).toMatch(/unsupported version \(1\.16\) in file header/);
    const result = await drill(dumps.tooNew!);
    expect(result.outcome).toBe('error');
    expect(result.message).toMatch(/^this dump was made by pg_dump 17 or newer \(archive 1\.16\); pg_restore 1[56] cannot read it; install postgresql-17 /);
    expect(result.restoredWith).toBeNull();
    expect(Object.keys(result.phases).sort()).toEqual(['cleanup', 'prepare']);
  });

  it('no PostgreSQL binaries anywhere', async () => {
    const empty = join(sourceParent, 'no-binaries');
    mkdirSync(empty);
    const result = await drill(dumps.custom!, { postgresBin: empty, searchDirs: [] });
    expect(result.outcome).toBe('error');
    expect(result.message).toMatch(
      new RegExp(`^no PostgreSQL binaries to restore with \\(looked in ${empty} \\(postgresBin\\)\\); this dump was made by pg_dump 1\\d\\.\\d+ \\(archive 1\\.1\\d\\); install postgresql-1\\d `),
    );
  });

  it('a cancelled drill stops its restore and cleans up', async () => {
    const controller = new AbortController();
    const result = await drill(dumps.custom!, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'restore') controller.abort();
      },
    });
    expect(result.outcome).toBe('error');
    expect(result.message).toBe('the drill was cancelled during the restore phase');
    expect(result.phases.cleanup).toBeGreaterThanOrEqual(0);
  });

  it('a drill out of time', async () => {
    const result = await drill(dumps.custom!, { timeoutMs: 150 });
    expect(result.outcome).toBe('error');
    expect(result.message).toMatch(/^the drill did not finish within 150ms \(stopped during the (prepare|restore|verify) phase\)/);
  });
});

describe('a full disk', () => {
  const mountPoint = join(sourceParent, 'small-disk');
  let mounted = false;

  beforeAll(() => {
    mkdirSync(mountPoint);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=30m,mode=0755', 'tmpfs', mountPoint], { stdio: 'pipe' });
      mounted = true;
    } catch (err) {
      console.log(`skipping the full-disk tests: cannot mount a tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`);
    }
  });

  afterAll(() => {
    if (mounted) execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  afterEach(() => {
    if (!mounted) return;
    expect(scratchDirsIn(mountPoint)).toEqual([]);
    expect(postgresProcessesUsing(mountPoint)).toEqual([]);
  });

  it('too little free space for even an empty cluster: refused before starting one', async (ctx) => {
    if (!mounted) ctx.skip();
    const result = await drill(dumps.custom!, { parentDir: mountPoint });
    expect(result.outcome).toBe('error');
    expect(result.message).toMatch(new RegExp(`^not enough free space in ${mountPoint} to restore: 30\\.0 MB free, at least 40\\.\\d MB needed`));
    expect(result.restoredWith).toBeNull();
  });

  it('the disk fills up during the restore', async (ctx) => {
    if (!mounted) ctx.skip();
    execFileSync('mount', ['-o', 'remount,size=64m', mountPoint]);
    const result = await drill(dumps.bulk!, { parentDir: mountPoint });
    expect(result.outcome).toBe('error');
    expect(result.message).toMatch(new RegExp(`^no space left in ${mountPoint} while restoring: .*(No space left on device|could not extend file)`));
    expect(result.phases.restore).toBeGreaterThan(0);
  });
});
