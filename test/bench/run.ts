// `npm run bench`: every benchmark, one JSON line per figure on stdout (progress goes to stderr).
import type { BenchFigure } from './figure';
import { benchAlerts } from './alerts';
import { benchCopy } from './copy';
import { benchDrill, benchDrillChecksum } from './drill';
import { benchMetrics } from './metrics';
import { benchStore } from './store';
import { benchUi } from './ui';
import { benchWal } from './wal';
import { benchPitr } from './pitr';
import { benchSourcePage } from './source-page';
import { benchAgeFromBackups } from './age-from-backups';
import { benchDatabasesPage } from './databases-page';
import { benchObjectStore } from './object-store';
import { benchReport } from './report';

const all: Record<string, () => Promise<BenchFigure[]>> = { store: benchStore, drill: benchDrill, 'drill-checksum': benchDrillChecksum, copy: benchCopy, ui: benchUi, metrics: benchMetrics, alerts: benchAlerts, wal: benchWal, pitr: benchPitr, 'source-page': benchSourcePage, 'databases-page': benchDatabasesPage, 'age-from-backups': benchAgeFromBackups, 'object-store': benchObjectStore, report: benchReport };
// `npm run bench -- drill` runs only the named ones.
const wanted = process.argv.slice(2);
const benches = Object.entries(all).filter(([name]) => wanted.length === 0 || wanted.includes(name)).map(([, bench]) => bench);

for (const bench of benches) {
  for (const figure of await bench()) console.log(JSON.stringify(figure));
}
