// The lines of a plain dump that psql must never see in a drill, decided one line at a time (outside COPY
// data, which always passes untouched: a data row may well start with "\restrict").
//
// The drill locks psql's meta-commands with its own `\restrict KEY` (psql-lock.ts), after which psql refuses
// every backslash command but `\unrestrict KEY`. So the meta-commands pg_dump itself writes would fail a good
// dump; they are removed, each only in the exact form and at the place pg_dump (≥ 13.22, 14.19, 15.14, 16.10,
// 17.6) writes it:
//   \restrict K     before the first statement, right after the header comment
//   \unrestrict K   after the closing "-- PostgreSQL database dump complete", with the same K
// and for a --create dump, whose database the drill creates and connects psql to itself:
//   everything before and including its `\connect` (DROP DATABASE, CREATE DATABASE, ALTER DATABASE … OWNER,
//   the \unrestrict K before the \connect), then the \restrict K right after it; and the same three lines
//   \unrestrict K, \connect, \restrict K where pg_dump reconnects after the database's settings (its
//   DATABASE PROPERTIES entry), so that they apply.
// Anything else starting with a backslash is passed on, so that psql refuses it and the drill names it.
//
// Database-level settings (the "DATABASE PROPERTIES" entry of a --create dump: ALTER DATABASE … SET,
// ALTER ROLE … IN DATABASE … SET) are dropped and reported: a database's search_path is how a dump plants
// its own count() or = operator in the verification's way, and statement_timeout or
// default_transaction_read_only would break verifying. A backup is proven by its data, not by these.

import { ABOUT_ANOTHER, SUPERUSER_ONLY } from './restore-list';

/** pg_dump's key is 63 letters and digits; pg_dump --restrict-key accepts any alphanumeric key. */
const RESTRICT_LINE = /^\\(restrict|unrestrict) ([A-Za-z0-9]+)$/;
const CONNECT_LINE = /^\\(?:connect|c)(?:\s|$)/;
/** `ALTER DATABASE shop SET search_path TO …`, `ALTER ROLE app IN DATABASE shop SET work_mem TO …`, RESET too. */
const DATABASE_SETTING = /^ALTER (?:DATABASE|ROLE) .*?\b(?:SET|RESET) ("[^"]{1,63}"|[A-Za-z_][A-Za-z0-9_.]{0,62}|ALL)\b/i;

/**
 * pg_dump's `ALTER <object> <name> OWNER TO <owner>;` line under its entry's header: dropped, like
 * pg_restore --no-owner does for archives. The restore runs as an unprivileged role, and handing an object to a
 * role that has no CREATE on its schema needs a superuser; a drill proves the data, not who owned it.
 */
function isOwnerChange(text: string, at: ScriptPosition): boolean {
  const owner = at.current?.owner;
  if (!owner || !text.startsWith('ALTER ')) return false;
  const quoted = /^[a-z_][a-z0-9_$]*$/.test(owner) ? owner : `"${owner.replace(/"/g, '""')}"`;
  return text.endsWith(` OWNER TO ${quoted};`);
}

/**
 * An entry only a superuser can restore (an event trigger, a publication, …), or a comment on one: all its lines
 * are dropped, as pg_restore -L leaves such items out of an archive, and it is reported, not failed.
 */
function isSuperuserOnly(entry: NonNullable<ScriptPosition['current']>): boolean {
  if (SUPERUSER_ONLY.includes(entry.type)) return true;
  return ABOUT_ANOTHER.has(entry.type) && SUPERUSER_ONLY.some((type) => (entry.name ?? '').startsWith(`${type} `));
}

/** What the scanner knows when a line is judged: the entry the line belongs to, and whether the closing comment went by. */
export interface ScriptPosition {
  readonly current: { readonly type: string; readonly owner?: string | null; readonly name?: string; readonly schema?: string | null } | null;
  readonly complete: boolean;
}

export class PgDumpLineFilter {
  /** pg_dump's own key, learnt from its first \restrict line. */
  private key: string | null = null;
  private sawStatement = false;
  /** A --create dump, before its \connect. */
  private beforeConnect: boolean;
  /** The line right after the \connect, where pg_dump restricts again. */
  private justConnected = false;
  /** After pg_dump's \unrestrict K of a reconnect (--create, after the database's settings): its \connect is next. */
  private reconnecting = false;
  private readonly createsOwnDatabase: boolean;
  /** Settings dropped from DATABASE PROPERTIES: names only, never values. */
  readonly skippedSettings: string[] = [];
  /** Superuser-only entries dropped whole, as "EVENT TRIGGER evt" (restore-list.ts does the same for archives). */
  readonly skippedEntries: string[] = [];
  private lastSkipped: object | null = null;

  constructor(createsOwnDatabase: boolean) {
    this.beforeConnect = createsOwnDatabase;
    this.createsOwnDatabase = createsOwnDatabase;
  }

  /**
   * Whether psql gets this line (without its newline or a trailing \r). Call it after the scanner has read
   * the line, so that `at` knows its entry and whether the dump's closing comment has passed.
   */
  keeps(text: string, at: ScriptPosition): boolean {
    const { justConnected, reconnecting } = this;
    this.justConnected = false;
    this.reconnecting = false;
    const meta = RESTRICT_LINE.exec(text);
    if (meta) {
      const [, verb, key] = meta as unknown as [string, string, string];
      if (verb === 'restrict' && this.key === null && !this.sawStatement) {
        this.key = key;
        return false;
      }
      if (key === this.key && verb === 'restrict' && justConnected) return false;
      if (key === this.key && verb === 'unrestrict' && (at.complete || this.beforeConnect)) return false;
      if (key === this.key && verb === 'unrestrict' && this.createsOwnDatabase && at.current?.type === 'DATABASE PROPERTIES') {
        this.reconnecting = true;
        return false;
      }
    }
    if (this.beforeConnect) return this.keepsBeforeConnect(text, at);
    if (reconnecting && CONNECT_LINE.test(text)) {
      this.justConnected = true;
      return false;
    }
    if (isOwnerChange(text, at)) return false;
    if (at.current && isSuperuserOnly(at.current)) {
      if (at.current !== this.lastSkipped && at.current.type !== 'COMMENT' && at.current.type !== 'SECURITY LABEL') {
        this.skippedEntries.push(`${at.current.type} ${at.current.schema ? `${at.current.schema}.` : ''}${at.current.name ?? ''}`);
      }
      this.lastSkipped = at.current;
      return text.startsWith('--');
    }
    if (at.current?.type === 'DATABASE PROPERTIES') {
      const setting = DATABASE_SETTING.exec(text);
      if (setting) {
        this.skippedSettings.push(setting[1]!);
        return false;
      }
    }
    if (!this.sawStatement && text !== '' && !text.startsWith('--')) this.sawStatement = true;
    return true;
  }

  private keepsBeforeConnect(text: string, at: ScriptPosition): boolean {
    if (CONNECT_LINE.test(text)) {
      this.beforeConnect = false;
      this.justConnected = true;
      return false;
    }
    // Not pg_dump's layout (an entry other than the database's before any \connect): stop dropping here.
    const type = at.current?.type;
    if (type !== undefined && type !== 'DATABASE') {
      this.beforeConnect = false;
      return this.keeps(text, at);
    }
    if (!this.sawStatement && text !== '' && !text.startsWith('--')) this.sawStatement = true;
    // A backslash command psql must refuse (and the drill name); all else here is the database's creation.
    return text.trimStart().startsWith('\\');
  }
}
