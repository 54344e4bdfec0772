// The real bin on config files a new user writes wrong: `config check` and `check` print the same located
// lines and exit the same way (3: a config problem, UNKNOWN to Nagios) for every kind of problem, a wrong type,
// a duration out of range, broken YAML and an alias bomb alike; nothing is recorded for a config refused.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runCli } from '../../support/cli';

const dir = mkdtempSync(join(tmpdir(), 'backup-health-config-problems-'));
const data = join(dir, 'data');
beforeAll(() => ensureCliBuilt());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dumps = (fields: string) => `sources:\n  - id: orders-dumps\n    kind: dump-dir\n    path: ${dir}\n${fields}`;
const billionLaughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');

const CASES: Array<[string, string, (file: string) => string[]]> = [
  ['id: 12', 'sources:\n  - id: 12\n    kind: dump-dir\n    path: /x\n', (f) => [`${f}: sources[0].id: expected text, found the number 12`]],
  ['defaults: 5', 'defaults: 5\n', (f) => [`${f}: defaults: expected a mapping (key: value lines), found the number 5`]],
  ['maxAge: true', dumps('    maxAge: true\n'), (f) => [`${f}: sources[0].maxAge: expected a duration like 26h, found true`]],
  [
    'durations out of range',
    dumps('    interval: 0s\n    timeout: 0s\n    drill:\n      every: 30d\n      timeout: 11y\n'),
    (f) => [`${f}: sources[0].interval: must be at least 10s (found 0s)`, `${f}: sources[0].timeout: must be at least 1s (found 0s)`, `${f}: sources[0].drill.timeout: must be at most 10y (found 11y)`],
  ],
  ['a YAML syntax error', 'sources:\n  - id: a\n   kind: dump-dir\n', (f) => [expect.stringMatching(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 3, column \\d+: .+ \\(the file is not valid YAML\\)$`)) as unknown as string]],
  ['an alias bomb', billionLaughs, (f) => [`${f}: aliases (*name) expand to too many values (more than 100); write the values out instead of nesting aliases (the file is not valid YAML)`]],
];

describe('a config file with a problem', () => {
  it.each(CASES)('%s: config check and check say the same and exit 3', async (name, text, expected) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yml`);
    writeFileSync(file, text);
    const [configCheck, check] = await Promise.all([runCli(['config', 'check', '--config', file]), runCli(['check', '--config', file, '--data', data])]);
    expect({ code: configCheck.code, stdout: configCheck.stdout, problems: configCheck.stderr.trim().split('\n') }).toEqual({ code: 3, stdout: '', problems: expected(file) });
    expect({ code: check.code, stdout: check.stdout, problems: check.stderr.trim().split('\n') }).toEqual({ code: 3, stdout: '', problems: expected(file) });
    expect(existsSync(join(data, 'history.sqlite'))).toBe(false);
  });

  it('a 30d drill schedule and a 4w drill timeout are fine', async () => {
    const file = join(dir, 'long.yml');
    writeFileSync(file, dumps('    interval: 52w\n    drill:\n      every: 30d\n      timeout: 4w\n'));
    const result = await runCli(['config', 'check', '--config', file]);
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({ code: 0, stdout: `${file}: ok (1 source)\n`, stderr: '' });
  });
});
