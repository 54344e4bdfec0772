/** One number `npm run bench` reports, as one JSON line. `ratio` is value ÷ baseline. */
export type BenchFigure = {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  /** The target in words, e.g. "ratio >= 0.8" or "<= 25 ms". */
  goal?: string;
  pass?: boolean;
};
