// Reads a pg_dump SQL script line by line, as psql would receive it: a plain dump, or what
// `pg_restore --schema-only -f -` prints for an archive. It finds what a faithful restore needs before the
// statements run and what verifying it needs afterwards:
// - every table, from the exact "-- Name: orders; Type: TABLE; Schema: public; Owner: app" comments pg_dump
//   writes before each object (and CREATE TABLE statements, for scripts edited by hand);
// - every role the script refers to (owners, GRANT/REVOKE targets, default privileges), to create them first;
// - whether it creates its own database (--create) and pg_dump's closing comment (a dump cut short lacks it).
// COPY data is skipped: a data row that looks like a statement is still data.

export interface TableName {
  schema: string;
  name: string;
}

export interface ScriptEntry {
  name: string;
  type: string;
  schema: string | null;
  owner: string | null;
}

const ENTRY_COMMENT = /^-- (Data for )?Name: (.*?); Type: (.*?); Schema: (.*?); Owner: (.*?)(?:; Tablespace: .*)?$/;
const COPY_START = /^COPY .* FROM stdin;$/;
const END_MARKER = '-- PostgreSQL database dump complete';
/** Keywords where a role name could stand, and names PostgreSQL reserves ("none"). */
const NOT_ROLES = new Set(['public', 'current_user', 'session_user', 'current_role', 'default', 'none']);

export class DumpScriptScanner {
  private readonly tableKeys = new Set<string>();
  private readonly seenRoles = new Set<string>();
  readonly tables: TableName[] = [];
  /** Every role the script refers to, in order of first mention. */
  readonly roles: string[] = [];
  /** The database a --create dump creates and connects to, from its DATABASE entry. */
  createsDatabase: string | null = null;
  /** From SET client_encoding, for creating the target database with the same encoding. */
  encoding: string | null = null;
  /** The object being restored now, for progress ("TABLE DATA public.orders"). */
  current: ScriptEntry | null = null;
  /** pg_dump's closing comment was seen. */
  complete = false;
  /**
   * Table data the script loads: pg_dump's "Data for Name: …; Type: TABLE DATA" entries (an empty table's
   * too), and COPY or INSERT statements in a script without pg_dump's entry comments (one written by hand; in
   * a pg_dump script such a line outside a data entry is a function's body). None, with tables created, is a
   * schema-only dump.
   */
  dataItems = 0;
  private copying = false;
  lines = 0;

  /** Whether the next line is COPY data (callers may skip decoding it and call copyLine instead). */
  get inCopy(): boolean {
    return this.copying;
  }

  /** A line inside COPY data; `endsCopy` is true for the "\." that closes it. */
  copyLine(endsCopy: boolean): void {
    this.lines++;
    if (endsCopy) this.copying = false;
  }

