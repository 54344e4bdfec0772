import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProblem, loadConfig, parseConfigText, saveConfigText } from '../../../electron/engine/config';

const dir = mkdtempSync(join(tmpdir(), 'bh-config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good = `
defaults:
  interval: 5m
sources:
  - id: orders-db
    name: Orders primary
    kind: postgres
    url: postgres://monitor@db1.example:5432/orders
    passwordEnv: ORDERS_PG_PASSWORD
    maxArchiveAge: 15m
    maxReplicationLag: 5m
  - id: orders-dumps
    kind: dump-dir
    path: /var/backups/orders
    pattern: "*.dump"
    maxAge: 26h
    minSize: 1MB
    database: orders-db
`;

/** Problems as the user sees them: "config.yml: path: message". */
function problemsOf(text: string, file = 'config.yml'): string[] {
  const result = parseConfigText(text);
  if (result.ok) throw new Error('expected problems, the config was accepted');
  return result.problems.map((p) => formatProblem(file, p));
}

describe('config file', () => {
  it('accepts the documented example and turns units into numbers', () => {
    const result = parseConfigText(good);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [db, dumps] = result.config.sources;
    expect(result.config.defaults.interval).toBe(300_000);
    expect(db).toMatchObject({ kind: 'postgres', maxArchiveAge: 900_000, maxReplicationLag: 300_000 });
    expect(dumps).toMatchObject({ kind: 'dump-dir', maxAge: 26 * 3_600_000, minSize: 1024 * 1024, pattern: '*.dump', database: 'orders-db' });
  });

  it('accepts JSON too', () => {
    const json = JSON.stringify({ sources: [{ id: 'd', kind: 'dump-dir', path: '/x' }] });
    const result = parseConfigText(json);
    expect(result.ok && result.config.sources[0]).toMatchObject({ pattern: '*' });
  });

  it('names file, field and fix for a bad duration', () => {
    expect(problemsOf(good.replace('maxAge: 26h', 'maxAge: "26 hours"'))).toEqual([
      'config.yml: sources[1].maxAge: "26 hours" is not a duration (use 90s, 15m, 26h, 7d)',
    ]);
  });

  it('reports every problem at once, one line each', () => {
    const bad = `
sources:
  - id: Orders_DB
    kind: postgres
    url: postgres://monitor:hunter2@db1/orders
    maxage: 5m
  - id: dumps
    kind: dump-dir
    path: /x
    minSize: lots
    database: nowhere
  - id: dumps
    kind: tape
`;
    const problems = problemsOf(bad);
    expect(problems).toContain('config.yml: sources[0].id: must be lowercase letters, digits and dashes, like orders-db; found the text "Orders_DB"');
    expect(problems).toContain('config.yml: sources[0].url: contains a password; remove it from the URL and use passwordEnv, passwordFile or ~/.pgpass');
    expect(problems).toContain('config.yml: sources[0].maxage: unknown key (did you mean maxAge?)');
    expect(problems).toContain('config.yml: sources[1].minSize: "lots" is not a size (use 500kB, 1MB, 5GB)');
    // links are checked in the same pass, even though other fields failed
    expect(problems).toContain('config.yml: sources[1].database: links to "nowhere", but no source has that id');
    expect(problems).toContain('config.yml: sources[2].kind: must be one of postgres, dump-dir, restic, borg, pgbackrest, basebackup, barman; it is the text "tape"');
    // the secret never appears in a message
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('rejects duplicate ids and links to missing or wrong-kind sources', () => {
    const text = `
sources:
  - { id: a, kind: dump-dir, path: /a, database: ghost }
  - { id: a, kind: dump-dir, path: /b }
  - { id: c, kind: dump-dir, path: /c, database: a }
`;
    const problems = problemsOf(text);
    expect(problems).toContain('config.yml: sources[1].id: "a" is used by another source; ids must be unique');
    expect(problems).toContain('config.yml: sources[0].database: links to "ghost", but no source has that id');
    expect(problems).toContain('config.yml: sources[2].database: links to "a", which is a dump-dir source, not a postgres one');
  });

  it('reports YAML syntax errors with the line', () => {
    const problems = problemsOf('sources:\n  - id: a\n   kind: x: y\n');
    expect(problems[0]).toMatch(/^config\.yml: line \d+, column \d+: .*not valid YAML/);
  });

  it('refuses a password file others can read, and names the chmod', () => {
    const secret = join(dir, 'pw');
    writeFileSync(secret, 's3cret\n');
    chmodSync(secret, 0o644);
    const text = `sources:\n  - { id: db, kind: postgres, url: "postgres://m@h/d", passwordFile: ${secret} }\n`;
    expect(problemsOf(text)).toEqual([`config.yml: sources[0].passwordFile: ${secret} is readable by others (mode 0644); run chmod 600 ${secret}`]);
    chmodSync(secret, 0o600);
    expect(parseConfigText(text).ok).toBe(true);
  });

  it('says when the file is missing', () => {
    const loaded = loadConfig(join(dir, 'nope.yml'));
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.missing).toBe(true);
  });

  it('never replaces the last good file with a broken one', () => {
    const file = join(dir, 'config.yml');
    expect(saveConfigText(file, good).ok).toBe(true);
    const broken = good.replace('26h', 'tomorrow');
    const saved = saveConfigText(file, broken);
    expect(saved.ok).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(good);
    expect(loadConfig(file).ok).toBe(true);
    // a good save keeps the previous version beside it
    const changed = good.replace('26h', '30h');
    expect(saveConfigText(file, changed).ok).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(changed);
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(good);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
