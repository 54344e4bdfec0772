// Parsing and formatting of the units a sysadmin writes in a config file: "90s", "26h", "7d", "5GB", "5%".

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export const DURATION_HINT = 'use 90s, 15m, 26h, 7d';
export const SIZE_HINT = 'use 500kB, 1MB, 5GB';

/** "26h" -> 93600000; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(text);
  if (!m) return null;
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2]!]!);
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
