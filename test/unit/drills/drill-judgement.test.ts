// The judgements of what a drill restored against what it should have (drill-judgement.ts), and where a
// passing drill's warnings show: the restore-drill rule, the CLI's text and JSON, the expectations read from
// a source's config.
import { describe, expect, it } from 'vitest';
import { validateConfig, type DumpDirSourceConfig } from '../../../shared/config';
import type { Drill, RestoredTable } from '../../../shared/model';
import { judgeAgainstLive, judgeRestoredDatabase, schemaOnlyProblem } from '../../../electron/engine/drills/drill-judgement';
import { DumpScriptScanner } from '../../../electron/engine/pg-dump/script';
import { drillExpectations } from '../../../electron/engine/drills/source-dump-drill';
import { restoreDrill } from '../../../electron/engine/health/rules';
import { drillJson, drillText } from '../../../electron/cli/drill';
import { HOUR, NOW, dumpDirInput, dumpDirSource } from '../health/fixtures';

const table = (name: string, rows: number | null, schema = 'public'): RestoredTable => ({ schema, name, rows });
const live = (...tables: [string, number][]) => new Map(tables.map(([name, rows]) => [`public\u0000${name}`, { schema: 'public', name, rows }]));

describe('judgeRestoredDatabase', () => {
  const orders = [table('customers', 3000), table('orders', 5000)];

  it('passes the expected database with rows, saying nothing', () => {
    expect(judgeRestoredDatabase('orders-dumps', 'orders', orders, { database: { name: 'orders', from: 'its dbname' }, minRows: 8000, minTables: 2, previousDatabase: 'orders' })).toEqual({ failures: [], warnings: [] });
  });

  it('fails another database than the expected one, naming both and where the expectation comes from', () => {
    expect(judgeRestoredDatabase('orders-dumps', 'postgres', orders, { database: { name: 'orders', from: 'its dbname' } }).failures).toEqual([
      'restored database postgres, but source orders-dumps expects database orders (its dbname) — is the backup job dumping the wrong database?',
    ]);
    // A plain dump that does not name its database is not judged by name.
    expect(judgeRestoredDatabase('orders-dumps', null, orders, { database: { name: 'orders', from: 'its dbname' } }).failures).toEqual([]);
  });

  it('fails a restore of nothing, whatever else is set', () => {
    expect(judgeRestoredDatabase('s', 'blank', [], { minRows: 10 })).toEqual({
      failures: ['the backup restored nothing: no tables and no rows in database blank — is the backup job dumping an empty or the wrong database?'],
      warnings: [],
    });
  });

  it('every table empty warns without drill.minRows, fails below it; minTables fails too', () => {
    const empty = [table('items', 0), table('prices', 0)];
    expect(judgeRestoredDatabase('s', 'shelf', empty, {})).toEqual({
      failures: [],
      warnings: ['every table is empty (2 tables, 0 rows): a new database, or a backup of an emptied one? Set drill.minRows to make this a failure'],
    });
    expect(judgeRestoredDatabase('s', 'shelf', [table('items', 40)], { minRows: 1000, minTables: 2 }).failures).toEqual([
      'restored 1 table, fewer than drill.minTables 2 — is the backup job dumping the wrong database, or leaving tables out (-t, -T, -n)?',
      'restored 40 rows in 1 table, fewer than drill.minRows 1,000 — is the backup job dumping an emptied or the wrong database?',
    ]);
  });

  it('warns when the database is not the one the previous passing drill restored, unless dbname decides', () => {
    expect(judgeRestoredDatabase('s', 'orders_v2', orders, { previousDatabase: 'orders' }).warnings).toEqual([
      'restored database orders_v2, where the previous passing drill of s restored orders: renamed, or is the backup job dumping another database? Set dbname on the source to make a wrong one a failure',
    ]);
    expect(judgeRestoredDatabase('s', 'orders', orders, { previousDatabase: 'orders_old', database: { name: 'orders', from: 'its dbname' } }).warnings).toEqual([]);
  });
});

