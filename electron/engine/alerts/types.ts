// What the alerting pieces pass each other: a poll round's status changes in, one Alert per channel out, and a
// DeliveryResult per attempt. Plain data, no I/O: the engine builds StatusChanges, the senders carry Alerts.
import type { Finding, Status } from '../../../shared/model';

/** A source's status changed in a poll round; `from` is null the first time a source is judged. */
export interface StatusChange {
  sourceId: string;
  from: Status | null;
  to: Status;
  findings: Finding[];
}

/** What the engine knows about each configured source when a round ends. */
export interface SourceFacts {
  name: string;
  /** Databases the source holds or backs up, for a channel's `databases` filter. */
  databases?: readonly string[];
  /** Its status now, with its findings: reminders are built from it for sources that did not change. */
  status?: Status;
  findings?: Finding[];
}

export interface RoundContext {
  /** When the round ended (ms since the epoch). */
  at: number;
  /** Every configured source by id. */
  sources: Readonly<Record<string, SourceFacts>>;
  /** The dashboard's address as people reach it (overrides alerts.dashboardUrl); alerts link each source there. */
  dashboardUrl?: string;
}

/** Why a source is in an alert. */
export type AlertReason = 'problem' | 'changed' | 'recovered' | 'reminder';

export interface AlertItem {
  sourceId: string;
  sourceName: string;
  reason: AlertReason;
  from: Status | null;
  to: Status;
  /** The findings at or above warning, worst first. */
  findings: Finding[];
  /** The source's page on the dashboard, when its address is configured. */
  link?: string;
}

/** A channel that stopped delivering, for the notice sent through the others. */
export interface ChannelFailureNotice {
  channelId: string;
  /** "e-mail alerts to ops@example.com are failing" */
  summary: string;
  /** The finding's sentence, with the reason, the count and since when. */
  message: string;
}

export type AlertPurpose = 'status' | 'channel-failing' | 'test';

/** One message to one channel: everything a round has to say, worst first. */
export interface Alert {
  purpose: AlertPurpose;
  at: number;
  /** The worst status in it (a recovery-only alert is ok). */
  status: Status;
  /** One line: a mail subject, a notification title. */
  title: string;
  /** The whole message in words, one block per source. */
  text: string;
  items: AlertItem[];
  channelFailures: ChannelFailureNotice[];
}

/**
 * One attempt's outcome. Never a response body (it may echo a token back), never a secret: `reply` is an SMTP
 * reply or a command's first stderr line, `error` says what went wrong in words.
 */
export interface DeliveryResult {
  ok: boolean;
  /** HTTP status of the answer. */
  httpStatus?: number;
  /** SMTP reply code, or a command's exit code. */
  replyCode?: number;
  /** SMTP reply text ("550 5.7.1 rejected by DMARC policy"), or a command's first line of stderr. */
  reply?: string;
  error?: string;
  /** Trying again may help (a timeout, a 5xx or 429 answer, SMTP 4xx); a 4xx answer or SMTP 5xx will not. */
  retryable: boolean;
  durationMs: number;
}

export interface Sender {
  /** Where alerts go, safe to show: "ops@example.com", "hooks.example.com", "page-oncall". */
  readonly target: string;
  send(alert: Alert, signal?: AbortSignal): Promise<DeliveryResult>;
}

/** Time for retries and reminders; tests pass one they move by hand. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** One attempt as the delivery log keeps it: what was sent and what came back, no body, no secret. */
export interface DeliveryAttempt {
  id?: number;
  channelId: string;
  /** The attempts at one alert share it. */
  alertKey: string;
  purpose: AlertPurpose;
  /** When the attempt started. */
  at: number;
  /** 1 for the first try. */
  attempt: number;
  /** Delivered, or the last try (given up). */
  final: boolean;
  /** The alert's title and worst status, and how many sources it named. */
  title: string;
  status: import('../../../shared/model').Status;
  sources: number;
  result: DeliveryResult;
}

/** Where attempts are kept (store/deliveries.ts over the history file). */
export interface DeliveryLog {
  record(attempt: DeliveryAttempt): void;
  /** The channel's failure since it last delivered, or null when its last alert went through. */
  channelFailure(channelId: string): import('./channel-failure').ChannelFailure | null;
  /** Newest first: one channel's attempts, or every channel's. */
  recent(opts?: { channelId?: string; since?: number; limit?: number }): DeliveryAttempt[];
}
