// Scanning a pg_dump script for what a faithful restore needs (roles, its own database, the encoding) and
// what verifying it needs (tables, the closing comment). Script lines are as pg_dump 15 writes them.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { DumpScriptScanner, createdTable, rolesInStatement, tokenize } from '../../../electron/engine/pg-dump/script';
import { ScriptFeed } from '../../../electron/engine/drills/restore-plain';

const SCRIPT = `--
-- PostgreSQL database dump
--

\\restrict abc

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET client_encoding = 'LATIN1';
SELECT pg_catalog.set_config('search_path', '', false);

--
-- Name: shop; Type: DATABASE; Schema: -; Owner: dba
--

CREATE DATABASE shop WITH TEMPLATE = template0 ENCODING = 'LATIN1' LOCALE_PROVIDER = libc LOCALE = 'C';

ALTER DATABASE shop OWNER TO dba;

\\connect shop

--
-- Name: my schema; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA "my schema";

--
-- Name: odd table; Type: TABLE; Schema: my schema; Owner: Weird Role
--

CREATE TABLE "my schema"."odd table" (
    x integer
);

ALTER TABLE "my schema"."odd table" OWNER TO "Weird Role";

--
-- Name: orders; Type: TABLE; Schema: public; Owner: app; Tablespace: fast
--

CREATE TABLE public.orders (
    id bigint NOT NULL
);

--
-- Name: big_orders; Type: VIEW; Schema: public; Owner: postgres
--

--
-- Data for Name: orders; Type: TABLE DATA; Schema: public; Owner: app
--

COPY public.orders (id) FROM stdin;
1
GRANT ALL ON TABLE public.orders TO intruder;
-- Name: fake; Type: TABLE; Schema: public; Owner: fake
\\.

--
-- Name: TABLE orders; Type: ACL; Schema: public; Owner: app
--

GRANT SELECT ON TABLE public.orders TO reporting;
GRANT SELECT,INSERT ON TABLE public.orders TO "Mixed Case", auditor WITH GRANT OPTION;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE owner_role IN SCHEMA public GRANT SELECT ON TABLES TO readers;

--
-- PostgreSQL database dump complete
--

\\unrestrict abc
`;

function scan(text: string): DumpScriptScanner {
  const scanner = new DumpScriptScanner();
  for (const line of text.split('\n')) scanner.line(line);
  return scanner;
}

describe('DumpScriptScanner', () => {
  const scanner = scan(SCRIPT);

  it('finds every table, with exact names, and nothing inside COPY data', () => {
    expect(scanner.tables).toEqual([
      { schema: 'my schema', name: 'odd table' },
      { schema: 'public', name: 'orders' },
    ]);
  });

  it('finds every role the script refers to, once, and none from COPY data', () => {
    expect(scanner.roles).toEqual(['dba', 'postgres', 'Weird Role', 'app', 'reporting', 'Mixed Case', 'auditor', 'owner_role', 'readers']);
  });

  it('knows the database a --create dump makes, its encoding, and that it is complete', () => {
    expect(scanner.createsDatabase).toBe('shop');
    expect(scanner.encoding).toBe('LATIN1');
    expect(scanner.complete).toBe(true);
    expect(scan(SCRIPT.slice(0, SCRIPT.indexOf('-- PostgreSQL database dump complete'))).complete).toBe(false);
  });

  it('tracks what is being restored', () => {
    const s = new DumpScriptScanner();
    s.line('-- Data for Name: orders; Type: TABLE DATA; Schema: public; Owner: app');
    expect(s.current).toEqual({ name: 'orders', type: 'TABLE DATA', schema: 'public', owner: 'app' });
    s.line('-- Name: plpgsql; Type: EXTENSION; Schema: -; Owner: -');
    expect(s.current).toEqual({ name: 'plpgsql', type: 'EXTENSION', schema: null, owner: null });
    expect(s.roles).toEqual(['app']);
  });

  it('falls back to CREATE TABLE statements when the comments are gone', () => {
    expect(scan('CREATE TABLE public.a (x int);\nCREATE UNLOGGED TABLE "S"."b c" (x int);\nCREATE TABLE nobody (x int);').tables).toEqual([
      { schema: 'public', name: 'a' },
      { schema: 'S', name: 'b c' },
    ]);
  });
});

