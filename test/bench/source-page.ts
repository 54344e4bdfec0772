// The source page of a WAL-keeping source: sourceDetail over a year of 5-minute polls of a basebackup source
// (~105k polls with their WAL archive summaries: timeline switches, gaps, failed and unlisted polls) in a real
// history file, beside a dump source's year. The baseline is what the page used to pay just to read those polls:
// every poll's row with its whole metrics JSON decoded (HistoryStore.polls).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RANGES } from '../../shared/api';
import { validateConfig } from '../../shared/config';
import type { Poll } from '../../shared/model';
import { Engine } from '../../electron/engine/engine';
import { sourceDetail } from '../../electron/engine/source-detail';
import { History } from '../../electron/engine/store/history';
import { walArchivePolls, YEAR_RHYTHM } from '../unit/store/wal-archive-polls';
import type { BenchFigure } from './figure';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const START = Date.UTC(2025, 0, 1);
const NOW = START + 365 * DAY;
const RUNS = 7;

export async function benchSourcePage(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'backup-health-bench-source-page-'));
  try {
    const history = History.open(join(dir, 'history.sqlite'));
    progress('recording a year of 5-minute polls of a basebackup source and a dump source');
    const base = walArchivePolls('base', { origin: START, start: START, end: NOW + 1, every: 5 * MINUTE, rhythm: YEAR_RHYTHM });
    record(history, base);
    record(history, base.map((poll): Poll => ({ ...poll, sourceId: 'dumps', metrics: { kind: 'dump-dir', fileCount: 7, totalBytes: 3e9, inProgress: 0 } })));
    const parsed = validateConfig({
      sources: [
        { id: 'base', kind: 'basebackup', path: '/srv/base', walArchive: '/srv/wal' },
        { id: 'dumps', kind: 'dump-dir', path: '/srv/dumps' },
      ],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const engine = new Engine({ config: parsed.config, store: history, now: () => NOW });
    const source = parsed.config.sources.find((s) => s.id === 'base')!;

    let points = 0;
    const page = medianMs(() => (points = sourceDetail({ engine, store: history, source, range: '1y', now: NOW }).walWindows.length));
    const readPolls = medianMs(() => history.polls('base', { since: NOW - RANGES['1y'], until: NOW }).length);
    history.close();
    progress(`source page ${page.toFixed(1)} ms, reading the polls ${readPolls.toFixed(1)} ms`);
    return [
      {
        name: `source page of a basebackup source, 1-year range: sourceDetail over ${base.length} polls with WAL archive summaries (${points} window points), median of ${RUNS}; baseline = reading those polls with their metrics decoded (HistoryStore.polls), what the page did before`,
        value: round(page, 1),
        unit: 'ms',
        baseline: round(readPolls, 1),
        ratio: round(page / readPolls, 3),
        goal: '<= 100 ms',
        pass: page <= 100 && points > 0,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function record(history: History, polls: Poll[]): void {
  for (let i = 0; i < polls.length; i += 10_000) history.recordPolls(polls.slice(i, i + 10_000).map((poll) => ({ poll, backups: [] })));
}

/** Median wall time of RUNS calls after one warm-up call. */
function medianMs(run: () => unknown): number {
  run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)] as number;
}

function round(n: number, digits: number): number {
  return Number(n.toFixed(digits));
}

function progress(message: string): void {
  process.stderr.write(`[bench source-page] ${message}\n`);
}