describe('judgeAgainstLive', () => {
  const where = 'the live database orders on orders-db';

  it('names tables only the live database has, biggest first, at most five', () => {
    const restored = [table('customers', 3000)];
    expect(judgeAgainstLive(restored, live(['customers', 3000], ['invoices', 40]), where, false)).toEqual([
      'public.invoices (about 40 rows) is in the live database orders on orders-db but not in the backup: made since the backup, or left out by the backup job?',
    ]);
    const many = live(['customers', 3000], ...Array.from({ length: 7 }, (_, i): [string, number] => [`t${i}`, i * 10]));
    expect(judgeAgainstLive(restored, many, where, false)).toEqual([
      '7 tables are in the live database orders on orders-db but not in the backup: public.t6 (about 60 rows), public.t5 (about 50 rows), public.t4 (about 40 rows), public.t3 (about 30 rows), public.t2 (about 20 rows) and 2 more; made since the backup, or left out by the backup job?',
    ]);
  });

  it('warns of a table below half its live count when the live one holds 1,000 rows or more; growth and small tables are fine', () => {
    const restored = [table('customers', 3000), table('orders', 600), table('tiny', 1), table('grown', 900)];
    const counts = live(['customers', 10_000], ['orders', 999], ['tiny', 900], ['grown', 1500]);
    expect(judgeAgainstLive(restored, counts, where, false)).toEqual([
      'public.customers has 3,000 rows in the backup but about 10,000 in the live database orders on orders-db (70% fewer): an old backup, or one taken while the table was being reloaded?',
    ]);
    // compareTo judges short tables itself, at its tolerance.
    expect(judgeAgainstLive(restored, counts, where, true)).toEqual([]);
  });
});

describe('schema-only', () => {
  it('tables with no data is schema-only; no tables, or any data item, is not', () => {
    expect(schemaOnlyProblem('archive', 12, 0)).toBe('schema-only backup: the archive lists 12 tables and no table data (pg_dump -s?); the backup job must dump the data too');
    expect(schemaOnlyProblem('archive', 12, 1)).toBeNull();
    expect(schemaOnlyProblem('script', 0, 0)).toBeNull();
  });

  it("counts a hand-written script's COPY and INSERT, but not one in a pg_dump function body", () => {
    const scan = (text: string) => {
      const scanner = new DumpScriptScanner();
      for (const line of text.split('\n')) scanner.line(line);
      return scanner.dataItems;
    };
    expect(scan('CREATE TABLE public.t (x int);\nINSERT INTO public.t VALUES (1);')).toBe(1);
    expect(scan('CREATE TABLE public.t (x int);\nCOPY public.t (x) FROM stdin;\n1\n\\.')).toBe(1);
    const functionBody = [
      '-- Name: f(); Type: FUNCTION; Schema: public; Owner: app',
      'CREATE FUNCTION public.f() RETURNS void LANGUAGE sql AS $$',
      'INSERT INTO public.t VALUES (1);',
      '$$;',
      '-- Name: t; Type: TABLE; Schema: public; Owner: app',
      'CREATE TABLE public.t (x int);',
    ].join('\n');
    expect(scan(functionBody)).toBe(0);
  });
});

