// The tray: its icon, tooltip and menu are a pure function of the sources' summaries and the databases (trayState), and a thin
// adapter puts that on an Electron Tray, rebuilt whenever a poll or a status change arrives.
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import { join } from 'node:path';
import { STATUS_SEVERITY, worstStatus, type SourceSummary, type Status } from '../../shared/model';
import { ownStatus, type DatabaseSummary } from '../../shared/databases';
import { formatDuration } from '../../shared/units';

export type TrayIconName = Status;

export type TrayMenuItem =
  | { kind: 'source'; id: string; status: Status; label: string }
  /** A database whose own findings are not ok (objectives missed, nothing holds it). */
  | { kind: 'database'; key: string; status: Status; label: string }
  | { kind: 'notice'; label: string }
  | { kind: 'separator' }
  | { kind: 'poll-now'; label: string; enabled: boolean }
  | { kind: 'open-dashboard'; label: string }
  | { kind: 'launch-at-login'; label: string; checked: boolean }
  | { kind: 'quit'; label: string };

export interface TrayState {
  /** The worst status; unknown when nothing is monitored (never green for nothing). */
  status: Status;
  iconName: TrayIconName;
  tooltip: string;
  menu: TrayMenuItem[];
}

export interface TrayContext {
  launchAtLogin: boolean;
  /** A "Poll now" is under way. */
  polling?: boolean;
  /** Problems of a config file that could not be loaded (the app runs with no sources until it is fixed). */
  configProblems?: number;
  /** Alert channels that stopped delivering (their alert-delivery findings): critical, whatever the sources say. */
  failingChannels?: readonly { message: string }[];
  /** Every database (the engine's databases view): those whose own findings are not ok show, and count. */
  databases?: readonly Pick<DatabaseSummary, 'key' | 'label' | 'findings'>[];
}

const ORDER: Status[] = ['critical', 'unknown', 'warning', 'ok'];

export function trayState(summaries: SourceSummary[], now: number, context: TrayContext = { launchAtLogin: false }): TrayState {
  const sorted = [...summaries].sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status] || a.name.localeCompare(b.name));
  const failing = context.failingChannels ?? [];
  const troubled = (context.databases ?? [])
    .map((d) => ({ database: d, status: ownStatus(d) }))
    .filter((d) => d.status !== 'ok')
    .sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status] || a.database.label.localeCompare(b.database.label));
  // Alerts that do not arrive are as bad as a failed backup: nobody hears of the next one.
  const status: Status = failing.length > 0 ? 'critical' : sorted.length === 0 ? 'unknown' : worstStatus([sorted[0]!.status, ...troubled.map((d) => d.status)]);
  const menu: TrayMenuItem[] = failing.map((finding) => ({ kind: 'notice', label: `⚠ ${finding.message}` }));
  const problems = context.configProblems ?? 0;
  if (problems > 0) menu.push({ kind: 'notice', label: `⚠ The config file has ${plural(problems, 'problem')}; no sources are checked` });
  else if (sorted.length === 0) menu.push({ kind: 'notice', label: 'No sources yet: add one in the dashboard' });
  for (const { database, status: own } of troubled) menu.push({ kind: 'database', key: database.key, status: own, label: `● ${database.label} — ${own} — ${databaseTrouble(database)}` });
  for (const summary of sorted) menu.push({ kind: 'source', id: summary.id, status: summary.status, label: sourceLabel(summary, now) });
  menu.push(
    { kind: 'separator' },
    { kind: 'poll-now', label: context.polling ? 'Polling…' : 'Poll now', enabled: !context.polling && sorted.length > 0 },
    { kind: 'open-dashboard', label: 'Open dashboard' },
    { kind: 'separator' },
    { kind: 'launch-at-login', label: 'Launch at login', checked: context.launchAtLogin },
    { kind: 'quit', label: 'Quit Backup Health' },
  );
  const channels = failing.length > 0 ? `; ${plural(failing.length, 'alert channel')} failing` : '';
  const databases = ORDER.map((s) => [s, troubled.filter((d) => d.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `; ${plural(n, 'database')} ${s}`)
    .join('');
  return { status, iconName: status, tooltip: `${tooltip(sorted, problems)}${databases}${channels}`, menu };
}

/** A menu line's few words for a database's worst own finding. */
function databaseTrouble(database: Pick<DatabaseSummary, 'findings'>): string {
  const worst = [...database.findings].sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status])[0];
  return worst?.rule === 'database-coverage' ? 'no backup holds it' : 'misses its recovery objectives';
}