  /** Scans one line (without its newline). Returns the roles first mentioned on it. */
  line(raw: string): string[] {
    this.lines++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.copying) {
      if (text === '\\.') this.copying = false;
      return [];
    }
    if (text.startsWith('--')) return this.comment(text);
    if (COPY_START.test(text)) {
      this.copying = true;
      if (this.current === null) this.dataItems++;
      return [];
    }
    if (text.startsWith('INSERT INTO ') && this.current === null) this.dataItems++;
    if (text.startsWith('SET client_encoding = ')) {
      this.encoding = /^SET client_encoding = '([^']+)';$/.exec(text)?.[1] ?? this.encoding;
      return [];
    }
    if (/^CREATE (?:UNLOGGED )?TABLE /.test(text)) {
      const table = createdTable(text);
      if (table) this.addTable(table);
      return [];
    }
    return this.addRoles(rolesInStatement(text));
  }

  private comment(text: string): string[] {
    if (text === END_MARKER) {
      this.complete = true;
      return [];
    }
    const m = ENTRY_COMMENT.exec(text);
    if (!m) return [];
    const [, dataFor, name, type, schema, owner] = m as unknown as [string, string | undefined, string, string, string, string];
    const entry: ScriptEntry = {
      name,
      type: dataFor ? 'TABLE DATA' : type,
      schema: schema === '-' ? null : schema,
      owner: owner === '-' || owner === '' ? null : owner,
    };
    this.current = entry;
    if (dataFor && type === 'TABLE DATA') this.dataItems++;
    if (!dataFor && type === 'TABLE' && entry.schema !== null) this.addTable({ schema: entry.schema, name });
    if (!dataFor && type === 'DATABASE') this.createsDatabase = name;
    return entry.owner ? this.addRoles([entry.owner]) : [];
  }

  private addTable(table: TableName): void {
    const key = `${table.schema}\u0000${table.name}`;
    if (this.tableKeys.has(key)) return;
    this.tableKeys.add(key);
    this.tables.push(table);
  }

  private addRoles(names: string[]): string[] {
    const fresh: string[] = [];
    for (const name of names) {
      if (this.seenRoles.has(name)) continue;
      this.seenRoles.add(name);
      this.roles.push(name);
      fresh.push(name);
    }
    return fresh;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Statements, as tokens

type Token = { kind: 'word'; text: string } | { kind: 'ident'; text: string } | { kind: 'string'; text: string } | { kind: 'punct'; text: string };

/** SQL tokens of one line: unquoted words (lower-cased), "quoted identifiers", 'strings', punctuation. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      let text = '';
      i++;
      while (i < sql.length) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += sql[i];
        i++;
      }
      tokens.push({ kind: c === '"' ? 'ident' : 'string', text });
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i))!;
      tokens.push({ kind: 'word', text: m[0].toLowerCase() });
      i += m[0].length;
    } else {
      tokens.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return tokens;
}

const isWord = (t: Token | undefined, word: string) => t?.kind === 'word' && t.text === word;

/** Index of the last `word` outside parentheses, or -1. */
function lastTopLevel(tokens: Token[], word: string, from = 0): number {
  let depth = 0;
  let found = -1;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct' && t.text === '(') depth++;
    else if (t.kind === 'punct' && t.text === ')') depth--;
    else if (depth === 0 && isWord(t, word)) found = i;
  }
  return found;
}

/** A comma-separated list of role names starting at `start`, up to a keyword or the end of the statement. */
function roleList(tokens: Token[], start: number): string[] {
  const roles: string[] = [];
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct') {
      if (t.text === ',') continue;
      break;
    }
    if (t.kind === 'word' && t.text === 'group') continue; // TO GROUP name (old syntax)
    if (t.kind === 'word' && ['with', 'granted', 'cascade', 'restrict', 'in', 'grant', 'revoke'].includes(t.text)) break;
    if (t.kind === 'string' || t.kind === 'ident' || t.kind === 'word') {
      const name = t.text;
      if (t.kind !== 'word' || !NOT_ROLES.has(name)) roles.push(name);
    }
    if (tokens[i + 1]?.kind !== 'punct' || tokens[i + 1]?.text !== ',') break;
  }
  return roles;
}

/**
 * Roles named by one single-line statement of a pg_dump script: GRANT ... TO, REVOKE ... FROM, GRANTED BY,
 * ALTER ... OWNER TO, ALTER DEFAULT PRIVILEGES FOR ROLE, SET SESSION AUTHORIZATION. Unquoted names are
 * lower-cased as PostgreSQL does; PUBLIC and CURRENT_USER are not roles.
 */
export function rolesInStatement(line: string): string[] {
  const head = /^(GRANT|REVOKE|ALTER|SET SESSION AUTHORIZATION) /.exec(line)?.[1];
  if (!head) return [];
  const tokens = tokenize(line);
  if (head === 'SET SESSION AUTHORIZATION') return roleList(tokens, 3);
  const roles: string[] = [];
  let from = 0;
  if (head === 'ALTER') {
    if (isWord(tokens[1], 'default') && isWord(tokens[2], 'privileges')) {
      if (isWord(tokens[3], 'for') && (isWord(tokens[4], 'role') || isWord(tokens[4], 'user'))) roles.push(...roleList(tokens, 5));
      from = tokens.findIndex((t) => isWord(t, 'grant') || isWord(t, 'revoke'));
      if (from < 0) return roles;
    } else {
      const owner = lastTopLevel(tokens, 'owner');
      if (owner >= 0 && isWord(tokens[owner + 1], 'to')) roles.push(...roleList(tokens, owner + 2));
      return roles;
    }
  }
  const isGrant = isWord(tokens[from], 'grant');
  const target = lastTopLevel(tokens, isGrant ? 'to' : 'from', from);
  if (target >= 0) roles.push(...roleList(tokens, target + 1));
  const grantedBy = tokens.findIndex((t, i) => isWord(t, 'granted') && isWord(tokens[i + 1], 'by'));
  if (grantedBy >= 0) roles.push(...roleList(tokens, grantedBy + 2));
  return roles;
}

/** The table a "CREATE [UNLOGGED] TABLE schema.name ..." line creates, when schema-qualified. */
export function createdTable(line: string): TableName | null {
  const tokens = tokenize(line);
  let i = isWord(tokens[1], 'unlogged') ? 3 : 2;
  if (isWord(tokens[i], 'if') && isWord(tokens[i + 1], 'not') && isWord(tokens[i + 2], 'exists')) i += 3;
  const schema = tokens[i];
  const dot = tokens[i + 1];
  const name = tokens[i + 2];
  const isName = (t: Token | undefined) => t?.kind === 'word' || t?.kind === 'ident';
  if (!isName(schema) || dot?.kind !== 'punct' || dot.text !== '.' || !isName(name)) return null;
  return { schema: schema!.text, name: name!.text };
}
