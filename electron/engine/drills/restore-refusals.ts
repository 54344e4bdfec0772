// A restore step the drill refused for safety: the backup's SQL tried to do something a drill never allows
// (run a program, touch a server file, load code, change the server, open a connection). The restore runs as
// an unprivileged role, so PostgreSQL itself refuses these; this reads its refusal and names what the backup
// tried and in which item, never the SQL text (which may hold passwords or the payload itself).

import { parseTocList } from '../pg-dump/toc';
import { nameOf } from './restore-list';

const REFUSALS: Array<[RegExp, string]> = [
  [/pg_execute_server_program|to COPY to or from an external program/i, 'run a program (COPY … PROGRAM)'],
  [/pg_(read|write)_server_files|COPY (to|from) a file|to COPY to or from a file/i, 'read or write a file of the server (COPY to or from a file)'],
  [/permission denied for function (pg_read_file|pg_read_binary_file|pg_ls_\w+|pg_stat_file)/i, 'read the server\'s files ($1)'],
  [/permission denied for function (lo_import|lo_export)/i, 'move a file in or out of the server ($1)'],
  [/permission denied for function (pg_file_\w+|pg_logdir_ls)/i, 'write the server\'s files ($1, adminpack)'],
  [/permission denied for language (\w+)/i, 'load code (a function in the untrusted language $1)'],
  [/permission denied to create extension "([^"]+)"/i, 'create the untrusted extension $1'],
  [/must be superuser to execute ALTER SYSTEM|permission denied to set parameter/i, 'change the server\'s configuration (ALTER SYSTEM)'],
  [/(access to library|permission denied to load library|must be superuser to load)/i, 'load a library (LOAD)'],
  [/only superuser can define a leakproof function/i, 'define a LEAKPROOF function'],
  [/(permission denied for function dblink|permission denied for foreign-data wrapper|password is required|Non-superuser cannot connect)/i, 'open a connection to another server'],
  [/must be superuser to create (an event trigger|a foreign-data wrapper|subscriptions|FOR ALL TABLES publication)|permission denied to create event trigger/i, 'create an object only a superuser may create'],
];

export interface Refusal {
  /** What the backup tried, in words. */
  attempt: string;
  /** The item: "INDEX public.evil_idx" (from pg_restore's TOC entry line), or "line N of the script". */
  item?: string;
  /** For a plain dump: the line psql numbered, for the caller to name the entry it belongs to. */
  scriptLine?: number;
}

/** The first refused step in a restore's stderr, or null when nothing was refused. */
export function findRefusal(stderr: string): Refusal | null {
  const lines = stderr.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!/\b(ERROR|FATAL):/.test(line)) continue;
    for (const [pattern, attempt] of REFUSALS) {
      const m = pattern.exec(line);
      if (!m) continue;
      const refusal: Refusal = { attempt: attempt.replace('$1', m[1] ?? '') };
      const item = itemOf(lines, i);
      const scriptLine = Number(/^psql:[^:]*:(\d+): /.exec(line)?.[1]) || undefined;
      return { ...refusal, ...(item ? { item } : {}), ...(scriptLine ? { scriptLine } : {}) };
    }
  }
  return null;
}

/** A "from TOC entry" line's entry, found anywhere in the line: with -j N a worker's prefix can land mid-line. */
const TOC_LINE = /pg_restore: from TOC entry (\d+; \d+ \d+ .*)$/;

/**
 * The entry the error at `at` belongs to: "pg_restore: from TOC entry 3210; 1259 16400 INDEX public evil_idx
 * postgres" above it, or psql's line. With -j N, pg_restore's workers write to one stderr a few bytes at a time,
 * so another worker's entry line (or its chatter) can come between an entry's line and its error: of the entry
 * lines since the previous error, the one whose name the error's own block (its message, CONTEXT and "Command
 * was:" lines) mentions wins, then the nearest. A COPY error names its table itself.
 */
function itemOf(lines: string[], at: number): string | undefined {
  const block = errorBlock(lines, at);
  const candidates: string[] = [];
  for (let i = at - 1; i >= Math.max(0, at - 40); i--) {
    if (/\bERROR:/.test(lines[i]!)) break;
    const toc = TOC_LINE.exec(lines[i]!);
    const entry = toc ? parseTocList(toc[1]!).entries[0] : undefined;
    if (entry) candidates.push(`${entry.desc} ${nameOf(entry.rest)}`);
  }
  const mentioned = candidates.find((item) => mentions(block, item));
  if (mentioned) return mentioned;
  const copied = /COPY failed for table "([^"]+)"/.exec(lines[at]!);
  if (copied) return `TABLE DATA ${copied[1]}`;
  if (candidates[0]) return candidates[0];
  const script = /^psql:[^:]*:(\d+): /.exec(lines[at]!);
  return script ? `line ${script[1]} of the script` : undefined;
}

/** The error's line and the lines pg_restore or psql print with it, up to the next line of their own. */
function errorBlock(lines: string[], at: number): string {
  const block = [lines[at]!];
  for (let i = at + 1; i < lines.length && i <= at + 20; i++) {
    if (/^(pg_restore|psql):/.test(lines[i]!)) break;
    block.push(lines[i]!);
  }
  return block.join('\n');
}

/** Whether the error block names the item's object ("INDEX public.evil_idx" -> evil_idx as a word). */
function mentions(block: string, item: string): boolean {
  const name = /([^ .(]+)(\(.*\))?$/.exec(item)?.[1];
  if (!name) return false;
  const word = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s."(,])${word}($|[\\s".(,:;])`).test(block);
}

/** The drill's message for a refusal. */
export function describeRefusal(refusal: Refusal): string {
  return `refused: the backup tried to ${refusal.attempt}${refusal.item ? ` in ${refusal.item}` : ''}; a drill never lets a backup do that, so this backup cannot be proven here`;
}
