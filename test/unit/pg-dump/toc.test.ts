// Parsing what pg_restore prints: --list (the TOC) and the -v lines that count restored items. The samples
// are real output of pg_restore 15 on a database with a schema and a table whose names hold spaces.
import { describe, expect, it } from 'vitest';
import { LineSplitter, parseTocList, restoredItemOf } from '../../../electron/engine/pg-dump/toc';

const LIST = `;
; Archive created at 2026-11-25 01:00:34 UTC
;     dbname: shop
;     TOC Entries: 31
;     Compression: -1
;     Dump Version: 1.14-0
;     Format: CUSTOM
;     Integer: 4 bytes
;     Offset: 8 bytes
;     Dumped from database version: 15.18 (Debian 15.18-0+deb12u1)
;     Dumped by pg_dump version: 15.18 (Debian 15.18-0+deb12u1)
;
;
; Selected TOC Entries:
;
6; 2615 16415 SCHEMA - my schema postgres
220; 1259 16416 TABLE my schema odd table postgres
218; 1259 16400 TABLE public orders app
3384; 0 0 COMMENT public TABLE orders app
3385; 0 0 ACL public TABLE orders app
219; 1259 16411 VIEW public big_orders postgres
216; 1259 16389 TABLE public customers postgres
215; 1259 16388 SEQUENCE public customers_id_seq postgres
3387; 0 0 SEQUENCE OWNED BY public customers_id_seq postgres
3219; 0 0 TABLE ATTACH public parts_1 postgres
3220; 2604 16392 DEFAULT public customers id postgres
3376; 0 16416 TABLE DATA my schema odd table postgres
3373; 0 16389 TABLE DATA public customers postgres
3389; 0 0 SEQUENCE SET public customers_id_seq postgres
3225; 2606 16397 CONSTRAINT public customers customers_pkey postgres
3223; 1259 16398 INDEX public customers_email_idx postgres
3228; 2606 16406 FK CONSTRAINT public orders orders_customer_id_fkey app
`;

// pg_restore -v -j1 and -j2 of an archive with the 27 items listed in LIST's full version.
const SERIAL = `pg_restore: connecting to database for restore
pg_restore: creating SCHEMA "my schema"
pg_restore: creating TABLE "my schema.odd table"
pg_restore: creating COMMENT "public.TABLE orders"
pg_restore: creating SEQUENCE OWNED BY "public.customers_id_seq"
pg_restore: processing data for table "my schema.odd table"
pg_restore: processing data for table "public.customers"
pg_restore: executing SEQUENCE SET customers_id_seq
pg_restore: creating FK CONSTRAINT "public.orders orders_customer_id_fkey"
pg_restore: creating ACL "public.TABLE orders"
`;

const PARALLEL = `pg_restore: connecting to database for restore
pg_restore: processing item 3380 ENCODING ENCODING
pg_restore: processing item 3383 DATABASE shop
pg_restore: processing item 6 SCHEMA my schema
pg_restore: creating SCHEMA "my schema"
pg_restore: processing item 220 TABLE odd table
pg_restore: creating TABLE "my schema.odd table"
pg_restore: processing item 3384 COMMENT TABLE orders
pg_restore: creating COMMENT "public.TABLE orders"
pg_restore: processing item 3387 SEQUENCE OWNED BY customers_id_seq
pg_restore: creating SEQUENCE OWNED BY "public.customers_id_seq"
pg_restore: entering main parallel loop
pg_restore: launching item 3376 TABLE DATA odd table
pg_restore: launching item 3373 TABLE DATA customers
pg_restore: processing data for table "public.customers"
pg_restore: processing data for table "my schema.odd table"
pg_restore: finished item 3373 TABLE DATA customers
pg_restore: finished item 3376 TABLE DATA odd table
pg_restore: launching item 3389 SEQUENCE SET customers_id_seq
pg_restore: executing SEQUENCE SET customers_id_seq
pg_restore: finished item 3389 SEQUENCE SET customers_id_seq
pg_restore: launching item 3228 FK CONSTRAINT orders orders_customer_id_fkey
pg_restore: creating FK CONSTRAINT "public.orders orders_customer_id_fkey"
pg_restore: finished item 3228 FK CONSTRAINT orders orders_customer_id_fkey
pg_restore: launching item 3385 ACL TABLE orders
pg_restore: creating ACL "public.TABLE orders"
pg_restore: finished item 3385 ACL TABLE orders
pg_restore: finished main parallel loop
`;

describe('parseTocList', () => {
  const listing = parseTocList(LIST);

  it('reads the header comments', () => {
    expect(listing).toMatchObject({ dbName: 'shop', format: 'CUSTOM', archiveVersion: '1.14-0' });
  });

  it('keeps every entry in order, multi-word descs whole', () => {
    expect(listing.entries).toHaveLength(17);
    expect(listing.entries.map((e) => e.desc)).toEqual([
      'SCHEMA',
      'TABLE',
      'TABLE',
      'COMMENT',
      'ACL',
      'VIEW',
      'TABLE',
      'SEQUENCE',
      'SEQUENCE OWNED BY',
      'TABLE ATTACH',
      'DEFAULT',
      'TABLE DATA',
      'TABLE DATA',
      'SEQUENCE SET',
      'CONSTRAINT',
      'INDEX',
      'FK CONSTRAINT',
    ]);
    expect(listing.entries[1]).toEqual({ dumpId: 220, desc: 'TABLE', rest: 'my schema odd table postgres' });
    expect(listing.entries[11]).toEqual({ dumpId: 3376, desc: 'TABLE DATA', rest: 'my schema odd table postgres' });
  });

  it('skips what is not an entry and survives CRLF and empty input', () => {
    expect(parseTocList('').entries).toEqual([]);
    expect(parseTocList('garbage\r\n12; 0 0 ENCODING - ENCODING \r\n;12; 0 0 TABLE public x y\r\n').entries).toEqual([{ dumpId: 12, desc: 'ENCODING', rest: '- ENCODING ' }]);
  });
});

describe('restoredItemOf', () => {
  const items = (text: string) => text.split('\n').map(restoredItemOf).filter((x) => x !== null);

  it('counts each item once, serial or parallel', () => {
    expect(items(SERIAL)).toHaveLength(9);
    expect(items(PARALLEL)).toHaveLength(9);
    expect(items(PARALLEL).sort()).toEqual(items(SERIAL).sort());
  });

  it('says what is being restored', () => {
    expect(restoredItemOf('pg_restore: creating TABLE "my schema.odd table"')).toBe('TABLE my schema.odd table');
    expect(restoredItemOf('pg_restore: processing data for table "public.customers"')).toBe('data of public.customers');
    expect(restoredItemOf('pg_restore: executing SEQUENCE SET customers_id_seq')).toBe('SEQUENCE SET customers_id_seq');
    expect(restoredItemOf('pg_restore: processing BLOBS')).toBe('BLOBS');
    expect(restoredItemOf('pg_restore: processing item 3380 ENCODING ENCODING')).toBeNull();
    expect(restoredItemOf('pg_restore: processing missed item 3380 ACL TABLE x')).toBeNull();
    expect(restoredItemOf('pg_restore: error: could not read from input file: end of file')).toBeNull();
  });
});

describe('LineSplitter', () => {
  it('joins lines split across chunks and flushes the last one', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l));
    for (const chunk of ['pg_res', 'tore: a\npg_restore: b\n', '', 'tail']) splitter.push(chunk);
    splitter.end();
    expect(lines).toEqual(['pg_restore: a', 'pg_restore: b', 'tail']);
  });
});
