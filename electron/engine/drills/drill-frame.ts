// The frame every drill runs in, whatever its kind (dump, pgBackRest, restic, borg, a dump copied from another
// host): one deadline, the phases and their durations, progress, what a drill that stopped ends as, and a
// cleanup that always runs. A kind writes only its steps, as `runDrill(options, async (frame) => …)`: they
// return the passing drill's message or throw; everything else here happens once, for all of them.
//
//   deadline  one AbortSignal over the whole drill: the caller's cancel or the drill's timeout. `remaining()`
//             is the time a tool may take: a little more than the drill has, so the drill's deadline fires first.
//   phases    enter(phase) closes the phase before; its time is added to phases[phase] (a phase entered twice,
//             as a nested dump drill does, adds up). The frame starts in `prepare` without a progress event.
//   progress  at most one event per PROGRESS_INTERVAL_MS; the first event of a phase (enter), a final one
//             (done == total) and the last one held back when a phase ends are always sent. A listener that
//             throws never breaks the drill.
//   outcome   cancelled or out of time (whatever was thrown then) is an error naming the phase; a DrillStop is
//             its own outcome and message; a ProbeError (ssh, a tool's own words) an error with its message;
//             anything else an error "the drill itself failed during the X phase: …".
//   cleanup   whatever happened, in the cleanup phase, the registered cleanups run, newest first (a scratch
//             cluster before the tree it may sit in); one that fails is added to the message.
//   notes     said at the end of the message, whatever the outcome (a temp dir left on a backup host).
//
// restoreMs, the one meaning for every kind: the time from the start of getting the backup here to a verified
// database, i.e. the sum of the copy, restore, replay and verify phases. It counts a copy from the backup host,
// restic restore and borg extract, a pgBackRest restore with its WAL replay, a replay to the end of an archive,
// and a nested dump drill's restore and verification; it leaves out preparing (planning, free space, starting a scratch cluster for a dump) and
// cleanup. It is null when the drill never got as far as verifying (the restore or copy failed, or it stopped
// before): there is no restore time of a restore that did not finish.
import { hostname } from 'node:os';
import type { Drill, DrillCheckResult, DrillOutcome, DrillPhase, DrillProgress, DrillProvenance, DrillRecovery, DrillSafety, RestoredTable } from '../../../shared/model';
import { formatDuration } from '../../../shared/units';
import { ProbeError } from '../errors';
import { DrillStop, drillError, type ToolTime } from './restore-plan';
import { longTimeout, type LongTimeout } from '../long-timeout';
import { DrillInterrupted } from './drill-stop';
import { DEFAULT_DRILL_TIMEOUT_MS } from './verify';

const PROGRESS_INTERVAL_MS = 100;
/** The phases restoreMs adds up (see the header). */
const RESTORE_PHASES: readonly DrillPhase[] = ['copy', 'restore', 'replay', 'verify'];

export interface DrillFrameOptions {
  sourceId: string;
  /** The backup drilled, as the caller named it: every progress event carries it. */
  backupKey: string;
  signal?: AbortSignal;
  /** The whole drill (default DEFAULT_DRILL_TIMEOUT_MS). */
  timeoutMs?: number;
  onProgress?: (p: DrillProgress) => void;
  /** The wall clock startedAt and finishedAt are read from (default Date.now). */
  now?: () => number;
  /** The monotonic clock phases, the deadline and progress throttling are measured on (default performance.now): a test drives it. */
  clock?: () => number;
}

/** What the drill found; filled by its steps as they go, and kept whatever the outcome. */
export interface DrillEvidence {
  tables: RestoredTable[];
  checks: DrillCheckResult[];
  restoredBytes: number | null;
  /** The PostgreSQL the backup was restored into, e.g. "15.18". */
  restoredWith: string | null;
  /** Who the steps ran as, the sandbox, what was skipped for safety. */
  safety?: DrillSafety;
  /** The database restored into, as the backup named it (null: it does not say; a physical drill restores all). */
  database: string | null;
  /** Doubts that do not fail the drill (drill-judgement.ts). */
  warnings: string[];
  /** What a drill that replayed WAL reached (wal-replay.ts). */
  recovery?: DrillRecovery;
  /** This machine, the tools' versions (a kind adds its own: tools.restic = …), the scratch server, the dump's checksum. */
  provenance: DrillProvenance;
}

