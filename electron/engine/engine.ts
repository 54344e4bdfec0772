// The monitor: owns the config, the scheduler and the store; runs probes, judges health, records
// everything, and tells subscribers when a source's status changes. Plain Node: never imports electron.
//
// Over 300 lines, for a reason: this class is the one owner of the state every step shares (the config in
// force, each source's in-memory state, the poll and drill schedulers, the subscribers), and each method left
// here reads or writes that state under the rules of the others (a poll joined by two callers is recorded once,
// a drill polls first, a change is told once). What can stand alone lives beside it: the facts a judgement needs
// (source-facts.ts), the compaction timer (compaction-schedule.ts), which backup a drill takes (drill-choice.ts),
// the scheduler (scheduler.ts), each kind (sources/).
import type { Config, DrillConfig, SourceConfig } from '../../shared/config';
import type { DatabaseSummary } from '../../shared/databases';
import type { Drill, DrillProgress, ObservedBackup, Poll, ProbeErrorValue, SourceHealth, SourceSummary, StatusEvent } from '../../shared/model';
import { formatDuration } from '../../shared/units';
import { newestFirst } from '../../shared/newest-backup';
import { recoveryReached } from '../../shared/recovery-words';
import { evaluate } from './sources/evaluate';
import { CompactionSchedule } from './compaction-schedule';
import { databaseInputs, databasesOf, drillSettings, gatherFacts, HISTORY_DEPTH, mergeBackups, serverDatabasesAfter, type SourceState } from './source-facts';
import { databaseIndex } from './databases/database-index';
import { databaseJudgement } from './databases/database-status';
import { policiesOf } from './report/policy';
import { probeFor, storedBytesOf } from './sources/index';
import type { Probe } from './sources/probe';
import type { ProbeSecrets } from './secrets';
import { ProbeError, redact } from './errors';
import { Scheduler, TaskTimeoutError } from './scheduler';
import type { SweptCluster } from './drills/scratch-sweep';
import { sweepDrillLeftovers } from './drills/drill-leftovers';
import { chooseDrillBackup, DrillRequestError } from './drill-choice';
import type { HistoryStore, PollEntry, StatusJudgement } from './store/types';

export type EngineEvent =
  | { type: 'status'; event: StatusEvent }
  | { type: 'poll'; summary: SourceSummary }
  | { type: 'drill-progress'; progress: DrillProgress }
  | { type: 'drill'; drill: Drill };

export type EngineListener = (event: EngineEvent) => void;

export interface EngineOptions {
  config: Config;
  store: HistoryStore;
  now?: () => number;
  /** Replace the probe for a kind (tests: a probe that hangs or throws). */
  probeFor?: (source: SourceConfig) => Probe;
  /** How long after start() the first scheduled drill may run (default: a minute). */
  drillStartDelayMs?: number;
  /** Passwords the desktop app keeps (`passwordStored` sources); absent in the CLI and `serve`. */
  secrets?: ProbeSecrets;
  /** How long after start() old polls are first thinned (default: a minute); then about daily. */
  compactionDelayMs?: number;
}

// Callers (CLI, API) catch it from here, where runDrill is.
export { DrillRequestError } from './drill-choice';

const DRILL_START_DELAY_MS = 60_000;
const PROBE_GRACE_MS = 5_000;
const DEFAULT_DRILL_TIMEOUT_MS = 6 * 3_600_000;
/** How long databases() reuses its rows while nothing happens (drills by another process show within it). */
const DATABASES_REUSE_MS = 15_000;
/** After polls that change no source's judgement, how often the databases' statuses are still noted. */
const DATABASES_NOTE_EVERY_MS = 60_000;

/** A judgement's status and each finding's rule and status: what a database's status and spans are made of. */
function findingsKey(health: SourceHealth): string {
  return [health.status, ...health.findings.map((f) => `${f.rule}:${f.status}`).sort()].join(' ');
}

/** Whether restore drills apply to this source's kind. */
export function isDrillable(source: SourceConfig): boolean {
  return probeFor(source).drill !== undefined;
}

export class Engine {
  private config: Config;
  private readonly store: HistoryStore;
  private readonly now: () => number;
  private readonly probeOf: (source: SourceConfig) => Probe;
  private readonly scheduler: Scheduler;
  /** Drills are heavy (a PostgreSQL each): their own, smaller bound, one per source at most. */
  private readonly drillScheduler: Scheduler;
  private readonly states = new Map<string, SourceState>();
  /** Bumped by every poll, drill, status change and config: what databases() last computed is stale. */
  private generation = 0;
  private databasesCache: { generation: number; at: number; rows: DatabaseSummary[] } | null = null;
  /** When noteDatabases last ran (0: not yet). */
  private databasesNotedAt = 0;
  private readonly listeners = new Set<EngineListener>();
  private readonly observing = new Map<string, Promise<void>>();
  private started = false;
  private readonly drillStartDelayMs: number;
  private readonly secrets: ProbeSecrets | undefined;
  private readonly compaction: CompactionSchedule;