describe('rolesInStatement', () => {
  it.each([
    ['GRANT SELECT ON TABLE public.orders TO reporting;', ['reporting']],
    ['GRANT ALL ON FUNCTION public.f(a integer, "to" text) TO "Bob", alice;', ['Bob', 'alice']],
    ['GRANT USAGE ON SCHEMA s TO PUBLIC;', []],
    ['REVOKE ALL ON TABLE public.t FROM old_app CASCADE;', ['old_app']],
    ['GRANT SELECT ON TABLE t TO x GRANTED BY "Granter";', ['x', 'Granter']],
    ['ALTER TABLE public.owner OWNER TO app;', ['app']],
    ['ALTER SCHEMA "my schema" OWNER TO CURRENT_USER;', []],
    ['ALTER DEFAULT PRIVILEGES FOR ROLE a, b IN SCHEMA s REVOKE ALL ON TABLES FROM c;', ['a', 'b', 'c']],
    ["SET SESSION AUTHORIZATION 'Quoted Role';", ['Quoted Role']],
    ['SET SESSION AUTHORIZATION DEFAULT;', []],
    ['GRANT reader TO GROUP app;', ['app']],
    ['SELECT 1;', []],
    ['ALTER TABLE ONLY public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);', []],
  ])('%s', (line, roles) => {
    expect(rolesInStatement(line)).toEqual(roles);
  });

  it('lower-cases unquoted names and unescapes quoted ones', () => {
    expect(rolesInStatement('GRANT SELECT ON t TO App, "Say ""hi""";')).toEqual(['app', 'Say "hi"']);
    expect(tokenize("'it''s'")).toEqual([{ kind: 'string', text: "it's" }]);
  });

  it('reads CREATE TABLE names', () => {
    expect(createdTable('CREATE TABLE IF NOT EXISTS public.t (')).toEqual({ schema: 'public', name: 't' });
    expect(createdTable('CREATE TABLE t (')).toBeNull();
  });
});

describe('ScriptFeed', () => {
  it('locks psql first, drops pg_dump\'s own \\restrict lines, passes the rest, creating roles before the lines naming them', async () => {
    const text = Buffer.from(SCRIPT);
    // Also gone: pg_dump's OWNER TO lines under their entries (the restore role cannot give objects away).
    const expected =
      '\\restrict drillkey\n' +
      SCRIPT.replace('\\restrict abc\n', '')
        .replace('\\unrestrict abc\n', '')
        .replace('ALTER DATABASE shop OWNER TO dba;\n', '')
        .replace('ALTER TABLE "my schema"."odd table" OWNER TO "Weird Role";\n', '');
    // Chunks cut everywhere, including inside the COPY end marker, the \restrict lines and GRANT lines.
    const chunks: Buffer[] = [];
    for (let i = 0; i < text.length; i += 7) chunks.push(text.subarray(i, i + 7));
    const log: string[] = [];
    const out: Buffer[] = [];
    const feed = new ScriptFeed(
      new DumpScriptScanner(),
      async (roles) => {
        await new Promise((r) => setTimeout(r, 1));
        log.push(`roles:${roles.join(',')}@${Buffer.concat(out).length}`);
      },
      { restrictKey: 'drillkey', createsOwnDatabase: false },
    );
    await pipeline(
      Readable.from(chunks),
      feed,
      new Writable({
        write(chunk: Buffer, _e, cb) {
          out.push(chunk);
          cb();
        },
      }),
    );
    expect(Buffer.concat(out).toString()).toBe(expected);
    expect(feed.scanner.roles).toEqual(['dba', 'postgres', 'Weird Role', 'app', 'reporting', 'Mixed Case', 'auditor', 'owner_role', 'readers']);
    expect(feed.scanner.complete).toBe(true);
    // Each role existed before any byte of the first line psql gets that names it had been passed on.
    expect(log.length).toBeGreaterThan(3);
    const lines = expected.split('\n');
    let checked = 0;
    for (const entry of log) {
      const [, roles, at] = /^roles:(.*)@(\d+)$/.exec(entry)!;
      for (const role of roles!.split(',')) {
        const first = lines.findIndex((line) => !line.startsWith('--') && line.toLowerCase().includes(role.toLowerCase()));
        if (first === -1) continue; // named only on lines psql never gets
        expect(Number(at)).toBeLessThanOrEqual(lines.slice(0, first).join('\n').length + 1);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('ends COPY data at a CRLF "\\." too', () => {
    const s = new DumpScriptScanner();
    for (const line of ['COPY t (x) FROM stdin;', '1\r', '\\.\r', 'GRANT SELECT ON t TO late;']) s.line(line);
    expect(s.roles).toEqual(['late']);
  });
});
