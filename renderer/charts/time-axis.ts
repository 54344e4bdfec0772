import type { RangeId } from '../../shared/api';

const TICK_FORMATS: Record<RangeId, Intl.DateTimeFormat> = {
  '7d': new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' }),
  '30d': new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' }),
  '1y': new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' }),
};

/** A time-axis tick, as short as the range allows. */
export function timeTick(range: RangeId): (at: number) => string {
  const format = TICK_FORMATS[range];
  return (at) => (Number.isFinite(at) ? format.format(at) : '');
}

export const HOUR_MS = 3_600_000;