  constructor(options: EngineOptions) {
    this.config = options.config;
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.probeOf = options.probeFor ?? ((source) => probeFor(source) as Probe);
    this.scheduler = new Scheduler(this.config.defaults.concurrency);
    this.drillScheduler = new Scheduler(this.config.defaults.drillConcurrency);
    this.drillStartDelayMs = options.drillStartDelayMs ?? DRILL_START_DELAY_MS;
    this.secrets = options.secrets;
    this.compaction = new CompactionSchedule({ store: this.store, now: this.now, keepRawMs: () => this.config.defaults.keepRawPolls, firstDelayMs: options.compactionDelayMs });
  }

  get currentConfig(): Config {
    return this.config;
  }

  /** Replaces the config (already validated); the schedule follows it if the engine is running. */
  setConfig(config: Config): void {
    this.config = config;
    this.generation++;
    this.scheduler.setConcurrency(config.defaults.concurrency);
    this.drillScheduler.setConcurrency(config.defaults.drillConcurrency);
    const ids = new Set(config.sources.map((s) => s.id));
    for (const id of this.states.keys()) if (!ids.has(id)) this.states.delete(id);
    if (this.started) {
      this.notePolicies();
      this.noteDatabases();
      this.schedule();
    }
  }

  subscribe(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Polls one source now (joining a poll already under way) and returns its summary. */
  async pollSource(id: string): Promise<SourceSummary> {
    await this.observe(this.source(id));
    this.commit([id]);
    return this.summary(id);
  }

  /** Polls every source once, concurrently within the configured bound, then judges them together. */
  async pollAll(): Promise<SourceSummary[]> {
    await Promise.all(this.config.sources.map((source) => this.observe(source)));
    this.commit(this.config.sources.map((s) => s.id));
    return this.summaries();
  }

  /**
   * Starts periodic polls and drills; a source polled or drilled recently (by an earlier run, or the CLI)
   * waits its turn. First sweeps the scratch clusters of drills killed while they ran.
   */
  async start(): Promise<SweptCluster[]> {
    const swept = await this.sweepLeftovers();
    this.notePolicies();
    this.started = true;
    this.schedule();
    this.compaction.start();
    return swept;
  }

  /**
   * Stores each source's and database's judging limits that changed since the history last saw them (report/policy.ts):
   * an audit report judges each moment by the policy in force then. Only a running engine (the app, serve) loads
   * the config it judges by; a cron `check` with another --config must not rewrite the policy history.
   */
  private notePolicies(): void {
    this.store.recordPolicies(this.now(), policiesOf(this.config));
  }

  /** Stops polls and drills; a drill under way is recorded as interrupted by `reason` (a DrillInterrupted), if given. */
  stop(reason?: unknown): void {
    this.started = false;
    this.scheduler.stop();
    this.drillScheduler.stop(reason);
    this.compaction.stop();
  }

  /**
   * stop(), then wait (up to maxWaitMs) for drills under way to clean up their scratch clusters and be
   * recorded: close the history only after this.
   */
  async shutdown(maxWaitMs = 30_000, reason?: unknown): Promise<void> {
    this.stop(reason);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.drillScheduler.idle(), new Promise((resolve) => (timer = setTimeout(resolve, maxWaitMs)))]);
    clearTimeout(timer);
  }

  /** Removes the clusters and directories of drills whose process died (SIGKILL, a crash, a power cut). */
  sweepLeftovers(): Promise<SweptCluster[]> {
    // ...and records each such drill as an error: its process never could (drills/drill-leftovers.ts).
    return sweepDrillLeftovers(this.config.defaults.drillDir, this.config.sources.map((s) => s.id), this.store, this.now());
  }

  /**
   * Restores a backup (the newest readable one, or `backupKey`) into a throwaway PostgreSQL, verifies it and
   * records the drill; a source whose backups are all unreadable gets a failed drill (drill-choice.ts). A
   * second request for a source whose drill is running joins it.
   */
  runDrill(sourceId: string, opts: { backupKey?: string; signal?: AbortSignal } = {}): Promise<Drill> {
    const source = this.config.sources.find((s) => s.id === sourceId);
    if (!source) return Promise.reject(new DrillRequestError(`no source "${sourceId}" in the config`));
    const probe = this.probeOf(source);
    if (!probe.drill) return Promise.reject(new DrillRequestError(`${sourceId} is a ${source.kind} source, which holds no backups to restore; drill one of its backup sources`));
    const timeoutMs = drillSettings(source)?.timeout ?? DEFAULT_DRILL_TIMEOUT_MS;
    return this.drillScheduler.run(`drill:${sourceId}`, timeoutMs + 60_000, async (signal) => {
      // Look first (joining a poll under way), so the drill restores what is there now, never "no backups" from a
      // history that has not looked yet (a drill before the first poll, from the CLI, the API or the schedule).
      await this.pollSource(sourceId);
      // What the history keeps stands in for what this poll could not list, never for a backup found deleted since
      // (a drill of it could only fail to find it, and the newest still there would go undrilled).
      const present = this.store.backups(sourceId, { limit: 10_000 }).filter((b) => b.goneAt === undefined);
      const known = mergeBackups(sourceId, this.state(sourceId).backups, present, this.now(), Infinity);
      const choice = chooseDrillBackup(sourceId, known, this.now(), opts.backupKey, { source, poll: this.state(sourceId).poll });
      const drill =
        'noneRestores' in choice
          ? choice.noneRestores
          : await probe.drill!(source, choice.backup, {
              signal: opts.signal ? AbortSignal.any([signal, opts.signal]) : signal,
              timeoutMs,
              config: this.config,
              now: this.now,
              secrets: this.secrets,
              onProgress: (progress) => this.emit({ type: 'drill-progress', progress }),
              previousDatabase: this.store.lastPassingDrill(sourceId)?.database ?? undefined,
            });
      const stored = this.store.recordDrill({ ...drill, message: redact(drill.message) });
      this.emit({ type: 'drill', drill: stored });
      this.noteHealth(sourceId, this.judge(source), this.now());
      this.noteDatabases();
      return stored;
    });
  }

  /** The databases a source holds or backs up, by name, as its latest poll saw them (source-facts.ts). */
  databasesOf(id: string): string[] {
    return databasesOf(this.source(id), { config: this.config, state: (sourceId) => this.state(sourceId) });
  }

  /** One row per database, worst first: the routines that hold it, what their drills proved, its objectives (databases/). */
  databases(): DatabaseSummary[] {
    const now = this.now();
    const cached = this.databasesCache;
    // Reused until a poll, drill, status change or config says otherwise, or time has moved the findings on:
    // a /metrics scrape and the page ask far more often than anything changes.
    if (cached && cached.generation === this.generation && now >= cached.at && now - cached.at < DATABASES_REUSE_MS) return cached.rows;
    const context = { config: this.config, store: this.store, now, state: (id: string) => this.state(id) };
    const rows = databaseIndex(databaseInputs(context, (id) => this.summary(id)));
    this.databasesCache = { generation: this.generation, at: now, rows };
    return rows;
  }

  summaries(): SourceSummary[] {
    return this.config.sources.map((s) => this.summary(s.id));
  }

  summary(id: string): SourceSummary {
    const source = this.source(id);
    const state = this.state(id);
    const health = state.health ?? this.judge(source);
    const newest = state.backups[0] ?? null;
    const lastPassing = isDrillable(source) ? this.store.lastPassingDrill(id) : null;
    return {
      id: source.id,
      name: source.name ?? source.id,
      kind: source.kind,
      ...('host' in source && source.host ? { host: source.host } : {}),
      ...(source.kind === 'dump-dir' && source.url ? { bucketUrl: source.url } : {}),
      status: health.status,
      findings: health.findings,
      lastPollAt: state.poll?.at ?? null,
      newestBackup: newest && { key: newest.key, finishedAt: newest.finishedAt, sizeBytes: newest.sizeBytes, readable: newest.readable },
      lastRestore: lastPassing && { at: lastPassing.finishedAt, restoreMs: lastPassing.restoreMs, backupKey: lastPassing.backupKey, sandboxed: lastPassing.safety?.sandboxed ?? null, ...(lastPassing.warnings?.length ? { warnings: lastPassing.warnings } : {}), ...(lastPassing.recovery ? { recovery: recoveryReached(lastPassing.recovery) } : {}) },
    };
  }

  private schedule(): void {
    const now = this.now();
    const firstDelay = new Map<string, number>();
    const polls = this.config.sources.map((source) => {
      const intervalMs = source.interval ?? this.config.defaults.interval;
      const last = this.state(source.id).poll?.at;
      firstDelay.set(`poll:${source.id}`, last === undefined ? 0 : last + intervalMs - now);
      return { key: `poll:${source.id}`, intervalMs, run: () => this.pollSource(source.id) };
    });
    const drills = this.config.sources.flatMap((source) => {
      const every = drillSettings(source)?.every;
      if (every === undefined) return [];
      const intervalMs = every;
      const last = this.store.drills(source.id, { limit: 1 })[0]?.finishedAt;
      // Never in the first minute: let the first polls find the backups, and the app start up calmly.
      firstDelay.set(`drill:${source.id}`, Math.max(this.drillStartDelayMs, last === undefined ? 0 : last + intervalMs - now));
      // runDrill polls first.
      return [{ key: `drill:${source.id}`, intervalMs, run: () => this.runDrill(source.id) }];
    });
    this.scheduler.every([...polls, ...drills], (key) => firstDelay.get(key) ?? 0);
  }

  private source(id: string): SourceConfig {
    const source = this.config.sources.find((s) => s.id === id);
    if (!source) throw new Error(`no source "${id}" in the config`);
    return source;
  }

  /** The in-memory state, loaded from history the first time a source is asked about. */
  private state(id: string): SourceState {
    let state = this.states.get(id);
    if (!state) {
      const poll = this.store.latestPoll(id);
      state = {
        poll,
        // Until the next poll, the stored backups stand in for what is present.
        backups: poll ? this.store.backups(id, { limit: HISTORY_DEPTH }) : [],
        consecutiveFailures: poll ? this.store.consecutiveFailures(id) : 0,
        health: null,
        recorded: true,
        // Changes stored before this process looked are history, not news.
        heard: this.store.lastEventId(id),
        serverDatabases: serverDatabasesAfter(poll, null),
      };
      this.states.set(id, state);
    }
    return state;
  }

  /**
   * Runs the probe (bounded, with its timeout) and keeps the result in memory until commit(). A second
   * request for a source being observed (Poll now during a scheduled poll) joins the first.
   */
  private observe(source: SourceConfig): Promise<void> {
    const running = this.observing.get(source.id);
    if (running) return running;
    const observing = this.observeOnce(source).finally(() => this.observing.delete(source.id));
    this.observing.set(source.id, observing);
    return observing;
  }

  private async observeOnce(source: SourceConfig): Promise<void> {
    const timeoutMs = source.timeout ?? this.config.defaults.timeout;
    const at = this.now();
    const started = performance.now();
    let poll: Poll;
    let backups: ObservedBackup[] = [];
    try {
      // A little grace beyond the probe's own timeout, so its specific error ("no answer from db1:5432")
      // wins over the scheduler's generic one; the scheduler still abandons a probe that ignores its signal.
      const observation = await this.scheduler.run(`poll:${source.id}`, timeoutMs + Math.min(PROBE_GRACE_MS, timeoutMs), (signal) =>
        this.probeOf(source).observe(source, { signal, timeoutMs, config: this.config, now: this.now, secrets: this.secrets }),
      );
      backups = [...observation.backups].sort(newestFirst);
      const newestReadable = backups.find((b) => b.readable);
      poll = {
        sourceId: source.id,
        at,
        durationMs: Math.round(performance.now() - started),
        ok: true,
        error: null,
        metrics: observation.metrics,
        newestBackupAt: newestReadable?.finishedAt ?? null,
        newestBackupSize: newestReadable?.sizeBytes ?? null,
        storedBytes: storedBytesOf(observation.metrics),
        status: 'unknown',
      };
    } catch (err) {
      poll = {
        sourceId: source.id,
        at,
        durationMs: Math.round(performance.now() - started),
        ok: false,
        error: probeErrorValue(err, timeoutMs),
        metrics: null,
        newestBackupAt: null,
        newestBackupSize: null,
        storedBytes: null,
        status: 'unknown',
      };
    }
    const previous = this.state(source.id);
    this.states.set(source.id, {
      poll,
      backups: poll.ok ? backups : previous.backups,
      // Counted in the history, so serve and a cron check polling the same source judge the same run of failures.
      consecutiveFailures: poll.ok ? 0 : this.store.consecutiveFailures(source.id) + 1,
      health: previous.health,
      recorded: false,
      heard: previous.heard,
      serverDatabases: serverDatabasesAfter(poll, previous.serverDatabases),
    });
  }

  /**
   * Judges the freshly observed sources (and those linked to them), and records polls and status changes in one
   * write transaction: the history, not this process's memory, decides what is a change (store/history.ts), so
   * serve and a cron check on one file store each change once, and only the process that stored it tells.
   */
  private commit(ids: string[]): void {
    const healths = new Map<string, SourceHealth>();
    const entries: PollEntry[] = [];
    for (const id of ids) {
      const health = this.judge(this.source(id));
      healths.set(id, health);
      const state = this.state(id);
      if (state.poll && !state.recorded) {
        state.poll = { ...state.poll, status: health.status };
        state.recorded = true;
        entries.push({ poll: state.poll, backups: state.poll.ok ? state.backups : [] });
      }
    }
    const judgements: StatusJudgement[] = [...healths].map(([id, health]) => this.judgement(id, health, this.state(id).poll?.at ?? this.now()));
    for (const id of ids) {
      for (const linked of this.linkedTo(id)) {
        if (healths.has(linked)) continue;
        const health = this.judge(this.source(linked));
        healths.set(linked, health);
        judgements.push(this.judgement(linked, health, this.now()));
      }
    }
    this.store.recordPolls(entries, judgements);
    let judgedOtherwise = false;
    for (const [id, health] of healths) {
      const state = this.state(id);
      if (!state.health || findingsKey(state.health) !== findingsKey(health)) judgedOtherwise = true;
      state.health = health;
      this.tellChanges(id);
      if (ids.includes(id)) this.emit({ type: 'poll', summary: this.summary(id) });
    }
    // Computing every database costs far more than a poll (a year of drills read back): after a poll that judged
    // no source otherwise, only once a minute, for what time alone moves on (objectives, a restore growing old).
    if (judgedOtherwise || this.now() - this.databasesNotedAt >= DATABASES_NOTE_EVERY_MS) this.noteDatabases();
  }

  /**
   * Records each database whose status changed, with its finding spans, after what can change it (a poll, a drill, a
   * config load): a database is computed, not polled, so nothing else would keep its history for a report. The
   * history decides what is a change (store/database-events.ts). Only a running engine (the app, serve), as for
   * policies: a cron `check` with another --config would judge the databases by other objectives.
   */
  private noteDatabases(): void {
    if (!this.started) return;
    const at = this.now();
    this.databasesNotedAt = at;
    this.store.recordDatabaseStatuses(this.databases().map((db) => databaseJudgement(db, at, (id) => this.summary(id).status)));
  }

  /** Records a judgement made outside a poll (after a drill); tells subscribers if it stored a change. */
  private noteHealth(id: string, health: SourceHealth, at: number): void {
    this.state(id).health = health;
    this.store.recordStatus(this.judgement(id, health, at));
    this.tellChanges(id);
  }

  /**
   * Tells subscribers (tray, notifications, dashboards) every change of the source stored since they last
   * heard, in the order stored: the one this process just stored, and those a cron check or another app stored
   * meanwhile. Each change is stored once (store/history.ts) and told once per process.
   */
  private tellChanges(id: string): void {
    const state = this.state(id);
    for (const event of this.store.eventsAfter(id, state.heard)) {
      state.heard = event.id!;
      this.emit({ type: 'status', event });
    }
  }

  private judgement(id: string, health: SourceHealth, at: number): StatusJudgement {
    return { sourceId: id, at, polledAt: this.state(id).poll?.at ?? null, status: health.status, findings: health.findings };
  }

  /** Sources whose judgement depends on this one's observations. */
  private linkedTo(id: string): string[] {
    const source = this.source(id);
    if (source.kind !== 'postgres') return source.database ? [source.database] : [];
    return this.config.sources.filter((s) => s.kind !== 'postgres' && s.database === id).map((s) => s.id);
  }

  private judge(source: SourceConfig): SourceHealth {
    return evaluate(gatherFacts(source, { config: this.config, store: this.store, now: this.now(), state: (id) => this.state(id) }));
  }

  private emit(event: EngineEvent): void {
    if (event.type !== 'drill-progress') this.generation++;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a broken subscriber must not stop the engine or the other subscribers
      }
    }
  }
}

function probeErrorValue(err: unknown, timeoutMs: number): ProbeErrorValue {
  // Stored in the history and shown everywhere: no credential a driver or tool echoed may survive.
  if (err instanceof ProbeError) return { code: err.code, message: redact(err.message), ...(err.host ? { host: redact(err.host) } : {}) };
  if (err instanceof TaskTimeoutError) return { code: 'timeout', message: `the probe did not finish within ${formatDuration(timeoutMs)}` };
  return { code: 'failed', message: redact(err instanceof Error ? err.message : String(err)) };
}

