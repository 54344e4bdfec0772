// Desktop notifications: one per change worth knowing, one for several changes in one poll round. What to say
// is a pure function of the status events (planNotification); the classes around it only wait out the round
// and show an Electron Notification.
import { Notification } from 'electron';
import type { ApiEvent } from '../../shared/api';
import { STATUS_SEVERITY, type Status, type StatusEvent } from '../../shared/model';
import { databaseAlertId, ownStatus, type DatabaseSummary } from '../../shared/databases';

export interface Notice {
  title: string;
  body: string;
  /** The source a click opens: the worst of them (a database's alert id, shared/databases.ts, for a database). */
  sourceId: string;
}

/** Worse, or back to ok. Never a source's first status (from null), never a non-change, never "less bad". */
export function isNotableChange(from: Status | null, to: Status): boolean {
  if (from === null || from === to) return false;
  return to === 'ok' || STATUS_SEVERITY[to] > STATUS_SEVERITY[from];
}

interface Change {
  sourceId: string;
  from: Status | null;
  to: Status;
  findings: StatusEvent['findings'];
}

const MAX_LINES = 5;

/** The notification for the status events of one poll round, or null when none of them is worth one. */
export function planNotification(events: StatusEvent[], nameOf: (sourceId: string) => string): Notice | null {
  // A source that changed twice in the round counts once, from where it was to where it ended up.
  const bySource = new Map<string, Change>();
  for (const event of events) {
    const earlier = bySource.get(event.sourceId);
    bySource.set(event.sourceId, { sourceId: event.sourceId, from: earlier ? earlier.from : event.from, to: event.to, findings: event.findings });
  }
  const changes = [...bySource.values()]
    .filter((c) => isNotableChange(c.from, c.to))
    .sort((a, b) => Number(a.to === 'ok') - Number(b.to === 'ok') || STATUS_SEVERITY[b.to] - STATUS_SEVERITY[a.to] || nameOf(a.sourceId).localeCompare(nameOf(b.sourceId)));
  const first = changes[0];
  if (!first) return null;
  if (changes.length === 1) return { ...single(first, nameOf(first.sourceId)), sourceId: first.sourceId };
  const worse = changes.filter((c) => c.to !== 'ok').length;
  const recovered = changes.length - worse;
  const title = [worse && `${worse} source${worse === 1 ? '' : 's'} got worse`, recovered && `${recovered} recovered`].filter(Boolean).join(', ');
  const lines = changes.slice(0, MAX_LINES).map((c) => `${nameOf(c.sourceId)}: ${c.from} → ${c.to}`);
  if (changes.length > MAX_LINES) lines.push(`… and ${changes.length - MAX_LINES} more`);
  return { title, body: lines.join('\n'), sourceId: first.sourceId };
}

function single(change: Change, name: string): { title: string; body: string } {
  if (change.to === 'ok') return { title: `${name} recovered`, body: `All checks pass again (it was ${change.from}).` };
  const reason = change.findings.find((f) => f.status === change.to)?.message;
  return { title: `${name} is ${change.to}`, body: reason ?? `It was ${change.from}.` };
}

// ---------------------------------------------------------------------------------------------------------
// The adapters

/** Collects the status events of one poll round (those within `roundMs` of the first) into one notice. */
export class StatusNotifier {
  private pending: StatusEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Each database's own status at the last onDatabases, by alert id, and how to name it. */
  private readonly databaseStatus = new Map<string, Status>();
  private readonly labels = new Map<string, string>();

  constructor(
    private readonly show: (notice: Notice) => void,
    private readonly nameOf: (sourceId: string) => string,
    private readonly roundMs = 2000,
  ) {}

  onEvent(event: ApiEvent): void {
    if (event.type !== 'status') return;
    this.pending.push(event.event);
    this.timer ??= setTimeout(() => this.flush(), this.roundMs);
  }

  /**
   * The databases as they are now (after a poll, a drill, a status change): each whose own findings moved since the
   * last call joins the round as a change of its own (its alert id, shared/databases.ts), named by its label.
   */
  onDatabases(databases: readonly Pick<DatabaseSummary, 'key' | 'label' | 'findings'>[]): void {
    const now = new Map(databases.map((d) => [databaseAlertId(d.key), d]));
    for (const [id, database] of now) {
      const to = ownStatus(database);
      const from = this.databaseStatus.get(id) ?? null;
      this.labels.set(id, `database ${database.label}`);
      if (from === to) continue;
      this.databaseStatus.set(id, to);
      this.pending.push({ at: Date.now(), sourceId: id, from, to, findings: database.findings });
      this.timer ??= setTimeout(() => this.flush(), this.roundMs);
    }
    for (const id of [...this.databaseStatus.keys()]) if (!now.has(id)) this.databaseStatus.delete(id);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const notice = planNotification(this.pending, (id) => this.labels.get(id) ?? this.nameOf(id));
    this.pending = [];
    if (notice) this.show(notice);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }
}

// Electron drops a click handler when its Notification object is garbage collected: keep each until it closes.
const shown = new Set<Notification>();

/** Shows a desktop notification, if the desktop has them; a click on it calls onClick. */
export function showNotification(content: { title: string; body: string }, onClick: () => void): void {
  if (!Notification.isSupported()) return;
  const notification = new Notification({ title: content.title, body: content.body });
  shown.add(notification);
  notification.on('click', () => {
    shown.delete(notification);
    onClick();
  });
  notification.on('close', () => shown.delete(notification));
  notification.show();
}
