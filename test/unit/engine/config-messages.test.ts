// What `config check`, `check` and the app say about a wrong config file: the field, what it takes and what was
// found there, never zod's bare "Invalid input" or a "required" for a field that is present; never a value of
// a field that may hold a secret; every kind of broken YAML reported the same way.
import { describe, expect, it } from 'vitest';
import { formatProblem, parseConfigText } from '../../../electron/engine/config';

function problemsOf(text: string): string[] {
  const result = parseConfigText(text);
  if (result.ok) throw new Error('expected problems, the config was accepted');
  return result.problems.map((p) => formatProblem('config.yml', p));
}

const dumps = (fields: string) => `sources:\n  - id: orders-dumps\n    kind: dump-dir\n    path: /var/backups/orders\n${fields}`;

describe('a field of the wrong type', () => {
  it.each([
    ['id: 12', 'sources:\n  - id: 12\n    kind: dump-dir\n    path: /x\n', 'config.yml: sources[0].id: expected text, found the number 12'],
    ['defaults: 5', 'defaults: 5\n', 'config.yml: defaults: expected a mapping (key: value lines), found the number 5'],
    ['maxAge: true', dumps('    maxAge: true\n'), 'config.yml: sources[0].maxAge: expected a duration like 26h, found true'],
    ['minSize: [1MB]', dumps('    minSize: [1MB]\n'), 'config.yml: sources[0].minSize: expected a size like 5GB, found a list of 1 item'],
    ['sources: a mapping', 'sources:\n  orders: {}\n', 'config.yml: sources: expected a list (- item lines, or [a, b]), found a mapping'],
    ['a source that is a number', 'sources:\n  - 5\n', 'config.yml: sources[0]: expected a mapping (key: value lines), found the number 5'],
    ['path: an empty value', 'sources:\n  - id: orders-dumps\n    kind: dump-dir\n    path:\n', 'config.yml: sources[0].path: expected text, found an empty value'],
    ['jobs: "2"', dumps('    drill:\n      jobs: "2"\n'), 'config.yml: sources[0].drill.jobs: expected a number, found the text "2"'],
    ['jobs: 1.5', dumps('    drill:\n      jobs: 1.5\n'), 'config.yml: sources[0].drill.jobs: expected a whole number, found the number 1.5'],
    ['physicalDrillsWithoutSandbox: "yes"', 'defaults:\n  physicalDrillsWithoutSandbox: "yes"\n', 'config.yml: defaults.physicalDrillsWithoutSandbox: expected true or false, found the text "yes"'],
  ])('%s', (_, text, message) => {
    expect(problemsOf(text)).toEqual([message]);
  });
});

describe('a value of the right type that is not allowed', () => {
  it.each([
    ['a missing field says it is required', 'sources:\n  - id: orders-dumps\n    kind: dump-dir\n', 'config.yml: sources[0].path: is required: set path to the directory the dumps are written to, or url to the bucket they are copied to (s3://bucket/prefix/)'],
    ['an empty path', dumps('').replace('path: /var/backups/orders', 'path: ""'), 'config.yml: sources[0].path: must not be empty'],
    ['jobs: 0', dumps('    drill:\n      jobs: 0\n'), 'config.yml: sources[0].drill.jobs: must be at least 1, found the number 0'],
    ['jobs: 65', dumps('    drill:\n      jobs: 65\n'), 'config.yml: sources[0].drill.jobs: must be at most 64, found the number 65'],
    ['an id in capitals', 'sources:\n  - id: Orders\n    kind: dump-dir\n    path: /x\n', 'config.yml: sources[0].id: must be lowercase letters, digits and dashes, like orders-db; found the text "Orders"'],
    ['an unknown kind', 'sources:\n  - id: orders\n    kind: dumps\n    path: /x\n', 'config.yml: sources[0].kind: must be one of postgres, dump-dir, restic, borg, pgbackrest, basebackup, barman; it is the text "dumps"'],
    ['no kind', 'sources:\n  - id: orders\n    path: /x\n', 'config.yml: sources[0].kind: must be one of postgres, dump-dir, restic, borg, pgbackrest, basebackup, barman; it is missing'],
    ['a long value is cut', `sources:\n  - id: ${'x'.repeat(200)}_\n    kind: dump-dir\n    path: /x\n`, `config.yml: sources[0].id: must be lowercase letters, digits and dashes, like orders-db; found the text "${'x'.repeat(40)}…"`],
  ])('%s', (_, text, message) => {
    expect(problemsOf(text)).toEqual([message]);
  });

  it('an empty defaults or sources section (every line under it commented out) is an empty section, not an error', () => {
    expect(parseConfigText('defaults:\n  # interval: 5m\nsources:\n  # - id: orders\n').ok).toBe(true);
  });
});

describe('fields that may hold a secret', () => {
  it.each([
    ['passwordEnv holding a password', 'sources:\n  - id: db\n    kind: postgres\n    url: postgres://monitor@db1/orders\n    passwordEnv: "s3cret-Pa55!"\n', 'config.yml: sources[0].passwordEnv: must be an environment variable name; found text (hidden: it may be a secret)'],
    ['passwordStored holding a password', 'sources:\n  - id: db\n    kind: postgres\n    url: postgres://monitor@db1/orders\n    passwordStored: "s3cret-Pa55!"\n', 'config.yml: sources[0].passwordStored: must be true, found text (hidden: it may be a secret)'],
    ['a number in passwordFile', 'sources:\n  - id: db\n    kind: postgres\n    url: postgres://monitor@db1/orders\n    passwordFile: 314159265\n', 'config.yml: sources[0].passwordFile: expected text, found a number (hidden: it may be a secret)'],
    ['a number for url', 'sources:\n  - id: db\n    kind: postgres\n    url: 314159265\n', 'config.yml: sources[0].url: expected text, found a number (hidden: it may be a secret)'],
  ])('%s: the type is named, the value is not', (_, text, message) => {
    const problems = problemsOf(text);
    expect(problems).toEqual([message]);
    expect(problems.join('\n')).not.toMatch(/s3cret|314159265/);
  });
});

describe('YAML the file cannot be read as', () => {
  const billionLaughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');

  it('an alias bomb ("billion laughs") is a YAML problem like any other, reported without expanding it', () => {
    expect(problemsOf(billionLaughs)).toEqual(['config.yml: aliases (*name) expand to too many values (more than 100); write the values out instead of nesting aliases (the file is not valid YAML)']);
  });

  it('a few aliases, as people use them, are fine', () => {
    const result = parseConfigText('sources:\n  - id: b\n    kind: dump-dir\n    path: /b\n    drill: &weekly { every: 7d }\n  - id: c\n    kind: dump-dir\n    path: /c\n    drill: *weekly\n');
    expect(result.ok && result.config.sources.map((s) => ('drill' in s ? s.drill?.every : null))).toEqual([7 * 86_400_000, 7 * 86_400_000]);
  });

  it('a syntax error names its line and column', () => {
    expect(problemsOf('sources:\n  - id: a\n   kind: dump-dir\n')).toEqual([expect.stringMatching(/^config\.yml: line 3, column \d+: .+ \(the file is not valid YAML\)$/)]);
  });

  it('deep nesting says so, in at most ten lines and a count of the rest', () => {
    const problems = problemsOf(`sources: ${'['.repeat(20_000)}`);
    expect(problems.length).toBeLessThanOrEqual(11);
    expect(problems[0]).toMatch(/: nested too deeply \(the file is not valid YAML\)$/);
  });
});
