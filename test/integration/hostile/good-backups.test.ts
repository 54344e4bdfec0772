// Item 10's other half: protections must not fail good backups. Real databases a sysadmin has (pgbench;
// trusted contrib extensions with a comment on one; objects, a schema and large objects owned by several
// roles; dumps made with --no-owner, --clean --if-exists or --create) keep PASSING with exact counts, and a
// database holding an event trigger and a publication (which only a superuser may restore) passes with both
// reported as skipped, not failed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DumpDrillCheck } from '../../../electron/engine/drills/dump-drill';
import { describeFailure, run } from '../../../electron/engine/exec';
import { createDatabase, drillDump, dump, expectNothingFired, hostileLab, pidsNow, startBareCluster, type BareCluster, type DumpFormat } from '../../support/hostile-backups';

const lab = hostileLab('good');
let cluster: BareCluster;

interface GoodBackup {
  name: string;
  database: string;
  format: DumpFormat;
  extra?: string[];
  tables: Record<string, number>;
  checks?: DumpDrillCheck[];
  /** Something the drill's message, checks or safety evidence must say (skipped superuser-only entries). */
  says?: RegExp[];
}

const CONTRIB_CHECKS = [
  { name: 'citext compares without case', sql: "select count(*) = 1 from words where w = 'APPLE'" },
  { name: 'hstore reads', sql: "select attrs -> 'colour' = 'red' from words where w = 'apple'" },
  { name: 'trigram index is there', sql: "select exists (select 1 from pg_indexes where indexname = 'words_trgm')" },
  { name: 'extension comment', sql: "select obj_description(oid, 'pg_extension') = 'keys and values' from pg_extension where extname = 'hstore'" },
];
const OWNER_CHECKS = [
  { name: 'large object', sql: "select convert_from(lo_get(oid), 'UTF8') = 'hello' from pg_largeobject_metadata" },
  { name: 'the view works', sql: 'select count(*) = 7 from sales.big_orders' },
];
const OWNERS_TABLES = { 'public.accounts': 5, 'sales.orders': 7 };
const CONTRIB_TABLES = { 'public.words': 3 };

const BACKUPS: GoodBackup[] = [
  { name: 'pgbench, custom', database: 'bench', format: 'custom', tables: { 'public.pgbench_accounts': 100_000, 'public.pgbench_branches': 1, 'public.pgbench_history': 0, 'public.pgbench_tellers': 10 } },
  { name: 'contrib extensions, custom', database: 'contrib', format: 'custom', tables: CONTRIB_TABLES, checks: CONTRIB_CHECKS },
  { name: 'contrib extensions, directory', database: 'contrib', format: 'directory', tables: CONTRIB_TABLES, checks: CONTRIB_CHECKS },
  { name: 'contrib extensions, plain', database: 'contrib', format: 'plain', tables: CONTRIB_TABLES, checks: CONTRIB_CHECKS },
  { name: 'several owners, custom', database: 'owners', format: 'custom', tables: OWNERS_TABLES, checks: OWNER_CHECKS },
  { name: 'several owners, tar', database: 'owners', format: 'tar', tables: OWNERS_TABLES, checks: OWNER_CHECKS },
  { name: 'several owners, custom --no-owner', database: 'owners', format: 'custom', extra: ['--no-owner'], tables: OWNERS_TABLES, checks: OWNER_CHECKS },
  { name: 'several owners, plain --no-owner', database: 'owners', format: 'plain', extra: ['--no-owner'], tables: OWNERS_TABLES, checks: OWNER_CHECKS },
  { name: 'several owners, plain --clean --if-exists', database: 'owners', format: 'plain', extra: ['--clean', '--if-exists'], tables: OWNERS_TABLES, checks: OWNER_CHECKS },
  { name: 'several owners, plain --create', database: 'owners', format: 'plain', extra: ['--create'], tables: OWNERS_TABLES, checks: OWNER_CHECKS },
  { name: 'event trigger and publication, custom', database: 'events', format: 'custom', tables: { 'public.events': 3 }, says: [/skipped/, /EVENT TRIGGER (public[. ])?evt/, /PUBLICATION (public[. ])?pub/] },
  { name: 'event trigger and publication, plain', database: 'events', format: 'plain', tables: { 'public.events': 3 }, says: [/skipped/, /EVENT TRIGGER (public[. ])?evt/, /PUBLICATION (public[. ])?pub/] },
];
const dumps = new Map<string, string>();

