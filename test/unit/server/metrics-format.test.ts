// The exposition format's rules, and the real Prometheus parser (promtool check metrics) reading what we write,
// hostile label values included. test/integration/server/metrics-prometheus.test.ts reads them back out of a
// real Prometheus.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatExposition, formatValue, type MetricFamily } from '../../../electron/server/metrics-format';

const HOSTILE = 'a\\b "quoted"\nnext line } {x="y"} # not a comment';

describe('formatExposition', () => {
  it('writes HELP and TYPE once per family, then one line per sample, labels in order, ending with a newline', () => {
    const families: MetricFamily[] = [
      { name: 'backup_health_up', help: 'Engine up.', type: 'gauge', samples: [{ labels: {}, value: 1 }] },
      {
        name: 'backup_health_source_status',
        help: 'Status.',
        type: 'gauge',
        samples: [
          { labels: { source: 'orders-db', kind: 'postgres' }, value: 2 },
          { labels: { source: 'nightly', kind: 'dump-dir' }, value: 0 },
        ],
      },
      { name: 'backup_health_alert_channel_last_delivery_success', help: 'None yet.', type: 'gauge', samples: [] },
    ];
    expect(formatExposition(families)).toBe(
      [
        '# HELP backup_health_up Engine up.',
        '# TYPE backup_health_up gauge',
        'backup_health_up 1',
        '# HELP backup_health_source_status Status.',
        '# TYPE backup_health_source_status gauge',
        'backup_health_source_status{source="orders-db",kind="postgres"} 2',
        'backup_health_source_status{source="nightly",kind="dump-dir"} 0',
        '# HELP backup_health_alert_channel_last_delivery_success None yet.',
        '# TYPE backup_health_alert_channel_last_delivery_success gauge',
        '',
      ].join('\n'),
    );
    expect(formatExposition([])).toBe('');
  });

  it('escapes backslash, double quote and line feed in label values, and backslash and line feed in HELP', () => {
    expect(escapeLabelValue(HOSTILE)).toBe('a\\\\b \\"quoted\\"\\nnext line } {x=\\"y\\"} # not a comment');
    expect(escapeHelp('one\\two\nthree "four"')).toBe('one\\\\two\\nthree "four"');
    const text = formatExposition([{ name: 'm', help: 'h\nh', type: 'gauge', samples: [{ labels: { channel: HOSTILE }, value: 1 }] }]);
    // Still three lines: nothing a value holds starts a line of its own.
    expect(text.split('\n')).toEqual(['# HELP m h\\nh', '# TYPE m gauge', `m{channel="${escapeLabelValue(HOSTILE)}"} 1`, '']);
  });

  it('spells values as Prometheus parses them', () => {
    expect([1_796_332_386.782, 0.002, 0, -3, 5e-7, 1e21, NaN, Infinity, -Infinity].map(formatValue)).toEqual([
      '1796332386.782',
      '0.002',
      '0',
      '-3',
      '5e-7',
      '1e+21',
      'NaN',
      '+Inf',
      '-Inf',
    ]);
  });

  it('refuses a metric or label name Prometheus would not take (ours are constants: a bad one is a bug)', () => {
    expect(() => formatExposition([{ name: 'backup-health', help: '', type: 'gauge', samples: [] }])).toThrow(/metric name/);
    expect(() => formatExposition([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { 'source id': 'x' }, value: 1 }] }])).toThrow(/label name/);
    expect(() => formatExposition([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { __name__: 'x' }, value: 1 }] }])).toThrow(/label name/);
  });

  it("passes promtool's parser and linter, hostile label values and special values included", () => {
    const text = formatExposition([
      { name: 'backup_health_build_info', help: 'Version \\ "label".', type: 'gauge', samples: [{ labels: { version: HOSTILE }, value: 1 }] },
      {
        name: 'backup_health_last_probe_duration_seconds',
        help: 'Durations.',
        type: 'gauge',
        samples: [
          { labels: { source: HOSTILE, kind: 'dump-dir' }, value: 0.25 },
          { labels: { source: 'é ünïcödé ✓', kind: 'dump-dir' }, value: NaN },
          { labels: { source: 'inf', kind: 'dump-dir' }, value: Infinity },
        ],
      },
    ]);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(lint.error).toBeUndefined();
    expect(`${lint.stdout}${lint.stderr}`.trim()).toBe('');
    expect(lint.status).toBe(0);
    // promtool does bite: an unescaped quote is a parse error.
    const broken = spawnSync('promtool', ['check', 'metrics'], { input: '# HELP m h\n# TYPE m gauge\nm{l="a"b"} 1\n', encoding: 'utf8' });
    expect(broken.status).not.toBe(0);
  });
});
