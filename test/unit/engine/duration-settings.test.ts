// Every duration setting takes the same range wherever it is set: the config file (what `config check`, the
// CLI and the app read) and the settings page (ApiService.validateSource) refuse the same values with the same
// message. Each field is tried with 0s, 1ms, 24d, 25d, 30d, 4w, 52w, its largest value (10y) and one day more.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiService } from '../../../electron/engine/api-service';
import { formatProblem, parseConfigText } from '../../../electron/engine/config';
import { Engine } from '../../../electron/engine/engine';
import { validateConfig } from '../../../shared/config';
import { checkDuration, DURATION_RANGES } from '../../../shared/units';
import { openHistory, tempDir } from '../store/temp-history';

const DAY = 86_400_000;
const VALUES: Array<[string, number]> = [
  ['0s', 0],
  ['1ms', 1],
  ['24d', 24 * DAY],
  ['25d', 25 * DAY],
  ['30d', 30 * DAY],
  ['4w', 28 * DAY],
  ['52w', 364 * DAY],
  ['10y', 3650 * DAY],
  ['3651d', 3651 * DAY],
];

type Floor = '10s' | '1s' | '0s' | '31d';
/** What each floor refuses of VALUES; every floor refuses 3651d, above the 10y ceiling. */
const REFUSED_BELOW: Record<Floor, string[]> = {
  '10s': ['0s', '1ms'],
  '1s': ['0s', '1ms'],
  '0s': [],
  '31d': ['0s', '1ms', '24d', '25d', '30d', '4w'],
};

/** [where in the YAML, the field's path in messages, its floor] */
const FIELDS: Array<[string, string, Floor]> = [
  ['defaults', 'defaults.interval', '10s'],
  ['defaults', 'defaults.timeout', '1s'],
  ['defaults', 'defaults.maxAge', '1s'],
  ['defaults', 'defaults.maxArchiveAge', '1s'],
  ['defaults', 'defaults.maxReplicationLag', '1s'],
  ['defaults', 'defaults.keepRawPolls', '31d'],
  ['dump-dir', 'sources[0].interval', '10s'],
  ['dump-dir', 'sources[0].timeout', '1s'],
  ['dump-dir', 'sources[0].maxAge', '1s'],
  ['dump-dir', 'sources[0].settle', '0s'],
  ['dump-dir', 'sources[0].drill.every', '10s'],
  ['dump-dir', 'sources[0].drill.maxAge', '1s'],
  ['dump-dir', 'sources[0].drill.timeout', '1s'],
  ['postgres', 'sources[0].maxArchiveAge', '1s'],
  ['postgres', 'sources[0].maxReplicationLag', '1s'],
  ['pgbackrest', 'sources[0].maxAge', '1s'],
  ['pgbackrest', 'sources[0].maxFullAge', '1s'],
  ['pgbackrest', 'sources[0].drill.every', '10s'],
  ['pgbackrest', 'sources[0].drill.timeout', '1s'],
  ['restic', 'sources[0].maxAge', '1s'],
  ['restic', 'sources[0].drill.every', '10s'],
  ['borg', 'sources[0].maxAge', '1s'],
  ['borg', 'sources[0].drill.timeout', '1s'],
];

const SOURCES: Record<string, string> = {
  'dump-dir': 'kind: dump-dir\n    path: /var/backups/orders',
  postgres: 'kind: postgres\n    url: postgres://monitor@db1/orders',
  pgbackrest: 'kind: pgbackrest\n    stanza: main',
  restic: 'kind: restic\n    repo: /srv/restic\n    passwordEnv: RESTIC_PASSWORD',
  borg: 'kind: borg\n    repo: /srv/borg',
};

/** A config file setting `path` to `value`, and nothing else out of the ordinary. */
function configWith(where: string, path: string, value: string): string {
  const key = path.split('.').at(-1)!;
  if (where === 'defaults') return `defaults:\n  ${key}: ${value}\n`;
  const inDrill = path.includes('.drill.');
  return `sources:\n  - id: orders\n    ${SOURCES[where]}\n${inDrill ? `    drill:\n      ${key}: ${value}\n` : `    ${key}: ${value}\n`}`;
}

