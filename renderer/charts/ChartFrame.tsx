// Every chart sits in a frame with a visible title, a testable count of what it plots, and a size: measured
// from the page in the app, fixed where nothing can be measured (jsdom), through ChartSizeContext.
import { createContext, useContext, type CSSProperties, type ReactNode } from 'react';

export interface ChartSize {
  width: number;
  height: number;
}

export const ChartSizeContext = createContext<ChartSize | null>(null);

export type ChartSizeProps = { width: number; height: number } | { responsive: true; style: CSSProperties };

/** Props for a recharts chart: a fixed size when one is given, else as wide as its container. */
export function useChartSizeProps(height: number): ChartSizeProps {
  const fixed = useContext(ChartSizeContext);
  return fixed ? { width: fixed.width, height: fixed.height } : { responsive: true, style: { width: '100%', height } };
}

/** A second, shorter chart under the first in one frame (restore time under recovery point): `share` of its height. */
export function lowerChartSize(size: ChartSizeProps, share: number, responsiveHeight: number): ChartSizeProps {
  return 'width' in size ? { width: size.width, height: Math.round(size.height * share) } : { ...size, style: { ...size.style, height: responsiveHeight } };
}

export function ChartFrame({
  title,
  testId,
  points,
  attributes,
  summary,
  legend,
  empty,
  children,
}: {
  title: string;
  testId: string;
  /** How many points (bars, line vertices) the chart plots: data-points, for tests to count. */
  points: number;
  attributes?: Record<`data-${string}`, string | number>;
  /** One sentence saying what the chart shows, for everyone (and screen readers). */
  summary?: ReactNode;
  legend?: ReactNode;
  /** Shown instead of the chart when there is nothing to plot. */
  empty: string;
  children: ReactNode;
}) {
  const titleId = `${testId}-title`;
  return (
    <figure className="chart" data-testid={testId} data-points={points} aria-labelledby={titleId} {...attributes}>
      <figcaption>
        <h3 id={titleId}>{title}</h3>
        {summary && <p className="chart-summary">{summary}</p>}
      </figcaption>
      {points === 0 ? <p className="chart-empty muted">{empty}</p> : children}
      {points > 0 && legend}
    </figure>
  );
}

/** A legend swatch with its words: colours are never the only cue. */
export function LegendItem({ className, label, count }: { className: string; label: string; count?: number }) {
  return (
    <li>
      <span className={`swatch ${className}`} aria-hidden="true" />
      {label}
      {count !== undefined && <span className="muted"> ({count})</span>}
    </li>
  );
}
