// The tray shows the worst status at a glance (the icon file of that status) and lists every source, worst
// first; the Electron adapter applies that state and rebuilds the menu only when it changed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Finding, Status } from '../../shared/model';
import { HOUR, NOW, summary } from './summaries';

vi.mock('electron', async () => (await import('./fake-electron')).electron);
const { FakeTray } = await import('./fake-electron');
const { StatusTray, trayIconFile, trayState } = await import('../../electron/main/tray');

const ICON_DIR = join(process.cwd(), 'build', 'tray');

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): [number, number] {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
  expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('trayState', () => {
  const cases: [Status[], Status][] = [
    [['ok', 'ok'], 'ok'],
    [['ok', 'warning'], 'warning'],
    [['warning', 'unknown', 'ok'], 'unknown'],
    [['ok', 'critical', 'unknown', 'warning'], 'critical'],
  ];
  it.each(cases)('sources %j: the icon is %s', (statuses, worst) => {
    const state = trayState(statuses.map((s, i) => summary(`source-${i}`, s)), NOW);
    expect(state.status).toBe(worst);
    expect(state.iconName).toBe(worst);
    const file = trayIconFile(ICON_DIR, state.iconName);
    expect(file).toBe(join(ICON_DIR, `${worst}.png`));
    expect(pngSize(file)).toEqual([16, 16]);
    expect(pngSize(file.replace(/\.png$/, '@2x.png'))).toEqual([32, 32]);
  });

  it('no sources: unknown (never green for nothing), and a hint to add one', () => {
    const state = trayState([], NOW);
    expect(state.iconName).toBe('unknown');
    expect(state.tooltip).toBe('Backup Health: no sources yet');
    expect(state.menu[0]).toEqual({ kind: 'notice', label: 'No sources yet: add one in the dashboard' });
    expect(state.menu.find((i) => i.kind === 'poll-now')).toMatchObject({ enabled: false });
  });

  it('lists every source, worst first, with its status and newest backup age, then the actions', () => {
    const state = trayState(
      [
        summary('orders-db', 'ok', { kind: 'postgres', newestBackup: null, lastPollAt: NOW - 2 * 60_000 }),
        summary('orders-dumps', 'critical', { newestBackup: { key: 'k', finishedAt: NOW - 3 * 24 * HOUR - 4 * HOUR, sizeBytes: 10, readable: true } }),
        summary('billing-dumps', 'ok'),
        summary('new-dumps', 'unknown', { newestBackup: null, lastPollAt: null }),
      ],
      NOW,
      { launchAtLogin: true },
    );
    expect(state.tooltip).toBe('Backup Health: 1 critical, 1 unknown, 2 ok');
    expect(state.menu.map((i) => ('label' in i ? i.label : '---'))).toEqual([
      '● orders-dumps — critical — newest backup 3d ago',
      '● new-dumps — unknown — not polled yet',
      '● billing-dumps — ok — newest backup 5h ago',
      '● orders-db — ok — checked 2m ago',
      '---',
      'Poll now',
      'Open dashboard',
      '---',
      'Launch at login',
      'Quit Backup Health',
    ]);
    expect(state.menu.find((i) => i.kind === 'launch-at-login')).toMatchObject({ checked: true });
    expect(state.menu[0]).toMatchObject({ kind: 'source', id: 'orders-dumps' });
  });

  it('a broken config file says so instead of "no sources yet"', () => {
    const state = trayState([], NOW, { launchAtLogin: false, configProblems: 2 });
    expect(state.tooltip).toBe('Backup Health: the config file has 2 problems');
    expect(state.menu[0]).toMatchObject({ kind: 'notice', label: '⚠ The config file has 2 problems; no sources are checked' });
  });

  it('a failing alert channel turns the tray critical and is the first line of the menu, with the sources after it', () => {
    const failing = { message: 'e-mail alerts to ops@example.com are failing: 550 5.7.1 rejected by DMARC policy; 3 alerts undelivered since 02:10' };
    const state = trayState([summary('a', 'ok')], NOW, { launchAtLogin: false, failingChannels: [failing] });
    expect(state).toMatchObject({ status: 'critical', iconName: 'critical', tooltip: 'Backup Health: 1 ok; 1 alert channel failing' });
    expect(state.menu.slice(0, 2)).toEqual([
      { kind: 'notice', label: `⚠ ${failing.message}` },
      expect.objectContaining({ kind: 'source', id: 'a', status: 'ok' }),
    ]);
    expect(trayState([summary('a', 'ok')], NOW, { launchAtLogin: false, failingChannels: [] }).status).toBe('ok');
  });

  it('while polling, Poll now is disabled and says so', () => {
    const state = trayState([summary('a', 'ok')], NOW, { launchAtLogin: false, polling: true });
    expect(state.menu.find((i) => i.kind === 'poll-now')).toEqual({ kind: 'poll-now', label: 'Polling…', enabled: false });
  });
});

describe('trayState with databases', () => {
  const database = (key: string, label: string, findings: Finding[] = []) => ({ key, label, findings });
  const missed: Finding = { rule: 'database-objectives', status: 'critical', message: 'orders on orders-db misses its recovery objectives: no drill has ever restored it (drillAge 8d)' };
  const unheld: Finding = { rule: 'database-coverage', status: 'warning', message: 'no backup holds crm on orders-db: …' };

  it('a database missing its objectives makes the tray critical with every source ok, listed first, and counted', () => {
    const state = trayState([summary('orders-dumps', 'ok'), summary('orders-db', 'ok')], NOW, {
      launchAtLogin: false,
      databases: [database('orders-db/orders', 'orders on orders-db', [missed]), database('orders-db/crm', 'crm on orders-db', [unheld]), database('orders-db/shop', 'shop on orders-db')],
    });
    expect(state.status).toBe('critical');
    expect(state.iconName).toBe('critical');
    expect(state.tooltip).toBe('Backup Health: 2 ok; 1 database critical; 1 database warning');
    expect(state.menu.slice(0, 2)).toEqual([
      { kind: 'database', key: 'orders-db/orders', status: 'critical', label: '● orders on orders-db — critical — misses its recovery objectives' },
      { kind: 'database', key: 'orders-db/crm', status: 'warning', label: '● crm on orders-db — warning — no backup holds it' },
    ]);
    // a database whose own findings are fine is not listed: its routines are, as sources
    expect(state.menu.some((i) => i.kind === 'database' && i.key === 'orders-db/shop')).toBe(false);
  });

  it('no sources stays unknown, whatever is known of databases', () => {
    expect(trayState([], NOW, { launchAtLogin: false, databases: [] }).status).toBe('unknown');
  });
});

describe('StatusTray (the Electron adapter)', () => {
  const actions = { openSource: vi.fn(), openDatabase: vi.fn(), openDashboard: vi.fn(), pollNow: vi.fn(), setLaunchAtLogin: vi.fn(), quit: vi.fn() };
  beforeEach(() => {
    FakeTray.instances.length = 0;
    for (const fn of Object.values(actions)) fn.mockClear();
  });

  it('follows the worst status with the icon file, and the menu lists the sources', () => {
    const tray = new StatusTray(ICON_DIR, actions, trayState([summary('orders-dumps', 'ok')], NOW));
    const fake = FakeTray.instances[0]!;
    expect(fake.image.path).toBe(join(ICON_DIR, 'ok.png'));
    expect(fake.tooltip).toBe('Backup Health: 1 ok');

    tray.show(trayState([summary('orders-dumps', 'critical'), summary('orders-db', 'warning')], NOW));
    expect(fake.image.path).toBe(join(ICON_DIR, 'critical.png'));
    expect(fake.tooltip).toBe('Backup Health: 1 critical, 1 warning');
    const labels = fake.menu!.items.map((i) => i.label ?? i.type);
    expect(labels.slice(0, 2)).toEqual(['● orders-dumps — critical — newest backup 5h ago', '● orders-db — warning — newest backup 5h ago']);

    tray.show(trayState([summary('orders-dumps', 'unknown')], NOW));
    expect(fake.image.path).toBe(join(ICON_DIR, 'unknown.png'));
    tray.show(trayState([summary('orders-dumps', 'warning')], NOW));
    expect(fake.image.path).toBe(join(ICON_DIR, 'warning.png'));
  });

  it('menu items do what they say', () => {
    new StatusTray(ICON_DIR, actions, trayState([summary('orders-dumps', 'critical')], NOW, { launchAtLogin: false }));
    const items = FakeTray.instances[0]!.menu!.items;
    const byLabel = (label: string) => items.find((i) => i.label?.startsWith(label))!;
    byLabel('● orders-dumps').click!({ checked: false });
    expect(actions.openSource).toHaveBeenCalledWith('orders-dumps');
    const withDatabase = trayState([summary('orders-dumps', 'ok')], NOW, { launchAtLogin: false, databases: [{ key: 'orders-db/orders', label: 'orders on orders-db', findings: [{ rule: 'database-objectives', status: 'critical', message: 'x' }] }] });
    new StatusTray(ICON_DIR, actions, withDatabase);
    FakeTray.instances.at(-1)!.menu!.items.find((i) => i.label?.startsWith('● orders on orders-db'))!.click!({ checked: false });
    expect(actions.openDatabase).toHaveBeenCalledWith('orders-db/orders');
    byLabel('Poll now').click!({ checked: false });
    expect(actions.pollNow).toHaveBeenCalledOnce();
    byLabel('Open dashboard').click!({ checked: false });
    expect(actions.openDashboard).toHaveBeenCalledOnce();
    const launch = byLabel('Launch at login');
    expect(launch).toMatchObject({ type: 'checkbox', checked: false });
    launch.click!({ checked: true });
    expect(actions.setLaunchAtLogin).toHaveBeenCalledWith(true);
    byLabel('Quit').click!({ checked: false });
    expect(actions.quit).toHaveBeenCalledOnce();
  });

  it('an unchanged state does not rebuild the menu', () => {
    const tray = new StatusTray(ICON_DIR, actions, trayState([summary('a', 'ok')], NOW));
    const fake = FakeTray.instances[0]!;
    const first = fake.menu;
    tray.show(trayState([summary('a', 'ok')], NOW));
    expect(fake.menu).toBe(first);
    tray.show(trayState([summary('a', 'warning')], NOW));
    expect(fake.menu).not.toBe(first);
  });
});
