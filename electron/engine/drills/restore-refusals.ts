// A restore step the drill refused for safety: the backup's SQL tried to do something a drill never allows
// (run a program, touch a server file, load code, change the server, open a connection). The restore runs as
// an unprivileged role, so PostgreSQL itself refuses these; this reads its refusal and names what the backup
// tried and in which item, never the SQL text (which may hold passwords or the payload itself).

import { parseTocList } from './dump-toc';
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

/** "pg_restore: from TOC entry 3210; 1259 16400 INDEX public evil_idx postgres" just above, or psql's line. */
function itemOf(lines: string[], at: number): string | undefined {
  // With -j N, other workers' lines may come between an entry's name and its error; an earlier error is another's.
  for (let i = at - 1; i >= Math.max(0, at - 12); i--) {
    if (/\bERROR:/.test(lines[i]!)) break;
    const toc = /^pg_restore: from TOC entry (\d+; \d+ \d+ .*)$/.exec(lines[i]!);
    const entry = toc ? parseTocList(toc[1]!).entries[0] : undefined;
    if (entry) return `${entry.desc} ${nameOf(entry.rest)}`;
  }
  const script = /^psql:[^:]*:(\d+): /.exec(lines[at]!);
  return script ? `line ${script[1]} of the script` : undefined;
}

/** The drill's message for a refusal. */
export function describeRefusal(refusal: Refusal): string {
  return `refused: the backup tried to ${refusal.attempt}${refusal.item ? ` in ${refusal.item}` : ''}; a drill never lets a backup do that, so this backup cannot be proven here`;
}
