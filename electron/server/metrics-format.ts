// The Prometheus text exposition format, version 0.0.4: one HELP and one TYPE line per family, then its samples.
// Hand-written because the format is a few lines of rules; test/unit/server/metrics-format.test.ts holds it to
// them and test/integration/server/metrics-prometheus.test.ts has a real Prometheus read it.

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'gauge' | 'counter' | 'untyped';

export interface MetricSample {
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface MetricFamily {
  /** [a-zA-Z_:][a-zA-Z0-9_:]* */
  name: string;
  help: string;
  type: MetricType;
  samples: MetricSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The whole exposition; families without samples still say what they are, so a dashboard can list them. */
export function formatExposition(families: readonly MetricFamily[]): string {
  let text = '';
  for (const family of families) {
    // Names are ours, never a user's: a bad one is a bug, not input to escape.
    if (!METRIC_NAME.test(family.name)) throw new Error(`not a Prometheus metric name: ${family.name}`);
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) text += `${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}\n`;
  }
  return text;
}

/** Collectors hand the same labels object to every family of one source: each is formatted once per scrape. */
const formattedLabels = new WeakMap<Readonly<Record<string, string>>, string>();

function formatLabels(labels: Readonly<Record<string, string>>): string {
  let text = formattedLabels.get(labels);
  if (text !== undefined) return text;
  const pairs: string[] = [];
  for (const name in labels) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`not a Prometheus label name: ${name}`);
    pairs.push(`${name}="${escapeLabelValue(labels[name]!)}"`);
  }
  text = pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
  formattedLabels.set(labels, text);
  return text;
}

/** Label values may hold anything (a source id, a version): backslash, double quote and line feed are escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** HELP text escapes backslash and line feed only. */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** Go's ParseFloat spellings for the special values; JavaScript's shortest round-trip form for the rest. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
