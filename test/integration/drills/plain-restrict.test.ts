// Issue 9, item 2: psql cannot be steered by a plain dump. Good dumps as pg_dump 15.18 writes them (with its
// own \restrict and \unrestrict lines; --create; --clean --if-exists; gzipped) pass with exact counts, COPY
// data that looks like a meta-command included. Crafted dumps carrying psql meta-commands are first shown to
// fire when fed to bare `psql -f` in a throwaway cluster, then drilled: the drill fails naming the command and
// its line, never its argument, and the marker the command would write appears nowhere.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeFailure, run } from '../../../electron/engine/exec';
import {
  clearMarkers,
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
import { sql } from '../../support/postgres-fixtures';

const lab = hostileLab('psql-meta');
let cluster: BareCluster;
const dumps: Record<string, string> = {};
/** The plain dump's text, and pg_dump's own key in it. */
let plainText: string;
let pgDumpKey: string;

/** Values a COPY data line may start with that look like pg_dump's meta-commands (COPY escapes the backslash). */
const LOOKALIKES = ['\\restrict abc', '\\unrestrict abc', '\\r', '\\connect template1', 'plain'];

const SHOP = `
  CREATE TABLE public.notes (id int PRIMARY KEY, body text);
  INSERT INTO public.notes VALUES ${LOOKALIKES.map((v, i) => `(${i + 1}, '${v}')`).join(', ')};
  CREATE TABLE public.orders (id int PRIMARY KEY, total numeric);
  INSERT INTO public.orders SELECT g, g * 1.5 FROM generate_series(1, 3000) g;
  ALTER DATABASE shop SET search_path TO public, pg_catalog;
  ALTER DATABASE shop SET work_mem TO '1MB';`;

/** COPY data lines that start with a backslash came back byte for byte. */
const LOOKALIKE_CHECK = {
  name: 'lookalike values round-trip',
  sql: `select array_agg(body order by id) = array[${LOOKALIKES.map((v) => `'${v}'`).join(', ')}] from public.notes`,
};
/** The drill restored none of the dumped database's settings (--create dumps hold them: search_path is a trap). */
const NO_DATABASE_SETTINGS = { name: 'no database settings', sql: 'select count(*) = 0 from pg_catalog.pg_db_role_setting' };

beforeAll(async () => {
  cluster = await startBareCluster(lab.root);
  await createDatabase(cluster, 'shop', SHOP);
  dumps.plain = await dump(cluster, lab, 'shop', 'plain');
  dumps.gzip = await dump(cluster, lab, 'shop', 'plain-gzip');
  dumps.create = await dump(cluster, lab, 'shop', 'plain', 'shop-create', ['--create']);
  dumps.createGzip = await dump(cluster, lab, 'shop', 'plain-gzip', 'shop-create', ['--create']);
  dumps.clean = await dump(cluster, lab, 'shop', 'plain', 'shop-clean', ['--clean', '--if-exists']);
  dumps.createClean = await dump(cluster, lab, 'shop', 'plain', 'shop-create-clean', ['--create', '--clean', '--if-exists']);
  // A small --create dump whose database is then dropped, so that a naive restore of it can create it again.
  await createDatabase(cluster, 'made', 'CREATE TABLE public.t (x int); INSERT INTO public.t VALUES (1);');
  dumps.made = await dump(cluster, lab, 'made', 'plain', 'made-create', ['--create']);
  await sql(cluster, 'DROP DATABASE made');
  plainText = readFileSync(dumps.plain, 'utf8');
  pgDumpKey = /^\\restrict ([A-Za-z0-9]+)$/m.exec(plainText)![1]!;
}, 120_000);

beforeEach(() => clearMarkers(lab));

afterAll(async () => {
  await cluster?.stop();
  lab.remove();
});

describe('pg_dump 15.18 output', () => {
  it('holds pg_dump\'s own \\restrict and \\unrestrict lines, the case this is about', () => {
    expect(plainText).toMatch(/^-- PostgreSQL database dump\n--\n\n\\restrict [A-Za-z0-9]{63}\n/m);
    expect(plainText).toMatch(new RegExp(`-- PostgreSQL database dump complete\\n--\\n\\n\\\\unrestrict ${pgDumpKey}\\n`));
    expect(readFileSync(dumps.create!, 'utf8')).toMatch(/^\\unrestrict \w+\n\\connect shop\n\\restrict \w+\n/m);
  });

  it.each([
    ['plain', 'shop-plain.sql'],
    ['gzip', 'shop-plain-gzip.sql.gz'],
    ['clean', 'shop-clean.sql'],
    ['create', 'shop'],
    ['createGzip', 'shop'],
    ['createClean', 'shop'],
  ])('%s passes, with exact counts and COPY data untouched', async (name, restored) => {
    const drill = await drillDump(lab, dumps[name]!, { checks: [LOOKALIKE_CHECK, NO_DATABASE_SETTINGS] });
    expect(drill.message).toMatch(new RegExp(`^restored ${restored.replace(/\./g, '\\.')}: 2 tables, 3,005 rows, .*; 2 checks passed$`));
    expect(drill.outcome).toBe('pass');
    expect(drill.tableDetails?.map((t) => [t.schema, t.name, t.rows])).toEqual([
      ['public', 'notes', LOOKALIKES.length],
      ['public', 'orders', 3000],
    ]);
    expect(markersIn(lab)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// crafted dumps

interface Crafted {
  /** The meta-command the drill must name. */
  command: string;
  /** Lines put into the dump, after its first table's definition. */
  lines: (marker: string) => string[];
  /** Keep pg_dump's own \restrict line (else removed, as an older pg_dump or an attacker would have it). */
  keepPgDumpLock?: boolean;
  /** What proves the naive restore (into `database`) ran it, when not a marker file. */
  fired?: (result: { stdout: string; stderr: string }, database: string) => Promise<boolean>;
}

/** psql ran /etc/hostname as SQL: its text comes back in the syntax error. */
const ranHostname = async (r: { stderr: string }) => hostname().length > 0 && r.stderr.includes(hostname());

const CRAFTED: Record<string, Crafted> = {
  shell: { command: '\\!', lines: (m) => [`\\! touch ${m}`] },
  'output pipe': { command: '\\o', lines: (m) => [`\\o |touch ${m}`, 'SELECT 1;', '\\o'] },
  'query pipe': { command: '\\g', lines: (m) => [`SELECT 1 \\g |touch ${m}`] },
  'client copy to program': { command: '\\copy', lines: (m) => [`\\copy (select 1) to program 'touch ${m}'`] },
  'unrestrict with pg_dump\'s key': { command: '\\unrestrict', keepPgDumpLock: true, lines: (m) => [`\\unrestrict ${pgDumpKey}`, `\\! touch ${m}`] },
  connect: {
    command: '\\connect',
    lines: () => ['\\connect template1', "SELECT 'connected to ' || current_database();"],
    fired: async (r) => r.stdout.includes('connected to template1'),
  },
  include: { command: '\\i', lines: () => ['\\i /etc/hostname'], fired: ranHostname },
  'relative include': { command: '\\ir', lines: () => ['\\ir /etc/hostname'], fired: ranHostname },
  'large object import': {
    command: '\\lo_import',
    lines: () => ['\\lo_import /etc/hostname'],
    fired: async (_r, database) => (await sql(cluster, 'SELECT count(*) FROM pg_largeobject_metadata', database)) === '1',
  },
  // The marker's path reaches \! only through the variable \setenv set.
  environment: { command: '\\setenv', lines: (m) => [`\\setenv BH_MARKER ${m}`, '\\! touch "$BH_MARKER"'] },
};

/** The plain dump with `lines` after its first table's definition; the 1-based line number of the first. */
function craft(crafted: Crafted, marker: string): { text: string; line: number } {
  let text = crafted.keepPgDumpLock ? plainText : plainText.replace(`\\restrict ${pgDumpKey}\n`, '');
  const at = text.indexOf('\n', text.indexOf('ALTER TABLE public.notes OWNER TO')) + 1;
  text = `${text.slice(0, at)}\n${crafted.lines(marker).join('\n')}\n${text.slice(at)}`;
  return { text, line: text.slice(0, at).split('\n').length + 1 };
}

describe.each(Object.entries(CRAFTED))('a dump running %s', (name, crafted) => {
  it.each(['plain', 'gzip'])('%s: fires under bare psql, fails the drill naming the command', async (format) => {
    const marker = join(lab.markers, `${name.replace(/\W/g, '-')}-${format}`);
    const { text, line } = craft(crafted, marker);
    const path = join(lab.dumps, `crafted-${name.replace(/\W/g, '-')}.sql${format === 'gzip' ? '.gz' : ''}`);
    writeFileSync(path, format === 'gzip' ? gzipSync(text) : text);

    const naiveDb = `naive_${name.replace(/\W/g, '_')}_${format}`;
    const naive = await naiveRestore(cluster, path, naiveDb);
    if (crafted.fired) expect(await crafted.fired(naive, naiveDb), 'the naive restore did not run the command: the test proves nothing').toBe(true);
    else expect(markersIn(lab), 'the naive restore did not run the command: the test proves nothing').toEqual([marker.split('/').at(-1)]);
    clearMarkers(lab);

    const before = pidsNow();
    const drill = await drillDump(lab, path);
    expect(drill.outcome, drill.message).toBe('fail');
    expect(drill.message).toBe(`the dump tried to run the psql meta-command ${crafted.command} at line ${line}; drills never run psql meta-commands`);
    expectNothingFired(lab, drill, before);
    expect(drill.message).not.toMatch(/touch|template1|hostname|program|BH_MARKER/);
  });
});

it('a backslash command hidden before a --create dump\'s \\connect is refused too', async () => {
  const marker = join(lab.markers, 'before-connect');
  const text = readFileSync(dumps.made!, 'utf8')
    .replace(/^\\restrict \w+\n/m, '')
    .replace(/^ALTER DATABASE made OWNER TO .*$/m, (owner) => `${owner}\n\\! touch ${marker}`);
  expect(text).toContain(`\\! touch ${marker}`);
  const path = join(lab.dumps, 'crafted-before-connect.sql');
  writeFileSync(path, text);
  await naiveRestore(cluster, path, 'made', { create: true });
  await sql(cluster, 'DROP DATABASE made');
  expect(markersIn(lab), 'the naive restore did not run the command: the test proves nothing').toEqual(['before-connect']);
  clearMarkers(lab);

  const before = pidsNow();
  const drill = await drillDump(lab, path);
  expect(drill.message).toMatch(/^the dump tried to run the psql meta-command \\! at line \d+; drills never run psql meta-commands$/);
  expect(drill.outcome).toBe('fail');
  expectNothingFired(lab, drill, before);
});

it('pg_dumpall output stays refused, saying so', async () => {
  const path = join(lab.dumps, 'cluster.sql');
  const result = await run(cluster.tool('pg_dumpall'), [...cluster.clientArgs(), '-f', path], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(describeFailure(result, 'pg_dumpall'));
  const drill = await drillDump(lab, path);
  expect(drill.outcome).toBe('error');
  expect(drill.message).toBe('cluster.sql is a pg_dumpall script of a whole cluster; drills restore one database\'s pg_dump');
});

it('a psql that cannot lock its meta-commands is not used: the drill says what to install', async () => {
  // An installation whose tools only say their version: 15.13, the last 15 without \restrict.
  const bin = join(lab.root, 'pg-15.13', 'bin');
  mkdirSync(bin, { recursive: true });
  for (const tool of ['postgres', 'initdb', 'psql']) {
    writeFileSync(join(bin, tool), `#!/bin/sh\necho '${tool} (PostgreSQL) 15.13'\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  const drill = await drillDump(lab, dumps.plain!, { searchDirs: [bin] });
  expect(drill.outcome).toBe('error');
  expect(drill.message).toMatch(/^psql 15\.13 in .*\/pg-15\.13\/bin cannot lock its meta-commands \(\\restrict\).*install postgresql-15 15\.14 or newer/);
  expect(drill.restoredWith).toBeNull();
});
