import { formatBytes } from '../../shared/units';
import { sparklinePath } from './sparkline-path';

const WIDTH = 96;
const HEIGHT = 24;

/** Sizes of the recent backups, drawn by hand: two hundred of these must cost nothing. */
export function Sparkline({ sizes }: { sizes: { at: number; sizeBytes: number }[] }) {
  if (sizes.length === 0) return <span className="muted">no backups</span>;
  const values = sizes.map((s) => s.sizeBytes);
  const path = sparklinePath(values, WIDTH, HEIGHT, 2);
  const newest = values[values.length - 1]!;
  const label = `Sizes of the last ${values.length} backup${values.length === 1 ? '' : 's'}: from ${formatBytes(Math.min(...values))} to ${formatBytes(Math.max(...values))}, newest ${formatBytes(newest)}`;
  const end = /([\d.]+),([\d.]+)$/.exec(path);
  return (
    <svg className="sparkline" width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label} data-points={values.length}>
      <title>{label}</title>
      <path d={path} fill="none" />
      {end && <circle cx={end[1]} cy={end[2]} r={2} />}
    </svg>
  );
}
