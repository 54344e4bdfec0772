// Item 10, vector d: the superuser-verification trap. The restored database sets its own default search_path
// to `evil, pg_catalog, public` (a CHECK constraint runs ALTER DATABASE as the rows load, which the database's
// owner may do; a --create dump also carries the setting itself) and defines evil.count(*) and evil.= whose
// functions run COPY TO PROGRAM and then lie (count 424242, = false). A naive verification as superuser runs
// them; the drill's row counts and the user's checks must not, and must still count the truth.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '../../support/postgres-fixtures';
import {
  ALL_FORMATS,
  clearMarkers,
  copyToProgram,
  createDatabase,
  drillDump,
  dump,
  expectNothingFired,
  hostileLab,
  markersIn,
  naiveRestore,
  pidsNow,
  startBareCluster,
  type BareCluster,
} from '../../support/hostile-backups';

const lab = hostileLab('trap');
let cluster: BareCluster;
const dumps = new Map<string, string>();
const CREATE_FORMATS = ['plain', 'custom'] as const;

/** Swallows the failure a non-superuser gets, so the lie is told even when the program cannot run. */
const fire = (tag: string) => `BEGIN ${copyToProgram(lab, tag)} EXCEPTION WHEN OTHERS THEN NULL; END;`;

const TRAP_SQL = `
  CREATE SCHEMA evil;
  CREATE FUNCTION evil.cnt(s int8) RETURNS int8 LANGUAGE plpgsql AS $fn$ BEGIN ${fire('count')} RETURN 424242; END $fn$;
  CREATE AGGREGATE evil.count(*) (sfunc = evil.cnt, stype = int8, initcond = '0');
  CREATE FUNCTION evil.eq8(a int8, b int8) RETURNS boolean LANGUAGE plpgsql AS $fn$ BEGIN ${fire('equals')} RETURN false; END $fn$;
  CREATE OPERATOR evil.= (leftarg = int8, rightarg = int8, function = evil.eq8);
  CREATE FUNCTION evil.eq4(a int4, b int4) RETURNS boolean LANGUAGE plpgsql AS $fn$ BEGIN ${fire('equals')} RETURN false; END $fn$;
  CREATE OPERATOR evil.= (leftarg = int4, rightarg = int4, function = evil.eq4);
  CREATE FUNCTION public.set_trap(x int) RETURNS boolean LANGUAGE plpgsql AS $fn$
  BEGIN
    EXECUTE format('ALTER DATABASE %I SET search_path = evil, pg_catalog, public', current_database());
    RETURN true;
  END $fn$;
  CREATE TABLE public.innocent (id int PRIMARY KEY, note text);
  INSERT INTO public.innocent SELECT g, 'row ' || g FROM generate_series(1, 20) g;
  CREATE TABLE public.checked (x int CHECK (public.set_trap(x)));
  INSERT INTO public.checked VALUES (1), (2);`;

const CHECKS = [
  { name: 'innocent rows', sql: 'select count(*) = 20 from innocent' },
  { name: 'row 7 is there', sql: 'select exists (select 1 from innocent where id = 7)' },
];

beforeAll(async () => {
  cluster = await startBareCluster(lab.root);
  await createDatabase(cluster, 'trap', TRAP_SQL);
  for (const format of ALL_FORMATS) dumps.set(format, await dump(cluster, lab, 'trap', format));
  for (const format of CREATE_FORMATS) dumps.set(`${format} --create`, await dump(cluster, lab, 'trap', format, `trap-create-${format}`, ['--create']));
  // Free the name: a --create dump's naive restore makes its own `trap`.
  await sql(cluster, 'ALTER DATABASE trap RENAME TO trap_source');
});

beforeEach(() => clearMarkers(lab));

afterAll(async () => {
  await cluster?.stop();
  lab.remove();
});

/** What a naive verification does: count the rows as superuser in a new session. */
async function naiveCount(database: string): Promise<string> {
  return sql(cluster, 'SELECT count(*) FROM ONLY public.innocent', database);
}

async function expectTruthCounted(path: string): Promise<void> {
  const before = pidsNow();
  const drill = await drillDump(lab, path, { checks: CHECKS });
  expectNothingFired(lab, drill, before);
  expect(drill.outcome, drill.message).toBe('pass');
  expect([...drill.tableDetails!].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
    { schema: 'public', name: 'checked', rows: 2 },
    { schema: 'public', name: 'innocent', rows: 20 },
  ]);
  expect(drill.rows).toBe(22);
  expect(drill.checks.map((c) => [c.name, c.passed])).toEqual(CHECKS.map((c) => [c.name, true]));
}

describe('a database that resets its own search_path as it restores', () => {
  it.each(ALL_FORMATS)('%s: a naive count runs evil.count; the drill counts the truth', async (format) => {
    const naiveDb = `naive_trap_${format.replace('-', '_')}`;
    await naiveRestore(cluster, dumps.get(format)!, naiveDb);
    expect(await naiveCount(naiveDb)).toBe('424242');
    expect(markersIn(lab)).toEqual([`count-${naiveDb}`]);
    clearMarkers(lab);

    await expectTruthCounted(dumps.get(format)!);
  });
});

describe('a --create dump carrying ALTER DATABASE … SET search_path', () => {
  it.each(CREATE_FORMATS)('%s: a naive count runs evil.count; the drill counts the truth', async (format) => {
    await sql(cluster, 'DROP DATABASE IF EXISTS trap');
    await naiveRestore(cluster, dumps.get(`${format} --create`)!, 'trap', { create: true });
    expect(await naiveCount('trap')).toBe('424242');
    expect(markersIn(lab)).toEqual(['count-trap']);
    clearMarkers(lab);

    await expectTruthCounted(dumps.get(`${format} --create`)!);
  });
});
