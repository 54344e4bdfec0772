// backup.info's Python literals as Barman writes them (repr(), read back by Barman with ast.literal_eval), read
// strictly: what python3 itself writes for a backup_label comes back exactly; anything Barman never writes there
// (another escape, a raw control character, no closing quote, more than a backup_label can hold, not a string)
// is refused with a phrase saying what is wrong.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MAX_BACKUP_LABEL_CHARS, parseBackupLabelLiteral, parseTablespacesLiteral } from '../../../electron/engine/sources/barman/python-literal';

/** python3's repr() of each string, one per line (JSON in, so the test's strings reach Python unchanged). */
function pythonRepr(values: readonly string[]): string[] {
  const out = execFileSync('python3', ['-c', 'import json,sys\nfor v in json.load(sys.stdin): print(repr(v))'], { input: JSON.stringify(values), encoding: 'utf8' });
  return out.split('\n').slice(0, values.length);
}

const REAL = String.raw`'START WAL LOCATION: 0/9000028 (file 000000010000000000000009)\nCHECKPOINT LOCATION: 0/9000060\nBACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: 2026-12-04 12:07:29 UTC\nLABEL: Barman backup pg-orders 20261204T120729\nSTART TIMELINE: 1\n'`;

const refused = (raw: string) => {
  const read = parseBackupLabelLiteral(raw);
  if (read.ok) throw new Error(`${raw} was read as ${JSON.stringify(read.value)}`);
  return read.problem;
};

