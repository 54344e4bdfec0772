// Which lines of a plain dump psql never sees in a drill: pg_dump's own \restrict / \unrestrict (exactly, where
// pg_dump writes them), a --create dump's creation and \connect, database-level settings. Everything else,
// any other backslash command included, goes to psql, whose lock refuses it. Scripts as pg_dump 15.18 writes them.
import { describe, expect, it } from 'vitest';
import { DumpScriptScanner } from '../../../electron/engine/pg-dump/script';
import { PgDumpLineFilter } from '../../../electron/engine/drills/plain-script-filter';

const KEY = 'hy0MUZaimxuGkGnZigwqP79aZ0zQAw8yHTnuRdzDPg9TlNpV30stHymgCgZy1qy';

const HEADER = `--
-- PostgreSQL database dump
--

\\restrict ${KEY}

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SELECT pg_catalog.set_config('search_path', '', false);
`;

const BODY = `
--
-- Name: t; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.t (
    x text
);

--
-- Data for Name: t; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.t (x) FROM stdin;
\\restrict ${KEY}
\\unrestrict ${KEY}
\\connect template1
\\.
`;

const TAIL = `

--
-- PostgreSQL database dump complete
--

\\unrestrict ${KEY}

`;

const CREATE = `
DROP DATABASE IF EXISTS shop;
--
-- Name: shop; Type: DATABASE; Schema: -; Owner: app
--

CREATE DATABASE shop WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'C';


ALTER DATABASE shop OWNER TO app;

\\unrestrict ${KEY}
\\connect shop
\\restrict ${KEY}

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SELECT pg_catalog.set_config('search_path', '', false);

--
-- Name: DATABASE shop; Type: COMMENT; Schema: -; Owner: app
--

COMMENT ON DATABASE shop IS 'the shop';

--
-- Name: shop; Type: DATABASE PROPERTIES; Schema: -; Owner: app
--

ALTER DATABASE shop SET search_path TO 'evil', 'public';
ALTER ROLE app IN DATABASE shop SET work_mem TO '8MB';


\\unrestrict ${KEY}
\\connect shop
\\restrict ${KEY}

SET statement_timeout = 0;
`;

/** The script as psql would get it, and the filter, as ScriptFeed drives them (COPY data never judged). */
function filtered(script: string, createsOwnDatabase = false): { kept: string; filter: PgDumpLineFilter } {
  const scanner = new DumpScriptScanner();
  const filter = new PgDumpLineFilter(createsOwnDatabase);
  const kept: string[] = [];
  for (const line of script.split('\n')) {
    if (scanner.inCopy) {
      scanner.line(line);
      kept.push(line);
      continue;
    }
    scanner.line(line);
    if (filter.keeps(line.endsWith('\r') ? line.slice(0, -1) : line, scanner)) kept.push(line);
  }
  return { kept: kept.join('\n'), filter };
}

/** The script without its COPY data, whose lines look like meta-commands on purpose. */
function statements(script: string): string {
  return script.replace(/^COPY [^\n]*FROM stdin;\r?\n[\s\S]*?^\\\.\r?$/m, 'COPY');
}