export interface ProgressDetail {
  detail?: string;
  unit?: 'bytes';
}

interface Cleanup {
  /** Named in the message when it fails: "(and <what> could not be removed: …)". */
  what: () => string;
  run: () => Promise<unknown> | unknown;
}

export class DrillFrame implements ToolTime {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  readonly phases: Partial<Record<DrillPhase, number>> = {};
  readonly evidence: DrillEvidence = { tables: [], checks: [], restoredBytes: null, restoredWith: null, database: null, warnings: [], provenance: { host: hostname(), tools: {}, scratchServer: null } };
  private current: DrillPhase = 'prepare';
  private readonly clock: () => number;
  private phaseStarted: number;
  private readonly entered = new Set<DrillPhase>();
  private readonly deadline: number;
  private readonly timer: LongTimeout;
  private readonly cleanups: Cleanup[] = [];
  private readonly notes: string[] = [];
  private lastProgressAt = 0;
  private heldBack: DrillProgress | null = null;
  /** When the drill started, on the caller's clock (options.now): the recovery point is measured from it. */
  readonly startedAt: number;

  constructor(private readonly options: DrillFrameOptions) {
    this.startedAt = (options.now ?? Date.now)();
    this.clock = options.clock ?? (() => performance.now());
    this.phaseStarted = this.clock();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_DRILL_TIMEOUT_MS;
    this.deadline = this.clock() + this.timeoutMs;
    const timeout = new AbortController();
    this.timer = longTimeout(() => timeout.abort(), this.timeoutMs);
    this.signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  }

  get phase(): DrillPhase {
    return this.current;
  }

  /** Which drill this is: its directories' owner files name it (drill-dirs.ts). */
  get subject(): { sourceId: string; backupKey: string } {
    return { sourceId: this.options.sourceId, backupKey: this.options.backupKey };
  }

  /** Time a tool may take: a little more than the drill has left, so the drill's own deadline fires first. */
  remaining = (): number => Math.max(1, this.deadline - this.clock()) + 1000;

  /** Closes the current phase and starts `phase`, with its first progress event. */
  enter(phase: DrillPhase, total = 0, more: ProgressDetail = {}): void {
    this.closePhase();
    this.current = phase;
    this.entered.add(phase);
    this.progress(0, total, { ...more, force: true });
  }

  /** Time spent in the current phase so far. */
  inPhaseMs(): number {
    return this.clock() - this.phaseStarted;
  }

  /** Throttled; see the header for which events are always sent. */
  progress(done: number, total: number, more: ProgressDetail & { force?: boolean } = {}): void {
    if (!this.options.onProgress) return;
    const { detail, unit } = more;
    const event: DrillProgress = { sourceId: this.options.sourceId, backupKey: this.options.backupKey, phase: this.current, done, total, ...(detail ? { detail } : {}), ...(unit ? { unit } : {}) };
    const t = this.clock();
    if (!more.force && !(total > 0 && done >= total) && t - this.lastProgressAt < PROGRESS_INTERVAL_MS) {
      this.heldBack = event;
      return;
    }
    this.send(event, t);
  }

  /** Runs at cleanup, whatever happened; newest first. */
  onCleanup(what: string | (() => string), run: () => Promise<unknown> | unknown): void {
    this.cleanups.push({ what: typeof what === 'string' ? () => what : what, run });
  }

  /** Said at the end of the message whatever the outcome. */
  note(text: string): void {
    this.notes.push(text);
  }

  throwIfStopped(): void {
    if (this.signal.aborted) throw drillError('aborted');
  }

