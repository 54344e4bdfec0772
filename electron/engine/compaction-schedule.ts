// When the engine thins old polls: polls older than defaults.keepRawPolls (store/poll-compaction.ts) are thinned
// off the poll path, a minute after start (when the first polls are in), then daily. The store thins a few hours
// of every source per transaction and lets polls run between them; a CLI or a second app on the same file is
// safe, each run only reads new hours. The same run prunes the alert delivery log (attempts older than 90 days
// that no channel's state needs, store/deliveries.ts), when the store keeps one (History does).
import type { History } from './store/history';
import type { HistoryStore } from './store/types';

const COMPACTION_START_DELAY_MS = 60_000;
const COMPACTION_EVERY_MS = 24 * 3_600_000;

export interface CompactionScheduleOptions {
  store: Pick<HistoryStore, 'compactPolls'> & Partial<Pick<History, 'pruneDeliveries'>>;
  now: () => number;
  /** defaults.keepRawPolls of the config in force at each run. */
  keepRawMs: () => number;
  /** How long after start() the first run comes (default: a minute). */
  firstDelayMs?: number;
}

export class CompactionSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: AbortController | undefined;
  private started = false;

  constructor(private readonly options: CompactionScheduleOptions) {}

  start(): void {
    this.started = true;
    this.schedule(this.options.firstDelayMs ?? COMPACTION_START_DELAY_MS);
  }

  /** No further run; a run under way stops between transactions. */
  stop(): void {
    this.started = false;
    clearTimeout(this.timer);
    this.running?.abort();
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), delayMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    const stop = new AbortController();
    this.running = stop;
    const now = this.options.now();
    try {
      await this.options.store.compactPolls({ now, keepRawMs: this.options.keepRawMs(), signal: stop.signal });
    } catch {
      // Nothing is lost, the file only stays bigger for a day: the next run starts where this one stopped.
    }
    try {
      await this.options.store.pruneDeliveries?.({ now, signal: stop.signal });
    } catch {
      // As above: the log stays bigger for a day.
    } finally {
      if (this.started && !stop.signal.aborted) this.schedule(COMPACTION_EVERY_MS);
    }
  }
}
