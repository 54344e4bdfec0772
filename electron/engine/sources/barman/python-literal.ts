// The Python literals Barman writes into backup.info (barman/infofile.py: `repr()` of a value, read back by
// Barman with ast.literal_eval), read here without evaluating anything: a backup.info is data, and a drill trusts
// it no further than the two shapes it needs. backup_label is the repr of a str: in single quotes, or in double
// quotes when it holds a ' and no "; a backup_label (PostgreSQL's text of a few lines) needs only \n, \t, \\ and
// \' escapes, so any other escape, a raw control character or an unterminated string is refused, as is anything
// longer than a backup_label can be. tablespaces is the repr of a list of (name, oid, location) tuples.

/** A literal read, or why it was refused (a phrase: "has an escape \\x07 …"). */
export type LiteralRead<T> = { ok: true; value: T } | { ok: false; problem: string };

/** PostgreSQL's backup_label is a few lines and a label of at most 1,023 bytes: 16 KiB is far more than one needs. */
export const MAX_BACKUP_LABEL_CHARS = 16 * 1024;
/** backup.info's tablespaces line: a few hundred tablespaces at most. */
const MAX_TABLESPACES_CHARS = 256 * 1024;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', '\\': '\\', "'": "'" };

interface Cursor {
  text: string;
  at: number;
}

/** The string literal starting at `c.at` (its quote), `c.at` moved past its closing quote. */
function readString(c: Cursor): LiteralRead<string> {
  const quote = c.text[c.at];
  if (quote !== "'" && quote !== '"') return { ok: false, problem: `is not a quoted string (it starts with ${JSON.stringify(c.text.slice(c.at, c.at + 10))})` };
  let value = '';
  for (let i = c.at + 1; i < c.text.length; i++) {
    const ch = c.text[i]!;
    if (ch === quote) {
      c.at = i + 1;
      return { ok: true, value };
    }
    if (ch === '\\') {
      const next = c.text[i + 1];
      const escaped = next === undefined ? undefined : ESCAPES[next];
      if (escaped === undefined) return { ok: false, problem: `has an escape ${JSON.stringify(c.text.slice(i, i + 4))} at character ${i}, which Barman never writes in it (only \\n, \\t, \\\\ and \\')` };
      value += escaped;
      i++;
      continue;
    }
    // repr() escapes every control character; one written raw is not Barman's writing.
    if (/[\u0000-\u001f\u007f]/.test(ch)) return { ok: false, problem: `holds a raw control character (code ${ch.charCodeAt(0)}) at character ${i}` };
    value += ch;
  }
  return { ok: false, problem: 'is not terminated (no closing quote)' };
}

/** backup.info's backup_label: exactly one quoted string (Python's repr of a str), at most MAX_BACKUP_LABEL_CHARS long. */
export function parseBackupLabelLiteral(raw: string): LiteralRead<string> {
  const text = raw.trim();
  if (text.length > MAX_BACKUP_LABEL_CHARS) return { ok: false, problem: `is ${text.length} characters long, more than a backup_label can be (${MAX_BACKUP_LABEL_CHARS})` };
  const c: Cursor = { text, at: 0 };
  const read = readString(c);
  if (!read.ok) return read;
  if (c.at !== text.length) return { ok: false, problem: `has ${JSON.stringify(text.slice(c.at, c.at + 10))} after its closing quote` };
  return read;
}

export interface BarmanTablespace {
  name: string;
  oid: number;
  location: string;
}

/** backup.info's tablespaces: None, or [('<name>', <oid>, '<location>'), …] (Python's repr of a list of tuples). */
export function parseTablespacesLiteral(raw: string): LiteralRead<BarmanTablespace[]> {
  const text = raw.trim();
  if (text === '' || text === 'None') return { ok: true, value: [] };
  if (text.length > MAX_TABLESPACES_CHARS) return { ok: false, problem: `is ${text.length} characters long` };
  const c: Cursor = { text, at: 0 };
  const space = () => {
    while (text[c.at] === ' ') c.at++;
  };
  const expect = (ch: string): boolean => {
    space();
    if (text[c.at] !== ch) return false;
    c.at++;
    return true;
  };
  const string = (): LiteralRead<string> => {
    space();
    return readString(c);
  };
  const notTuples = (): LiteralRead<never> => ({ ok: false, problem: `is not a list of (name, oid, location) tuples (at character ${c.at})` });
  if (!expect('[')) return notTuples();
  const value: BarmanTablespace[] = [];
  if (expect(']')) return c.at === text.length ? { ok: true, value } : notTuples();
  for (;;) {
    if (!expect('(')) return notTuples();
    const name = string();
    if (!name.ok) return name;
    if (!expect(',')) return notTuples();
    space();
    const oid = /^\d+/.exec(text.slice(c.at, c.at + 20))?.[0];
    if (!oid || oid.length > 10 || Number(oid) > 0xffff_ffff) return { ok: false, problem: `has a tablespace oid that is not a PostgreSQL oid (at character ${c.at})` };
    c.at += oid.length;
    if (!expect(',')) return notTuples();
    const location = string();
    if (!location.ok) return location;
    if (!expect(')')) return notTuples();
    value.push({ name: name.value, oid: Number(oid), location: location.value });
    if (expect(']')) break;
    if (!expect(',')) return notTuples();
  }
  space();
  return c.at === text.length ? { ok: true, value } : { ok: false, problem: `has ${JSON.stringify(text.slice(c.at, c.at + 10))} after its list` };
}
