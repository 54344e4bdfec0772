// Parsing and formatting of the units a sysadmin writes in a config file: "90s", "26h", "7d", "5GB", "5%".

const DAY_MS = 86_400_000;
/** A year is 365 days: durations are spans of time, not calendar dates. */
const YEAR_MS = 365 * DAY_MS;

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: DAY_MS,
  w: 7 * DAY_MS,
  y: YEAR_MS,
};

export const DURATION_HINT = 'use 90s, 15m, 26h, 7d';
export const SIZE_HINT = 'use 500kB, 1MB, 5GB';

/** "26h" -> 93600000; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)\s*$/.exec(text);
  if (!m) return null;
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2]!]!);
}

/** The shortest and longest value a duration setting takes, in ms. */
export interface DurationRange {
  min: number;
  max: number;
}

/**
 * Every duration a user can write, by what it is for. The ceilings keep every wait one the code honours:
 * timers longer than Node's 24.8 days are chained (electron/engine/long-timeout.ts), and now ± 100 years is
 * still a valid Date.
 */
export const DURATION_RANGES = {
  /** How often something runs (a poll, a scheduled drill): faster than 10s only loads what is watched. */
  interval: { min: 10_000, max: 10 * YEAR_MS },
  /** How long a probe or a drill may take before it is stopped. */
  timeout: { min: 1000, max: 10 * YEAR_MS },
  /** How long one attempt to deliver an alert may take: an answer later than 10 minutes is no alert. */
  alertTimeout: { min: 1000, max: 10 * 60_000 },
  /** How old or late something may be before it is a finding (maxAge, maxArchiveAge, maxReplicationLag, ...). */
  age: { min: 1000, max: 10 * YEAR_MS },
  /** How long a file must be left alone before it is judged; 0s judges every file at once (written elsewhere, then renamed in). */
  settle: { min: 0, max: 10 * YEAR_MS },
  /** defaults.keepRawPolls: the longest chart of raw polls is 30 days (shared/api.ts RANGES); a day more leaves room for a clock that moves. */
  keepRawPolls: { min: 31 * DAY_MS, max: 10 * YEAR_MS },
  /** How far back the CLI looks (history --since). */
  since: { min: 1000, max: 100 * YEAR_MS },
} as const satisfies Record<string, DurationRange>;

const EXACT_UNITS = (['y', 'w', 'd', 'h', 'm', 's'] as const).map((unit) => [unit, DURATION_UNITS[unit]!] as const);

/** 93600000 -> "26h", 604800000 -> "1w": `ms` written the way a config file would, in the largest unit that is exact. */
export function writeDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0s';
  const exact = EXACT_UNITS.find(([, size]) => ms % size === 0);
  return exact ? `${ms / exact[1]}${exact[0]}` : `${ms}ms`;
}

/**
 * Why `ms` (written as `written`) is out of `range`, or null when it is within it:
 * "must be at least 10s (found 0s)", "must be at most 10y (found 52000w)".
 */
export function durationRangeProblem(ms: number, range: DurationRange, written: string = writeDuration(ms)): string | null {
  const found = written.trim().length > 40 ? `${written.trim().slice(0, 40)}…` : written.trim();
  if (ms < range.min) return `must be at least ${writeDuration(range.min)} (found ${found})`;
  if (!(ms <= range.max)) return `must be at most ${writeDuration(range.max)} (found ${found})`;
  return null;
}

/**
 * Text a user typed (a CLI option, a form field) -> ms within `range`, or the message saying what is wrong:
 * '"soon" is not a duration (use 90s, 15m, 26h, 7d)', 'must be at least 1s (found 0s)'.
 */
export function checkDuration(text: string, range: DurationRange): { ok: true; ms: number } | { ok: false; message: string } {
  const ms = parseDuration(text);
  if (ms === null) return { ok: false, message: `${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)} is not a duration (${DURATION_HINT})` };
  const problem = durationRangeProblem(ms, range, text);
  return problem === null ? { ok: true, ms } : { ok: false, message: problem };
}

// PostgreSQL's convention (pg_size_pretty, postgresql.conf): kB, MB, GB, TB are powers of 1024.
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** "5GB" -> 5368709120; a bare number is bytes; null when it is not a size. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return null;
  const unit = (m[2] || 'b').toLowerCase();
  const factor = SIZE_UNITS[unit];
  if (factor === undefined) return null;
  return Math.round(Number(m[1]) * factor);
}

/** "5%" -> 0.05; null when it is not a percentage. */
export function parsePercent(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  return m ? Number(m[1]) / 100 : null;
}

const DURATION_STEPS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
] as const;

/** 93600000 -> "1d 2h"; two adjacent units at most, for a table cell or a tooltip. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const sign = ms < 0 ? '-' : '';
  const rest = Math.abs(ms);
  const i = DURATION_STEPS.findIndex(([, size]) => rest >= size);
  if (i === -1) return `${sign}${Math.round(rest)}ms`;
  const [unit, size] = DURATION_STEPS[i]!;
  const whole = Math.floor(rest / size);
  const next = DURATION_STEPS[i + 1];
  const part = next ? Math.floor((rest - whole * size) / next[1]) : 0;
  return `${sign}${whole}${unit}${part && next ? ` ${part}${next[0]}` : ''}`;
}

/** 1 -> "1 table", 8052 -> "8,052 rows". */
/** "2026-12-03 10:41:07 UTC", or to the minute ("2026-12-03 10:41 UTC") where seconds would only be noise. */
export function utcWords(at: number, to: 'second' | 'minute' = 'second'): string {
  return `${new Date(at).toISOString().slice(0, to === 'second' ? 19 : 16).replace('T', ' ')} UTC`;
}

export function countOf(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/** 5368709120 -> "5.0 GB", like pg_size_pretty. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let i = 0;
  while (Math.abs(value) >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  if (i === 0) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[i]}`;
}

/** "3 of 12", or "1.2 GB of 4.0 GB" when a drill's progress counts bytes. */
export function progressCount(progress: { done: number; total: number; unit?: 'bytes' }): string {
  return progress.unit === 'bytes' ? `${formatBytes(progress.done)} of ${formatBytes(progress.total)}` : `${progress.done} of ${progress.total}`;
}