/** "● orders-dumps — critical — newest backup 3d ago" */
export function sourceLabel(summary: SourceSummary, now: number): string {
  return `● ${summary.name} — ${summary.status} — ${lastSeen(summary, now)}`;
}

function lastSeen(summary: SourceSummary, now: number): string {
  if (summary.newestBackup) return `newest backup ${ago(now - summary.newestBackup.finishedAt)}`;
  if (summary.lastPollAt === null) return 'not polled yet';
  if (summary.kind === 'postgres') return `checked ${ago(now - summary.lastPollAt)}`;
  return 'no backups found';
}

function ago(ms: number): string {
  // "3d 4h" is too much for a menu line: the largest unit says enough.
  return ms < 60_000 ? 'just now' : `${formatDuration(ms).split(' ')[0]} ago`;
}

/** "Backup Health: 1 critical, 2 ok" */
function tooltip(sorted: SourceSummary[], problems: number): string {
  if (problems > 0) return `Backup Health: the config file has ${plural(problems, 'problem')}`;
  if (sorted.length === 0) return 'Backup Health: no sources yet';
  const counts = ORDER.map((status) => [status, sorted.filter((s) => s.status === status).length] as const).filter(([, n]) => n > 0);
  return `Backup Health: ${counts.map(([status, n]) => `${n} ${status}`).join(', ')}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------------------------------------------------
// The adapter

export interface TrayActions {
  openSource(id: string): void;
  openDatabase(key: string): void;
  openDashboard(): void;
  pollNow(): void;
  setLaunchAtLogin(enabled: boolean): void;
  quit(): void;
}

/** build/tray/<status>.png (16 px, with <status>@2x.png beside it for HiDPI screens). */
export function trayIconFile(iconDir: string, name: TrayIconName): string {
  return join(iconDir, `${name}.png`);
}

export class StatusTray {
  private readonly tray: Tray;
  private icon: TrayIconName;
  private applied = '';

  constructor(
    private readonly iconDir: string,
    private readonly actions: TrayActions,
    initial: TrayState,
  ) {
    this.icon = initial.iconName;
    this.tray = new Tray(nativeImage.createFromPath(trayIconFile(iconDir, initial.iconName)));
    // Windows and macOS: a click on the icon opens the dashboard (Linux shows the menu).
    this.tray.on('click', () => actions.openDashboard());
    this.show(initial);
  }

  /** Applies a state; an unchanged one is not rebuilt. */
  show(state: TrayState): void {
    const key = JSON.stringify(state);
    if (key === this.applied) return;
    this.applied = key;
    if (state.iconName !== this.icon) {
      this.icon = state.iconName;
      this.tray.setImage(nativeImage.createFromPath(trayIconFile(this.iconDir, state.iconName)));
    }
    this.tray.setToolTip(state.tooltip);
    this.tray.setContextMenu(Menu.buildFromTemplate(state.menu.map((item) => this.menuItem(item))));
  }

  destroy(): void {
    this.tray.destroy();
  }

  private menuItem(item: TrayMenuItem): MenuItemConstructorOptions {
    switch (item.kind) {
      case 'source':
        return { label: item.label, click: () => this.actions.openSource(item.id) };
      case 'database':
        return { label: item.label, click: () => this.actions.openDatabase(item.key) };
      case 'notice':
        return { label: item.label, click: () => this.actions.openDashboard() };
      case 'separator':
        return { type: 'separator' };
      case 'poll-now':
        return { label: item.label, enabled: item.enabled, click: () => this.actions.pollNow() };
      case 'open-dashboard':
        return { label: item.label, click: () => this.actions.openDashboard() };
      case 'launch-at-login':
        return { label: item.label, type: 'checkbox', checked: item.checked, click: (menuItem) => this.actions.setLaunchAtLogin(menuItem.checked) };
      case 'quit':
        return { label: item.label, click: () => this.actions.quit() };
    }
  }
}
