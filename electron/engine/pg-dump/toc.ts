// What pg_restore says about an archive, as pure functions over its text: the table of contents that
// `pg_restore --list` prints (how many items a restore will process, for progress), and the lines
// `pg_restore --verbose` writes to stderr as it processes each of them.
//
// A --list line is "<dumpId>; <tableoid> <oid> <desc> <schema> <tag> <owner>" (PrintTOCSummary in
// pg_backup_archiver.c). desc may be several words ("TABLE DATA", "FK CONSTRAINT") and schema, tag and owner
// are printed unquoted, so names with spaces make the rest ambiguous: exact names come from the schema
// script instead (script.ts). Here the rest of the line is kept as printed.

/** Every desc pg_dump writes (pg_dump.c, pg_backup_archiver.c), longest first so "TABLE DATA" wins over "TABLE". */
const TOC_DESCS = [
  'MATERIALIZED VIEW DATA',
  'PUBLICATION TABLES IN SCHEMA',
  'TEXT SEARCH CONFIGURATION',
  'TEXT SEARCH DICTIONARY',
  'TEXT SEARCH TEMPLATE',
  'TEXT SEARCH PARSER',
  'FOREIGN DATA WRAPPER',
  'DATABASE PROPERTIES',
  'PROCEDURAL LANGUAGE',
  'PUBLICATION TABLE',
  'SEQUENCE OWNED BY',
  'MATERIALIZED VIEW',
  'CHECK CONSTRAINT',
  'STATISTICS DATA',
  'OPERATOR FAMILY',
  'OPERATOR CLASS',
  'SECURITY LABEL',
  'BLOB COMMENTS',
  'BLOB METADATA',
  'EVENT TRIGGER',
  'FK CONSTRAINT',
  'FOREIGN TABLE',
  'ACCESS METHOD',
  'INDEX ATTACH',
  'TABLE ATTACH',
  'SEQUENCE SET',
  'USER MAPPING',
  'DEFAULT ACL',
  'ROW SECURITY',
  'SHELL TYPE',
  'TABLE DATA',
  'LARGE OBJECT',
];

export interface TocEntry {
  dumpId: number;
  /** e.g. "TABLE", "TABLE DATA", "FK CONSTRAINT". */
  desc: string;
  /** "<schema> <tag> <owner>" as printed ("-" for no schema). */
  rest: string;
}

export interface TocListing {
  /** Items a restore of the whole archive processes, in order. */
  entries: TocEntry[];
  /** From the "; dbname: shop" comment. */
  dbName?: string;
  /** From "; Format: CUSTOM" (CUSTOM, DIRECTORY, TAR). */
  format?: string;
  /** From "; Dump Version: 1.14-0". */
  archiveVersion?: string;
}

const ENTRY_LINE = /^(\d+); (\d+) (\d+) (.*)$/;

/** Parses `pg_restore --list` output. Lines it does not recognise are skipped, never fatal. */
export function parseTocList(text: string): TocListing {
  const listing: TocListing = { entries: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith(';')) {
      const field = /^;\s+([A-Za-z ]+):\s*(.*)$/.exec(line);
      if (!field) continue;
      const [, key, value] = field as unknown as [string, string, string];
      if (key === 'dbname') listing.dbName = value;
      else if (key === 'Format') listing.format = value;
      else if (key === 'Dump Version') listing.archiveVersion = value;
      continue;
    }
    const m = ENTRY_LINE.exec(line);
    if (!m) continue;
    const described = m[4]!;
    const desc = TOC_DESCS.find((d) => described === d || described.startsWith(`${d} `)) ?? described.split(' ')[0]!;
    listing.entries.push({ dumpId: Number(m[1]), desc, rest: described.slice(desc.length + 1) });
  }
  return listing;
}

/**
 * The item a `pg_restore -v` stderr line says is being restored, in words ("TABLE public.orders",
 * "data of public.orders"), or null for lines that are not one item each. Every listed item produces
 * exactly one such line, with -j1 and with -j N alike ("processing item", "launching item" and
 * "finished item", which only parallel restores print, are left out so nothing is counted twice).
 */
export function restoredItemOf(line: string): string | null {
  const m = /^pg_restore: (creating|processing data for table|executing|processing) (.+)$/.exec(line.replace(/\r$/, ''));
  if (!m) return null;
  const [, verb, what] = m as unknown as [string, string, string];
  switch (verb) {
    case 'creating':
      // creating TABLE "public.orders"
      return what.replace(/ "(.*)"$/, ' $1');
    case 'processing data for table':
      return `data of ${what.replace(/^"(.*)"$/, '$1')}`;
    case 'executing':
      return what;
    default:
      // "processing BLOBS" / "processing BLOB COMMENTS" are items; "processing item 12 ..." are not.
      return /^(item|missed item) \d/.test(what) ? null : what;
  }
}

/** Splits a stream of text chunks into whole lines. */
export class LineSplitter {
  private pending = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: string): void {
    const text = this.pending + chunk;
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }
  end(): void {
    if (this.pending) this.onLine(this.pending);
    this.pending = '';
  }
}