describe('pg_dump\'s own \\restrict and \\unrestrict', () => {
  it('are removed at the top and after the closing comment, and nothing else is', () => {
    const kept = filtered(HEADER + BODY + TAIL).kept;
    expect(kept).toBe(HEADER.replace(`\\restrict ${KEY}\n`, '') + BODY + TAIL.replace(`\\unrestrict ${KEY}\n`, ''));
  });

  it('COPY data that looks like them is data', () => {
    const { kept } = filtered(HEADER + BODY + TAIL);
    expect(kept).toContain(`COPY public.t (x) FROM stdin;\n\\restrict ${KEY}\n\\unrestrict ${KEY}\n\\connect template1\n\\.\n`);
  });

  it('keeps CRLF dumps working', () => {
    const script = (HEADER + BODY + TAIL).replace(/\n/g, '\r\n');
    const kept = filtered(script).kept;
    expect(statements(kept)).not.toMatch(/^\\(un)?restrict /m);
    expect(kept).toContain(`COPY public.t (x) FROM stdin;\r\n\\restrict ${KEY}\r\n`);
  });

  it.each([
    ['an \\unrestrict with pg_dump\'s key in the middle', `SELECT 1;\n\\unrestrict ${KEY}\nSELECT 2;\n`],
    ['an \\unrestrict with another key after the end', ''],
    ['a second \\restrict', `SELECT 1;\n\\restrict ${KEY}\n`],
    ['a \\restrict with extra text', `SELECT 1;\n\\restrict ${KEY} x\n`],
    ['a \\connect', '\\connect template1\n'],
    ['a \\! command', '\\! touch /tmp/x\n'],
  ])('pass on %s, for psql to refuse', (_name, middle) => {
    const extra = middle === '' ? `\\unrestrict other\n` : '';
    const script = HEADER + middle + BODY + TAIL + extra;
    const { kept } = filtered(script);
    for (const line of (middle + extra).split('\n').filter((l) => l.startsWith('\\'))) expect(kept).toContain(`\n${line}\n`);
  });

  it('a \\restrict after the first statement is not pg_dump\'s', () => {
    const script = `SELECT 1;\n\\restrict ${KEY}\nSELECT 2;\n`;
    expect(filtered(script).kept).toBe(script);
  });

  it('an \\unrestrict before the closing comment is not pg_dump\'s, even with its key', () => {
    const { kept } = filtered(HEADER + `\\unrestrict ${KEY}\n` + BODY + TAIL);
    expect(statements(kept).match(/^\\unrestrict /gm)).toHaveLength(1);
  });
});

describe('a --create dump', () => {
  it('loses everything up to its \\connect, and the \\restrict after it; keeps the rest but the database settings', () => {
    const { kept, filter } = filtered(HEADER + CREATE + BODY + TAIL, true);
    expect(kept.startsWith('\nSET statement_timeout = 0;\n')).toBe(true);
    expect(statements(kept)).not.toMatch(/CREATE DATABASE|DROP DATABASE|OWNER TO app|\\connect|^\\(un)?restrict /m);
    expect(kept).toContain("COMMENT ON DATABASE shop IS 'the shop';");
    expect(kept).not.toContain('SET search_path');
    expect(kept).not.toContain('work_mem');
    expect(filter.skippedSettings).toEqual(['search_path', 'work_mem']);
    expect(kept).toContain('CREATE TABLE public.t (');
  });

  it('a \\connect after the settings without pg_dump\'s \\unrestrict before it is not pg_dump\'s', () => {
    const settingsEnd = CREATE.indexOf('\n', CREATE.indexOf('ALTER ROLE app IN DATABASE')) + 1;
    const script = HEADER + CREATE.slice(0, settingsEnd) + '\\connect template1\n' + BODY + TAIL;
    expect(statements(filtered(script, true).kept)).toMatch(/^\\connect template1$/m);
  });

  it('still passes on a backslash command hidden before the \\connect', () => {
    const script = HEADER + CREATE.replace('ALTER DATABASE shop OWNER TO app;', 'ALTER DATABASE shop OWNER TO app;\n\\! touch /tmp/x') + BODY + TAIL;
    expect(filtered(script, true).kept).toMatch(/^\\! touch \/tmp\/x$/m);
  });

  it('without a \\connect, stops dropping at the first entry that is not the database', () => {
    const script = HEADER + CREATE.replace(`\\connect shop\n`, '') + BODY + TAIL;
    const { kept } = filtered(script, true);
    expect(kept).toContain('CREATE TABLE public.t (');
    expect(kept).not.toContain('CREATE DATABASE');
  });

  it('a dump without --create keeps its database statements (psql runs them, in its own database)', () => {
    expect(filtered('ALTER DATABASE x SET search_path TO evil;\n').kept).toBe('ALTER DATABASE x SET search_path TO evil;\n');
  });
});
