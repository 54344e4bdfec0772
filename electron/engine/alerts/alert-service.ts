// Alerts from a running engine, the same in the desktop app and in `serve`: it listens to the engine, gathers
// the status changes of one poll round, and hands them to the dispatcher (dispatcher.ts) as one round.
//
// A poll round: the engine polls each source on its own interval, so a round is what happens between two quiet
// moments: the round ends ROUND_QUIET_MS after the last poll or status change, or ROUND_MAX_MS after its first
// one when polls never pause. Every round goes to the dispatcher, changes or not: a source that stays critical
// is reminded of from there (remindEvery). Sending never holds a poll: rounds run beside the engine, and a round
// still retrying when the next ends runs alongside it (each alert is its own).
//
// One sender per history file: this process sends only while it holds the lease (store/alert-lease.ts), which it
// takes or renews on its own timer every LEASE_MS/3, whatever its poll interval, and at each round. A quiet
// process keeps the changes it heard; when it takes the lease over (the holder stopped or crashed) it sends what
// the holder's record in the history (select.ts, ToldLog) does not already show as told: no duplicate, no gap.
import type { AlertsConfig } from '../../../shared/alerts-config';
import type { Config } from '../../../shared/config';
import type { SourceSummary, Status } from '../../../shared/model';
import { databaseAlertId, ownStatus, type DatabaseSummary } from '../../../shared/databases';
import type { EngineEvent, EngineListener } from '../engine';
import { describeLease, LEASE_MS, type AlertLease, type LeaseHolder, type LeaseState } from '../store/alert-lease';
import { longTimeout, type LongTimeout } from '../long-timeout';
import type { ChannelFailureFinding } from './channel-failure';
import type { Heartbeat } from './heartbeat';
import type { AlertDispatcher, RoundReport, TestResult } from './dispatcher';
import type { RoundChange } from './select';
import type { DeliveryAttempt, RoundContext } from './types';

/** A round ends this long after the last poll or status change. */
const ROUND_QUIET_MS = 2_000;
/** ...or this long after it began, when polls never pause for ROUND_QUIET_MS. */
const ROUND_MAX_MS = 30_000;

export interface AlertEngine {
  subscribe(listener: EngineListener): () => void;
  summaries(): SourceSummary[];
  /** The databases a source holds or backs up (a channel's `databases:` filter). */
  databasesOf(id: string): string[];
  /** The config in force: a round uses its alerts section (the settings page may have changed it). */
  readonly currentConfig: Config;
  /** Every database (databases/): each joins the round beside the sources, with its own findings. */
  databases?(): DatabaseSummary[];
}

export interface AlertServiceOptions {
  engine: AlertEngine;
  dispatcher: AlertDispatcher;
  now?: () => number;
  /** The dashboard's address as people reach it (serve's URL): alerts link each source there. */
  dashboardUrl?: string;
  /** Tests: rounds end sooner. */
  quietMs?: number;
  maxMs?: number;
  /** Each finished round, with what was sent (status lines, tests). */
  onRound?: (report: RoundReport) => void;
  /** Pinged after every round this process sends (alerts.heartbeat). */
  heartbeat?: Heartbeat;
  /**
   * One sender per history file: a round sends (alerts and heartbeat) only while this process holds the lease;
   * the others stay quiet. Every engine on the file hears every stored change (engine.ts tellChanges), so the
   * holder alerts changes another process stored too.
   */
  lease?: { lease: AlertLease; holder: LeaseHolder };
  /** Tests: how long the lease lasts unless renewed (default LEASE_MS); renewed every third of it. */
  leaseMs?: number;
}

export class AlertService {
  private changes: RoundChange[] = [];
  /** Changes heard while another process held the lease, one per source, for when this one takes over. */
  private readonly unsent = new Map<string, RoundChange>();
  private leaseTimer: LongTimeout | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private maxTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly running = new Set<Promise<void>>();
  private stopped = new AbortController();
  private readonly now: () => number;
  private alerts: AlertsConfig | undefined;
  private leaseState: LeaseState | null = null;
  private readonly deliveryListeners = new Set<() => void>();
  /** Each database's status as this process's last sending round saw it (databaseChanges). */
  private databaseStatus = new Map<string, Status>();