function expectedProblem(path: string, floor: Floor, written: string): string | null {
  if (written === '3651d') return `config.yml: ${path}: must be at most 10y (found 3651d)`;
  if (!REFUSED_BELOW[floor].includes(written)) return null;
  const why = path === 'defaults.keepRawPolls' ? ': the 30-day charts show every poll, and older polls are thinned to hourly highs and lows' : '';
  return `config.yml: ${path}: must be at least ${floor} (found ${written})${why}`;
}

function readBack(config: unknown, path: string): unknown {
  return path
    .replace('[0]', '.0')
    .split('.')
    .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], config);
}

describe('duration settings in the config file', () => {
  describe.each(FIELDS)('%s %s', (where, path, floor) => {
    it.each(VALUES)('%s', (written, ms) => {
      const result = parseConfigText(configWith(where, path, written));
      const expected = expectedProblem(path, floor, written);
      if (expected === null) {
        expect(result.ok ? [] : result.problems.map((p) => formatProblem('config.yml', p))).toEqual([]);
        if (result.ok) expect(readBack(result.config, path)).toBe(ms);
      } else {
        expect(result.ok ? [] : result.problems.map((p) => formatProblem('config.yml', p))).toEqual([expected]);
      }
    });
  });

  it('the defaults themselves are within range', () => {
    const parsed = validateConfig({ sources: [{ id: 'orders', kind: 'dump-dir', path: '/x', drill: {} }] });
    expect(parsed.ok).toBe(true);
  });

  it.each([
    ['true', 'expected a duration like 26h, found true'],
    ['300', 'expected a duration like 26h, found the number 300 (write it with its unit: 90s, 15m, 26h, 7d)'],
    ['[5m]', 'expected a duration like 26h, found a list of 1 item'],
    ['"-5m"', '"-5m" is not a duration (use 90s, 15m, 26h, 7d)'],
    ['9999999999999999999999999999999999y', 'must be at most 10y (found 9999999999999999999999999999999999y)'],
  ])('interval: %s is refused: %s', (written, message) => {
    const result = parseConfigText(configWith('dump-dir', 'sources[0].interval', written));
    expect(result.ok ? [] : result.problems).toEqual([{ path: 'sources[0].interval', message }]);
  });
});

describe('the settings page', () => {
  it('refuses the same values with the same messages as the config file', async () => {
    const dir = tempDir();
    const configFile = join(dir, 'config.yml');
    const { history } = openHistory();
    const parsed = validateConfig({});
    if (!parsed.ok) throw new Error('the empty config does not validate');
    const api = new ApiService({ engine: new Engine({ config: parsed.config, store: history }), store: history, configFile });
    const source = { id: 'orders', kind: 'dump-dir', path: '/var/backups/orders', interval: '0s', timeout: '1ms', settle: '0s', drill: { every: '30d', timeout: '3651d' } };
    const result = await api.validateSource({ source });
    expect(result.problems).toEqual([
      { path: 'interval', message: 'must be at least 10s (found 0s)' },
      { path: 'timeout', message: 'must be at least 1s (found 1ms)' },
      { path: 'drill.timeout', message: 'must be at most 10y (found 3651d)' },
    ]);
    const file = parseConfigText('sources:\n  - { id: orders, kind: dump-dir, path: /x, interval: 0s, timeout: 1ms, drill: { timeout: 3651d } }\n');
    expect(file.ok ? [] : file.problems.map((p) => ({ ...p, path: p.path.replace('sources[0].', '') }))).toEqual(result.problems);
  });
});

describe('checkDuration, for durations typed on the command line', () => {
  it.each([
    ['7d', { ok: true, ms: 7 * DAY }],
    ['100y', { ok: true, ms: 36_500 * DAY }],
    ['0s', { ok: false, message: 'must be at least 1s (found 0s)' }],
    ['101y', { ok: false, message: 'must be at most 100y (found 101y)' }],
    ['999999999999d', { ok: false, message: 'must be at most 100y (found 999999999999d)' }],
    ['soon', { ok: false, message: '"soon" is not a duration (use 90s, 15m, 26h, 7d)' }],
  ])('--since %s', (text, expected) => {
    expect(checkDuration(text, DURATION_RANGES.since)).toEqual(expected);
  });
});
