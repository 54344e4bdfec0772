// Item 10, vector c: the backup loading code or reaching out: a LANGUAGE C function bound to an installed
// library (dblink's connect, pointed at a listener here), an untrusted language made from plpgsql's C handler,
// CREATE EXTENSION dblink with a materialized view connecting to the listener (with a password in the
// connection string, which is all dblink asks of a non-superuser), and, in plain dumps, ALTER SYSTEM and LOAD.
// Each is proven on a naive restore; the drill must fail naming what the backup tried, and fire nothing.
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '../../support/postgres-fixtures';
import {
  appendToPlainDump,
  clearMarkers,
  copyToProgram,
  createDatabase,
  drillDump,
  dump,
  expectNothingFired,
  hostileLab,
  markersIn,
  naiveRestore,
  openListener,
  payloadDatabaseSql,
  pidsNow,
  startBareCluster,
  type BareCluster,
  type DumpFormat,
  type TcpListener,
  anyEntry,
  tocEntry,
  TRIGGER_ENTRY,
} from '../../support/hostile-backups';

const lab = hostileLab('code');
const FORMATS: DumpFormat[] = ['custom', 'plain'];
let cluster: BareCluster;
let listener: TcpListener;
const dumps = new Map<string, string>();

/** A libpq connection string to the listener; the password satisfies dblink's non-superuser rule. */
const target = () => `host=127.0.0.1 port=${listener.port} dbname=x user=x password=x connect_timeout=3`;
/** Errors swallowed, so the source database builds and a naive restore completes. */
const quietly = (statement: string) => `BEGIN ${statement} EXCEPTION WHEN OTHERS THEN NULL; END;`;

interface Vector {
  name: string;
  database: string;
  build: () => string;
  entry: RegExp;
  /** What the naive restore did, proving the payload fires. */
  proof: (database: string) => Promise<void> | void;
}

const VECTORS: Vector[] = [
  {
    name: 'LANGUAGE C function bound to an installed library',
    database: 'code_c',
    build: () =>
      payloadDatabaseSql(
        'matview',
        quietly(`PERFORM public.evil_c(${`'${target()}'`});`),
        `CREATE FUNCTION public.evil_c(text) RETURNS text AS '$libdir/dblink', 'dblink_connect' LANGUAGE C STRICT;`,
      ),
    entry: anyEntry(tocEntry('FUNCTION', 'evil_c('), tocEntry('MATERIALIZED VIEW DATA', 'evil_mv')),
    proof: () => expect(listener.connections()).toBeGreaterThan(0),
  },
  {
    name: 'an untrusted language',
    database: 'code_language',
    build: () =>
      payloadDatabaseSql(
        'check',
        'PERFORM public.inlang();',
        `CREATE FUNCTION public.evil_handler() RETURNS language_handler AS '$libdir/plpgsql', 'plpgsql_call_handler' LANGUAGE C;
         CREATE LANGUAGE plevil HANDLER public.evil_handler;
         CREATE FUNCTION public.inlang() RETURNS void LANGUAGE plevil AS $fn$ BEGIN ${copyToProgram(lab, 'language')} END $fn$;`,
      ),
    entry: anyEntry(/LANGUAGE plevil/, tocEntry('FUNCTION', 'evil_handler('), tocEntry('FUNCTION', 'inlang('), TRIGGER_ENTRY.check),
    proof: (database) => expect(markersIn(lab)).toEqual([`language-${database}`]),
  },
  {
    name: 'CREATE EXTENSION dblink and a matview connecting out',
    database: 'code_dblink',
    build: () => payloadDatabaseSql('matview', quietly(`PERFORM * FROM public.dblink('${target()}', 'select 1') AS t(x int);`), 'CREATE EXTENSION dblink SCHEMA public;'),
    entry: anyEntry(/EXTENSION dblink/, tocEntry('FUNCTION', 'dblink('), TRIGGER_ENTRY.matview),
    proof: () => expect(listener.connections()).toBeGreaterThan(0),
  },
];

beforeAll(async () => {
  listener = await openListener();
  cluster = await startBareCluster(lab.root);
  for (const vector of VECTORS) {
    await createDatabase(cluster, vector.database, vector.build());
    for (const format of FORMATS) dumps.set(`${vector.name}/${format}`, await dump(cluster, lab, vector.database, format));
  }
  await createDatabase(cluster, 'code_plain', 'CREATE TABLE public.innocent AS SELECT g AS id FROM generate_series(1, 20) g;');
  const plain = await dump(cluster, lab, 'code_plain', 'plain');
  for (const name of ['alter-system', 'load']) copyFileSync(plain, join(lab.dumps, `${name}.sql`));
  appendToPlainDump(join(lab.dumps, 'alter-system.sql'), `ALTER SYSTEM SET archive_command = 'touch ${lab.markers}/alter-system';`);
  appendToPlainDump(join(lab.dumps, 'load.sql'), "LOAD 'auto_explain';\nCREATE TABLE public.loaded AS SELECT current_setting('auto_explain.log_min_duration', true) AS v;");
});

beforeEach(() => {
  clearMarkers(lab);
  listener.reset();
});

afterAll(async () => {
  await cluster?.stop();
  await listener?.close();
  lab.remove();
});

describe.each(VECTORS)('$name', (vector) => {
  it.each(FORMATS)('%s: fires when restored naively, fails the drill', async (format) => {
    const path = dumps.get(`${vector.name}/${format}`)!;
    const naiveDb = `naive_${vector.database}_${format}`;
    await naiveRestore(cluster, path, naiveDb);
    await vector.proof(naiveDb);
    clearMarkers(lab);
    listener.reset();

    const before = pidsNow();
    const drill = await drillDump(lab, path);
    expectNothingFired(lab, drill, before, listener);
    expect(drill.outcome, drill.message).toBe('fail');
    expect(drill.message).toMatch(vector.entry);
    expect(drill.message).not.toContain(String(listener.port));
  });
});

describe('in a plain dump, psql running', () => {
  it('ALTER SYSTEM: writes the server configuration when restored naively, fails the drill', async () => {
    const path = join(lab.dumps, 'alter-system.sql');
    await naiveRestore(cluster, path, 'naive_alter_system');
    expect(readFileSync(join(cluster.dataDir, 'postgresql.auto.conf'), 'utf8')).toContain(`touch ${lab.markers}/alter-system`);
    await sql(cluster, 'ALTER SYSTEM RESET ALL');

    const before = pidsNow();
    const drill = await drillDump(lab, path);
    expectNothingFired(lab, drill, before, listener);
    expect(drill.outcome, drill.message).toBe('fail');
    expect(drill.message).toMatch(/ALTER SYSTEM/);
  });

  it("LOAD: loads a library into the restoring session when restored naively, fails the drill", async () => {
    const path = join(lab.dumps, 'load.sql');
    await naiveRestore(cluster, path, 'naive_load');
    expect(await sql(cluster, 'SELECT v FROM public.loaded', 'naive_load')).toBe('-1');

    const before = pidsNow();
    const drill = await drillDump(lab, path);
    expectNothingFired(lab, drill, before, listener);
    expect(drill.outcome, drill.message).toBe('fail');
    expect(drill.message).toMatch(/LOAD|auto_explain/);
  });
});