  /** A query or connection the drill stops waiting for when it is stopped; cleanup then ends what it waited on. */
  abortable<T>(work: Promise<T>): Promise<T> {
    if (this.signal.aborted) {
      work.catch(() => {});
      return Promise.reject(drillError('aborted'));
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(drillError('aborted'));
      this.signal.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => {
          this.signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (err: unknown) => {
          this.signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }

  /** The sum of the copy, restore and verify phases so far, or null before verification (see the header). */
  restoreMs(): number | null {
    if (!this.entered.has('verify')) return null;
    const open = RESTORE_PHASES.includes(this.current) ? this.inPhaseMs() : 0;
    return Math.round(RESTORE_PHASES.reduce((sum, p) => sum + (this.phases[p] ?? 0), 0) + open);
  }

  /** What a drill that threw ends as (see the header). */
  stopped(err: unknown): { outcome: Exclude<DrillOutcome, 'pass'>; message: string } {
    const phase = this.current;
    if (this.signal.aborted) {
      const reason: unknown = this.options.signal?.reason;
      if (reason instanceof DrillInterrupted) return { outcome: 'error', message: `the drill was interrupted during the ${phase} phase: ${reason.message}` };
      return {
        outcome: 'error',
        message:
          this.options.signal?.aborted === true
            ? `the drill was cancelled during the ${phase} phase`
            : `the drill did not finish within ${formatDuration(this.timeoutMs)} (stopped during the ${phase} phase); raise its timeout or give the machine more CPU and disk speed`,
      };
    }
    if (err instanceof DrillStop) return { outcome: err.outcome, message: err.message };
    if (err instanceof ProbeError) return { outcome: 'error', message: err.message };
    return { outcome: 'error', message: `the drill itself failed during the ${phase} phase: ${(err as Error)?.message ?? String(err)}` };
  }

  /** Ends the drill: the cleanup phase, every cleanup, the notes; returns the final message. */
  async finish(message: string): Promise<string> {
    this.timer.clear();
    this.enter('cleanup', 1);
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        await cleanup.run();
      } catch (err) {
        message = `${message} (and ${cleanup.what()} could not be removed: ${(err as Error).message})`;
      }
    }
    this.closePhase();
    this.progress(1, 1, { force: true });
    return this.notes.length > 0 ? `${message} (${this.notes.join('; ')})` : message;
  }

  private closePhase(): void {
    if (this.heldBack) this.send(this.heldBack, this.clock());
    const t = this.clock();
    this.phases[this.current] = Math.round((this.phases[this.current] ?? 0) + t - this.phaseStarted);
    this.phaseStarted = t;
  }

  private send(event: DrillProgress, at: number): void {
    this.heldBack = null;
    this.lastProgressAt = at;
    try {
      this.options.onProgress?.(event);
    } catch {
      // a listener's bug must not break the drill
    }
  }
}

/** Runs one drill's steps in a frame. Never throws: every outcome is a Drill value. */
export async function runDrill(options: DrillFrameOptions, steps: (frame: DrillFrame) => Promise<string>): Promise<Drill> {
  const now = options.now ?? Date.now;
  const frame = new DrillFrame(options);
  const startedAt = frame.startedAt;
  let outcome: DrillOutcome = 'pass';
  let message: string;
  try {
    message = await steps(frame);
  } catch (err) {
    ({ outcome, message } = frame.stopped(err));
  }
  message = await frame.finish(message);
  const restoreMs = frame.restoreMs();
  const { tables, checks, restoredBytes, restoredWith, safety, database, warnings, recovery, provenance } = frame.evidence;
  return {
    sourceId: options.sourceId,
    backupKey: options.backupKey,
    startedAt,
    finishedAt: now(),
    outcome,
    phases: frame.phases,
    restoreMs,
    tables: tables.length,
    rows: tables.reduce((sum, t) => sum + (t.rows ?? 0), 0),
    restoredBytes,
    checks,
    message,
    restoredWith,
    tableDetails: tables,
    ...(safety ? { safety } : {}),
    database,
    warnings,
    ...(recovery ? { recovery } : {}),
    provenance,
  };
}