beforeAll(async () => {
  cluster = await startBareCluster(lab.root);
  await createDatabase(cluster, 'bench', 'SELECT 1');
  const bench = await run(cluster.tool('pgbench'), [...cluster.clientArgs(), '-i', '-s', '1', '-q', 'bench'], { timeoutMs: 60_000 });
  if (bench.code !== 0) throw new Error(describeFailure(bench, 'pgbench'));
  await createDatabase(
    cluster,
    'contrib',
    `CREATE EXTENSION pg_trgm; CREATE EXTENSION hstore; CREATE EXTENSION citext;
     COMMENT ON EXTENSION hstore IS 'keys and values';
     CREATE TABLE words (w citext PRIMARY KEY, attrs hstore);
     INSERT INTO words VALUES ('apple', 'colour=>red'), ('Pear', 'colour=>green'), ('plum', '');
     CREATE INDEX words_trgm ON words USING gin ((w::text) gin_trgm_ops);`,
  );
  await createDatabase(
    cluster,
    'owners',
    `CREATE ROLE alice NOLOGIN; CREATE ROLE bob NOLOGIN; CREATE ROLE carol NOLOGIN;
     CREATE TABLE public.accounts AS SELECT g AS id FROM generate_series(1, 5) g;
     ALTER TABLE public.accounts OWNER TO alice;
     CREATE SCHEMA sales AUTHORIZATION bob;
     CREATE TABLE sales.orders AS SELECT g AS id, g * 100 AS total FROM generate_series(1, 7) g;
     ALTER TABLE sales.orders OWNER TO bob;
     CREATE VIEW sales.big_orders AS SELECT * FROM sales.orders WHERE total >= 100;
     ALTER VIEW sales.big_orders OWNER TO carol;
     GRANT USAGE ON SCHEMA sales TO carol; GRANT SELECT ON sales.orders TO carol, alice;
     SELECT lo_from_bytea(0, 'hello');
     DO $$ BEGIN EXECUTE format('ALTER LARGE OBJECT %s OWNER TO alice', (SELECT max(oid) FROM pg_largeobject_metadata)); END $$;`,
  );
  await createDatabase(
    cluster,
    'events',
    `CREATE TABLE events AS SELECT g AS id FROM generate_series(1, 3) g;
     CREATE FUNCTION public.evt_fn() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
     CREATE EVENT TRIGGER evt ON ddl_command_start EXECUTE FUNCTION public.evt_fn();
     CREATE PUBLICATION pub FOR ALL TABLES;`,
  );
  for (const backup of BACKUPS) {
    const name = `${backup.database}-${backup.name.replace(/\W+/g, '-')}`;
    dumps.set(backup.name, await dump(cluster, lab, backup.database, backup.format, name, backup.extra));
  }
});

afterAll(async () => {
  await cluster?.stop();
  lab.remove();
});

describe('good backups keep passing', () => {
  it.each(BACKUPS)('$name', async (backup) => {
    const before = pidsNow();
    const drill = await drillDump(lab, dumps.get(backup.name)!, { checks: backup.checks ?? [] });
    expectNothingFired(lab, drill, before);
    expect(drill.outcome, drill.message).toBe('pass');
    const counted = Object.fromEntries(drill.tableDetails!.map((t) => [`${t.schema}.${t.name}`, t.rows]));
    expect(counted).toEqual(backup.tables);
    expect(drill.checks.map((c) => [c.name, c.passed, c.detail])).toEqual((backup.checks ?? []).map((c) => [c.name, true, 'true']));
    const said = [drill.message, ...drill.checks.map((c) => `${c.name}: ${c.detail ?? ''}`), `skipped: ${drill.safety?.skipped.join(', ') ?? ''}`].join('\n');
    for (const words of backup.says ?? []) expect(said).toMatch(words);
  });
});
