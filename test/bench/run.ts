// `npm run bench`: every benchmark, one JSON line per figure on stdout (progress goes to stderr).
import type { BenchFigure } from './figure';
import { benchStore } from './store';

const benches: Array<() => Promise<BenchFigure[]>> = [benchStore];

for (const bench of benches) {
  for (const figure of await bench()) console.log(JSON.stringify(figure));
}