describe('parseBackupLabelLiteral', () => {
  it('reads the backup_label of a real Barman 3.4 backup.info, newlines and all', () => {
    expect(parseBackupLabelLiteral(REAL)).toEqual({
      ok: true,
      value: 'START WAL LOCATION: 0/9000028 (file 000000010000000000000009)\nCHECKPOINT LOCATION: 0/9000060\nBACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: 2026-12-04 12:07:29 UTC\nLABEL: Barman backup pg-orders 20261204T120729\nSTART TIMELINE: 1\n',
    });
  });

  it("reads back what python3's repr() writes for labels with quotes, backslashes, tabs and non-ASCII letters", () => {
    const labels = ["LABEL: it's a backup\n", 'LABEL: say "hi"\n', `LABEL: both ' and "\n`, 'LABEL: C:\\backups\\n\tx\n', 'LABEL: sauvegarde générale\n', ''];
    const reprs = pythonRepr(labels);
    // Python chose double quotes for the one with only a ', and escaped the ' in the one with both.
    expect(reprs[0]).toBe(`"LABEL: it's a backup\\n"`);
    expect(reprs[2]).toBe(`'LABEL: both \\' and "\\n'`);
    reprs.forEach((repr, i) => expect(parseBackupLabelLiteral(repr)).toEqual({ ok: true, value: labels[i] }));
  });

  it('refuses a string without its closing quote', () => {
    expect(refused(`'START WAL LOCATION: 0/9000028`)).toBe('is not terminated (no closing quote)');
    expect(refused(`'ends in a backslash\\'`)).toBe('is not terminated (no closing quote)');
    expect(refused(`"mixed quotes'`)).toBe('is not terminated (no closing quote)');
  });

  it('refuses escapes Barman never writes in a backup_label, naming the escape', () => {
    for (const escape of ['\\x07', '\\r', '\\u00e9', '\\N{BEL}', '\\0', '\\"', '\\a', '\\\n']) {
      expect(refused(`'a${escape}b'`)).toMatch(/^has an escape "\\\\.*" at character 2, which Barman never writes in it \(only \\n, \\t, \\\\ and \\'\)$/);
    }
  });

  it('refuses raw control characters, which repr() always escapes', () => {
    expect(refused("'a\tb'")).toBe('holds a raw control character (code 9) at character 2');
    expect(refused("'a\u0000b'")).toBe('holds a raw control character (code 0) at character 2');
    expect(refused("'a\u007fb'")).toBe('holds a raw control character (code 127) at character 2');
  });

  it('refuses anything longer than a backup_label can be, before reading it', () => {
    const long = `'${'x'.repeat(MAX_BACKUP_LABEL_CHARS)}'`;
    expect(refused(long)).toBe(`is ${MAX_BACKUP_LABEL_CHARS + 2} characters long, more than a backup_label can be (${MAX_BACKUP_LABEL_CHARS})`);
    expect(parseBackupLabelLiteral(`'${'x'.repeat(MAX_BACKUP_LABEL_CHARS - 2)}'`).ok).toBe(true);
  });

  it('refuses what is not one plain string: None, bytes, numbers, lists, concatenations, trailing words', () => {
    expect(refused('None')).toBe('is not a quoted string (it starts with "None")');
    expect(refused("b'START'")).toBe(`is not a quoted string (it starts with "b'START'")`);
    expect(refused("r'START'")).toMatch(/^is not a quoted string/);
    expect(refused('150018')).toMatch(/^is not a quoted string/);
    expect(refused("['START']")).toMatch(/^is not a quoted string/);
    expect(refused("__import__('os')")).toMatch(/^is not a quoted string/);
    expect(refused("'a' 'b'")).toBe(`has " 'b'" after its closing quote`);
    expect(refused("'a' + 'b'")).toBe(`has " + 'b'" after its closing quote`);
    expect(refused("'a'.upper()")).toBe(`has ".upper()" after its closing quote`);
    expect(refused('')).toMatch(/^is not a quoted string/);
  });
});

describe('parseTablespacesLiteral', () => {
  it("reads a real Barman 3.4 backup.info's tablespaces, and None as none", () => {
    expect(parseTablespacesLiteral("[('archive_space', 16385, '/srv/pg/tablespace-archive_space')]")).toEqual({ ok: true, value: [{ name: 'archive_space', oid: 16385, location: '/srv/pg/tablespace-archive_space' }] });
    expect(parseTablespacesLiteral('None')).toEqual({ ok: true, value: [] });
    expect(parseTablespacesLiteral('[]')).toEqual({ ok: true, value: [] });
  });

  it("reads back what python3's repr() writes for several, names with quotes included", () => {
    const out = execFileSync('python3', ['-c', `print(repr([tuple(t) for t in [("a", 16385, "/srv/a"), ("it's", 16386, "/srv/b c")]]))`], { encoding: 'utf8' }).trim();
    expect(parseTablespacesLiteral(out)).toEqual({
      ok: true,
      value: [
        { name: 'a', oid: 16385, location: '/srv/a' },
        { name: "it's", oid: 16386, location: '/srv/b c' },
      ],
    });
  });

  it('refuses anything but a list of (name, oid, location) tuples', () => {
    for (const raw of ["[('a', '16385', '/l')]", "[('a', 16385)]", "[('a', 16385, '/l')", "{'a': 16385}", "[('a', 16385, '/l')] + x", "[('a', -1, '/l')]", "[('a', 16385, '/l'),]", "[('a', 16385, '/l', 'extra')]", "[('a\\x00', 1, '/l')]"]) {
      const read = parseTablespacesLiteral(raw);
      expect(read.ok, raw).toBe(false);
    }
    expect(parseTablespacesLiteral("[('a', 99999999999, '/l')]")).toEqual({ ok: false, problem: 'has a tablespace oid that is not a PostgreSQL oid (at character 7)' });
    expect(parseTablespacesLiteral("[('a', 4294967296, '/l')]")).toEqual({ ok: false, problem: 'has a tablespace oid that is not a PostgreSQL oid (at character 7)' });
    expect(parseTablespacesLiteral("[('a', 4294967295, '/l')]").ok).toBe(true);
    expect(parseTablespacesLiteral(`[('a', 1, '${'x'.repeat(300_000)}')]`)).toEqual({ ok: false, problem: 'is 300014 characters long' });
  });
});
