// psql with its meta-commands locked. A plain dump is a psql script, and psql's backslash commands run
// programs (\!, \o |cmd, \g |cmd, \copy … program), read files (\i, \ir, \lo_import), change the environment
// (\setenv) and connect elsewhere (\connect). psql's own `\restrict KEY` (13.22, 14.19, 15.14, 16.10, 17.6,
// 18) refuses all of them until `\unrestrict KEY`; the drill sends it as psql's first line with a key drawn
// afresh for each drill, which the dump cannot know. With ON_ERROR_STOP a refused command ends the restore
// (psql exits 3), and its error line says where: this file turns that into the drill's message, naming the
// command but never its arguments (they are the backup's text).
import { randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 letters and digits (~190 bits), unbiased: bytes past the last whole multiple of 62 are drawn again. */
export function newRestrictKey(length = 32): string {
  let key = '';
  while (key.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && key.length < length) key += ALNUM[byte % 62];
    }
  }
  return key;
}

/** What psql (LC_ALL=C) prints when the lock refuses a command, or a wrong key tries to lift it. */
const REFUSED = /^psql:<stdin>:(\d+): error: (?:backslash commands are restricted; only \\unrestrict is allowed|(\\unrestrict): wrong key)$/m;
/** A command's name as psql reads it: a word, or one sign (\!, \?). */
const COMMAND_NAME = /^\\([A-Za-z_][A-Za-z0-9_]{0,31}|[^\sA-Za-z0-9_\\])/;
/** Lines with a backslash remembered for naming (a real dump has few; a hostile one gets no more). */
const MAX_NOTED = 10_000;
/** Dropped lines remembered for line numbers; past this, messages give no line number. */
const MAX_DROPS = 1_000_000;

/**
 * The lines psql is sent, against those of the dump: the lock's line is added before the first and pg_dump's
 * own meta-commands are dropped (plain-script-filter.ts), so psql's "line 40" may be the dump's line 42.
 * Also the meta-commands written on lines psql was sent, by name, for the message.
 */
export class PsqlLineMap {
  /** Lines sent to psql so far, the lock's own included. */
  private sent = 0;
  /** For each dropped line, how many lines had been sent before it. */
  private readonly drops: number[] = [];
  /** More lines were dropped than are remembered: line numbers are withheld. */
  private uncounted = false;
  private readonly commands = new Map<number, string | null>();

  /** Lines sent to psql so far: the number psql gives the next one, less one. */
  get sentCount(): number {
    return this.sent;
  }

  /** The lock's line, before the dump. */
  sentLock(): void {
    this.sent++;
  }

  /** A line of the dump that psql gets. `text` is looked at only when it holds a backslash outside COPY data. */
  sentLine(text: string | null): void {
    this.sent++;
    if (text !== null && this.commands.size < MAX_NOTED && text.includes('\\')) this.commands.set(this.sent, metaCommandIn(text));
  }

  dropped(): void {
    if (this.drops.length < MAX_DROPS) this.drops.push(this.sent);
    else this.uncounted = true;
  }

  /** The dump's line number for the line psql numbers `psqlLine`; null when it cannot be known. */
  fileLine(psqlLine: number): number | null {
    if (this.uncounted) return null;
    let low = 0;
    let high = this.drops.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.drops[mid]! < psqlLine) low = mid + 1;
      else high = mid;
    }
    return psqlLine - 1 + low;
  }

  /** The meta-command on the line psql numbers `psqlLine`, when one was seen there. */
  commandAt(psqlLine: number): string | null {
    return this.commands.get(psqlLine) ?? null;
  }
}

/**
 * The first backslash command on a line, skipping 'strings', "identifiers" and a -- comment as psql's lexer
 * does within one line (a string running over from an earlier line is not followed: then the name may be
 * missing, never the refusal).
 */
export function metaCommandIn(line: string): string | null {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const close = line.indexOf(c, i + 1);
      if (close === -1) return null;
      i = close;
    } else if (c === '-' && line[i + 1] === '-') {
      return null;
    } else if (c === '\\') {
      const m = COMMAND_NAME.exec(line.slice(i));
      return m ? `\\${m[1]}` : null;
    }
  }
  return null;
}

/**
 * The drill's message when psql's lock refused something the dump tried, from psql's stderr; null when it
 * did not. Names the command and the dump's line, never what followed the command.
 */
export function refusedMetaCommand(stderr: string, lines: PsqlLineMap): string | null {
  const m = REFUSED.exec(stderr);
  if (!m) return null;
  const psqlLine = Number(m[1]);
  const command = m[2] ?? lines.commandAt(psqlLine);
  const fileLine = psqlLine <= 1 ? null : lines.fileLine(psqlLine);
  const what = command ? `the psql meta-command ${command}` : 'a psql meta-command';
  const where = fileLine !== null ? ` at line ${fileLine}` : '';
  return `the dump tried to run ${what}${where}; drills never run psql meta-commands`;
}