describe('drillExpectations', () => {
  function sources(dumpDir: Record<string, unknown>, url = 'postgres://monitor@db1/orders', coverageIgnore?: string[]) {
    const parsed = validateConfig({ sources: [{ id: 'orders-db', kind: 'postgres', url, ...(coverageIgnore ? { coverageIgnore } : {}) }, { id: 'orders-dumps', kind: 'dump-dir', path: '/srv/dumps', ...dumpDir }] });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    return { all: parsed.config.sources, dumps: parsed.config.sources[1] as DumpDirSourceConfig };
  }

  it('expects the dbname, else the database the linked server connects to, but not its maintenance database', () => {
    const named = sources({ dbname: 'shop', database: 'orders-db', drill: { minRows: 10, minTables: 2 } });
    expect(drillExpectations(named.dumps, named.all, 'shop')).toEqual({ database: { name: 'shop', from: 'its dbname' }, minRows: 10, minTables: 2, previousDatabase: 'shop' });
    const linked = sources({ database: 'orders-db' });
    expect(drillExpectations(linked.dumps, linked.all).database).toEqual({ name: 'orders', from: 'the database orders-db connects to; set dbname on orders-dumps if its dumps hold another' });
    const maintenance = sources({ database: 'orders-db' }, 'postgres://monitor@db1/postgres');
    expect(drillExpectations(maintenance.dumps, maintenance.all)).toEqual({});
    const ignored = sources({ database: 'orders-db' }, 'postgres://monitor@db1/orders', ['orders']);
    expect(drillExpectations(ignored.dumps, ignored.all)).toEqual({});
  });

  it('rejects a minRows or minTables that is not a whole number of at least 1', () => {
    for (const drill of [{ minRows: 0 }, { minTables: 1.5 }, { minRows: '10' }]) {
      const parsed = validateConfig({ sources: [{ id: 'd', kind: 'dump-dir', path: '/x', drill }] });
      expect(parsed.ok, JSON.stringify(drill)).toBe(false);
    }
  });
});

const passedWithWarnings: Drill = {
  sourceId: 'shelf-dumps',
  backupKey: '/srv/dumps/shelf.dump',
  startedAt: NOW - HOUR - 5000,
  finishedAt: NOW - HOUR,
  outcome: 'pass',
  phases: { prepare: 400, restore: 1200, verify: 100, cleanup: 50 },
  restoreMs: 1300,
  tables: 2,
  rows: 0,
  restoredBytes: 8_000_000,
  checks: [],
  message: 'restored shelf: 2 tables, 0 rows, 7.6 MB in 1.3 s with PostgreSQL 15.18; 2 warnings',
  database: 'shelf',
  warnings: ['every table is empty (2 tables, 0 rows): a new database, or a backup of an emptied one? Set drill.minRows to make this a failure', 'public.invoices (about 40 rows) is in the live database shelf on db but not in the backup'],
};

describe('where the warnings show', () => {
  it('the restore-drill rule: a warning naming the first, and how many more', () => {
    const input = dumpDirInput({ source: dumpDirSource({ drill: {} }), drills: { last: passedWithWarnings, lastPassing: passedWithWarnings } });
    expect(restoreDrill(input)).toEqual([
      {
        rule: 'restore-drill',
        status: 'warning',
        message: 'the last restore drill (shelf.dump, 1h ago) passed with a warning: every table is empty (2 tables, 0 rows): a new database, or a backup of an emptied one? Set drill.minRows to make this a failure (and 1 more warning)',
        observed: 2,
        limit: 0,
      },
    ]);
    const clean = { ...passedWithWarnings, warnings: [] };
    expect(restoreDrill(dumpDirInput({ source: dumpDirSource({ drill: {} }), drills: { last: clean, lastPassing: clean } }))).toEqual([]);
  });

  it('the CLI: one line per warning, and the list and database in --json', () => {
    const text = drillText(passedWithWarnings);
    expect(text).toContain('\n  warning   every table is empty (2 tables, 0 rows)');
    expect(text).toContain('\n  warning   public.invoices (about 40 rows) is in the live database shelf on db but not in the backup\n');
    expect(drillJson(passedWithWarnings)).toMatchObject({ outcome: 'pass', database: 'shelf', warnings: passedWithWarnings.warnings });
    expect(drillText({ ...passedWithWarnings, warnings: [] })).not.toContain('warning ');
  });

  it('the CLI lists what was restored only when the restore ran: a schema-only archive failed from its TOC restored nothing', () => {
    const schemaOnly: Drill = { ...passedWithWarnings, outcome: 'fail', phases: { prepare: 400, cleanup: 50 }, tables: 0, rows: 0, restoredBytes: null, warnings: [], message: 'schema-only backup: the archive lists 2 tables and no table data (pg_dump -s?); the backup job must dump the data too' };
    expect(drillText(schemaOnly)).not.toContain('restored  ');
    expect(drillText({ ...schemaOnly, phases: { prepare: 400, restore: 10, cleanup: 50 } })).toContain('\n  restored  0 tables, 0 rows\n');
  });
});