  constructor(private readonly options: AlertServiceOptions) {
    this.now = options.now ?? Date.now;
    this.alerts = options.engine.currentConfig.alerts;
    options.dispatcher.configure(this.alerts);
    options.heartbeat?.configure(this.alerts?.heartbeat);
  }

  /** Who sends, for a status line: "alerts sent by this process", or who does and until when; null without a lease. */
  senderStatus(): string | null {
    return this.leaseState ? describeLease(this.leaseState, this.now()) : null;
  }

  start(): void {
    if (this.unsubscribe) return;
    this.stopped = new AbortController();
    this.unsubscribe = this.options.engine.subscribe((event) => this.onEvent(event));
    if (this.options.lease) {
      this.renewLease();
      this.scheduleLeaseRenewal();
    }
  }

  /** No more rounds; those under way stop retrying (what was attempted is recorded). */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    this.quietTimer = this.maxTimer = undefined;
    this.leaseTimer?.clear();
    this.leaseTimer = undefined;
    this.changes = [];
    this.unsent.clear();
    this.stopped.abort();
    if (this.options.lease && this.leaseState?.held) this.options.lease.lease.release(this.options.lease.holder);
    this.leaseState = null;
  }

  /** The channels that stopped delivering, as findings for the overview, the tray and the CLI. */
  failingChannels(): ChannelFailureFinding[] {
    return this.options.dispatcher.failingChannels(this.now());
  }

  /** The settings page's "Send a test alert": one attempt through the channel as the config in force has it. */
  async testChannel(channelId: string): Promise<TestResult> {
    this.syncConfig();
    const result = await this.options.dispatcher.testChannel(channelId, this.stopped.signal);
    if (result.ok) this.tellDeliveries();
    return result;
  }

  /** A channel's newest recorded attempt (the heartbeat's under HEARTBEAT_CHANNEL_ID), whichever process made it. */
  lastAttempt(channelId: string): DeliveryAttempt | null {
    return this.options.dispatcher.lastAttempt(channelId);
  }

  /** Called after each round that sent something and after each test: channel states may have changed. */
  onDeliveries(listener: () => void): () => void {
    this.deliveryListeners.add(listener);
    return () => this.deliveryListeners.delete(listener);
  }

  /** Resolves when every round begun so far is done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Ends the round now (a shutdown that still wants what changed sent, tests). */
  flush(): void {
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    this.quietTimer = this.maxTimer = undefined;
    const changes = this.changes.splice(0);
    const round = this.round(changes).finally(() => this.running.delete(round));
    this.running.add(round);
  }

  /** Whether this round may send: takes or renews the lease (the timer renews it between rounds too). */
  private maySend(): boolean {
    return !this.options.lease || this.renewLease();
  }

  /** Takes or renews the lease; false when another process holds it, or the file stayed locked. */
  private renewLease(): boolean {
    const { lease, holder } = this.options.lease!;
    try {
      this.leaseState = lease.tryAcquire(holder, this.now(), this.options.leaseMs ?? LEASE_MS);
    } catch {
      // The file stayed locked past its busy timeout: quiet until the next try rather than maybe send twice.
      return false;
    }
    return this.leaseState.held;
  }

  /**
   * Every third of the lease: the holder keeps it while alive however long its poll interval, and a quiet process
   * takes it within a lease of the holder's last renewal when the holder is gone. Taking it over sends at once
   * what the holder had not told (the changes heard meanwhile, what moved since its record).
   */
  private scheduleLeaseRenewal(): void {
    this.leaseTimer = longTimeout(() => {
      if (!this.unsubscribe) return;
      const wasQuiet = this.leaseState !== null && !this.leaseState.held;
      if (this.renewLease() && wasQuiet) this.flush();
      this.scheduleLeaseRenewal();
    }, (this.options.leaseMs ?? LEASE_MS) / 3).unref();
  }

  private onEvent(event: EngineEvent): void {
    if (event.type === 'status') {
      const { sourceId, from, to, findings, at } = event.event;
      this.changes.push({ sourceId, from, to, findings, at });
    } else if (event.type !== 'poll') {
      return;
    }
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.flush(), this.options.quietMs ?? ROUND_QUIET_MS);
    this.quietTimer.unref();
    if (!this.maxTimer) {
      this.maxTimer = setTimeout(() => this.flush(), this.options.maxMs ?? ROUND_MAX_MS);
      this.maxTimer.unref();
    }
  }

  private syncConfig(): void {
    const alerts = this.options.engine.currentConfig.alerts;
    if (alerts !== this.alerts) {
      this.alerts = alerts;
      this.options.dispatcher.configure(alerts);
      this.options.heartbeat?.configure(alerts?.heartbeat);
    }
  }

  /**
   * A quiet round's changes, one per source (from its first, to its last: what the channel would be told), kept
   * for the round this process sends again; the record in the history drops what the holder told meanwhile.
   */
  private keepUnsent(changes: readonly RoundChange[]): void {
    if (this.stopped.signal.aborted) return;
    for (const change of changes) {
      const kept = this.unsent.get(change.sourceId);
      this.unsent.set(change.sourceId, kept ? { ...change, from: kept.from } : change);
    }
  }

  /**
   * Databases have no stored status events: their changes are what moved since this process's last sending round
   * (from null the first time: told against each channel's record, so a restart repeats nothing).
   */
  private databaseChanges(databases: RoundContext['sources']): RoundChange[] {
    const changes: RoundChange[] = [];
    const at = this.now();
    for (const [id, facts] of Object.entries(databases)) {
      const to = facts.status ?? 'unknown';
      const from = this.databaseStatus.get(id) ?? null;
      if (from !== to) changes.push({ sourceId: id, from, to, findings: facts.findings ?? [], at });
    }
    this.databaseStatus = new Map(Object.entries(databases).map(([id, facts]) => [id, facts.status ?? 'unknown']));
    return changes;
  }

  private tellDeliveries(): void {
    for (const listener of this.deliveryListeners) {
      try {
        listener();
      } catch {
        // a listener's bug must not stop the others or the round
      }
    }
  }

  private async round(heard: RoundChange[]): Promise<void> {
    this.syncConfig();
    if (!this.maySend()) {
      this.keepUnsent(heard);
      return;
    }
    const engine = this.options.engine;
    const sourceEntries = Object.fromEntries(engine.summaries().map((s) => [s.id, { name: s.name, status: s.status, findings: s.findings, databases: engine.databasesOf(s.id) }]));
    const databases = databaseEntries(engine.databases?.() ?? []);
    const sources = { ...sourceEntries, ...databases };
    // Kept while quiet, from before a config change perhaps: a source no longer configured is not news.
    const changes = [...[...this.unsent.values()].filter((change) => change.sourceId in sources), ...heard, ...this.databaseChanges(databases)];
    this.unsent.clear();
    const context: RoundContext = { at: this.now(), sources, ...(this.options.dashboardUrl ? { dashboardUrl: this.options.dashboardUrl } : {}) };
    try {
      // The ping goes at once, beside the alerts: a channel retrying for minutes must not make the monitor look
      // dead. It carries the channels failing as the round began (one found failing now fails the next ping).
      const pinging = this.options.heartbeat?.afterRound({ sources: sourceEntries, failingChannels: this.failingChannels() }, this.stopped.signal);
      const [report, ping] = await Promise.all([this.options.dispatcher.round(changes, context, this.stopped.signal), pinging]);
      this.options.onRound?.(report);
      if (report.sent.length > 0 || report.notices.length > 0 || ping) this.tellDeliveries();
    } catch {
      // Every attempt is recorded as it happens; a bug here must not stop the engine or the next round.
    }
  }
}

/**
 * The databases as a round's entries, beside the sources (RoundContext.sources), each by its alert id: what a
 * channel was last told of it is kept and compared as for a source, so a database that starts missing its
 * objectives, or meets them again, is told once. Only its own findings count: its routines' problems are their
 * sources' news, told once there.
 */
export function databaseEntries(databases: readonly DatabaseSummary[]): RoundContext['sources'] {
  return Object.fromEntries(
    databases.map((d) => [databaseAlertId(d.key), { name: `database ${d.label}`, status: ownStatus(d), findings: d.findings, databases: d.name === null ? [] : [d.name] }]),
  );
}
