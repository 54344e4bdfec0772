// A notification only when a source gets worse or recovers; never for a source's first status; several changes
// in one poll round make one notification. Last, the real engine on real dump directories.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiEvent } from '../../shared/api';
import { validateConfig } from '../../shared/config';
import type { Status, StatusEvent } from '../../shared/model';
import { Engine } from '../../electron/engine/engine';
import { History } from '../../electron/engine/store/history';
import { writePlainDump } from '../support/plain-dump';
import { HOUR, NOW } from './summaries';

vi.mock('electron', async () => (await import('./fake-electron')).electron);
const { FakeNotification } = await import('./fake-electron');
const { isNotableChange, planNotification, showNotification, StatusNotifier } = await import('../../electron/main/notifier');

const nameOf = (id: string) => id;

function change(sourceId: string, from: Status | null, to: Status, message = `${sourceId} is ${to}`): StatusEvent {
  return { at: NOW, sourceId, from, to, findings: to === 'ok' ? [] : [{ rule: 'backup-age', status: to, message }] };
}

const statusEvent = (event: StatusEvent): ApiEvent => ({ type: 'status', event });

describe('isNotableChange', () => {
  it.each([
    [null, 'ok', false],
    [null, 'critical', false],
    ['ok', 'ok', false],
    ['ok', 'warning', true],
    ['ok', 'critical', true],
    ['ok', 'unknown', true],
    ['warning', 'critical', true],
    ['warning', 'ok', true],
    ['critical', 'ok', true],
    ['unknown', 'ok', true],
    ['critical', 'warning', false],
    ['critical', 'unknown', false],
  ] as const)('%s -> %s: %s', (from, to, notable) => {
    expect(isNotableChange(from, to)).toBe(notable);
  });
});

describe('planNotification', () => {
  it('never for the first status a source gets', () => {
    expect(planNotification([change('orders-dumps', null, 'critical'), change('orders-db', null, 'ok')], nameOf)).toBeNull();
  });

  it('one source got worse: names it, says why, opens it', () => {
    expect(planNotification([change('orders-dumps', 'ok', 'critical', 'the newest backup is 3d old (maxAge 26h)')], nameOf)).toEqual({
      title: 'orders-dumps is critical',
      body: 'the newest backup is 3d old (maxAge 26h)',
      sourceId: 'orders-dumps',
    });
  });

  it('a recovery to ok', () => {
    expect(planNotification([change('orders-dumps', 'critical', 'ok')], (id) => (id === 'orders-dumps' ? 'Orders dumps' : id))).toEqual({
      title: 'Orders dumps recovered',
      body: 'All checks pass again (it was critical).',
      sourceId: 'orders-dumps',
    });
  });

  it('several changes in one round: one notification listing them, worst first, opening the worst', () => {
    const notice = planNotification(
      [change('billing-dumps', 'critical', 'ok'), change('orders-db', 'ok', 'warning'), change('orders-dumps', 'ok', 'critical'), change('new-one', null, 'critical')],
      nameOf,
    );
    expect(notice).toEqual({
      title: '2 sources got worse, 1 recovered',
      body: 'orders-dumps: ok → critical\norders-db: ok → warning\nbilling-dumps: critical → ok',
      sourceId: 'orders-dumps',
    });
  });

  it('a source that went and came back within the round is not news', () => {
    expect(planNotification([change('a', 'ok', 'critical'), change('a', 'critical', 'ok')], nameOf)).toBeNull();
    expect(planNotification([change('a', 'ok', 'warning'), change('a', 'warning', 'critical')], nameOf)).toMatchObject({ title: 'a is critical' });
  });

  it('many changes: five lines and a count of the rest', () => {
    const notice = planNotification(Array.from({ length: 7 }, (_, i) => change(`s${i}`, 'ok', 'critical')), nameOf)!;
    expect(notice.title).toBe('7 sources got worse');
    expect(notice.body.split('\n')).toHaveLength(6);
    expect(notice.body.split('\n').at(-1)).toBe('… and 2 more');
  });
});

describe('StatusNotifier', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('collects the changes of one round into one notice; a later round gets its own', () => {
    const show = vi.fn();
    const notifier = new StatusNotifier(show, nameOf, 2000);
    notifier.onEvent({ type: 'poll', summary: {} as never });
    notifier.onEvent(statusEvent(change('a', 'ok', 'critical')));
    vi.advanceTimersByTime(500);
    notifier.onEvent(statusEvent(change('b', 'ok', 'warning')));
    expect(show).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1500);
    expect(show).toHaveBeenCalledOnce();
    expect(show.mock.calls[0]![0]).toMatchObject({ title: '2 sources got worse', sourceId: 'a' });

    notifier.onEvent(statusEvent(change('a', 'critical', 'ok')));
    vi.advanceTimersByTime(2000);
    expect(show).toHaveBeenCalledTimes(2);
    expect(show.mock.calls[1]![0]).toMatchObject({ title: 'a recovered' });
  });

  it('a database whose own findings get worse is a notice of its own, named by its label; seen first, nothing', () => {
    const show = vi.fn();
    const notifier = new StatusNotifier(show, nameOf, 2000);
    const orders = (findings: StatusEvent['findings']) => [{ key: 'orders-db/orders', label: 'orders on orders-db', findings }];
    notifier.onDatabases(orders([]));
    vi.advanceTimersByTime(5000);
    expect(show).not.toHaveBeenCalled();
    const missed = { rule: 'database-objectives' as const, status: 'critical' as const, message: 'orders on orders-db misses its recovery objectives: no drill has ever restored it (drillAge 8d)' };
    notifier.onDatabases(orders([missed]));
    notifier.onDatabases(orders([missed])); // the same again: no second change
    vi.advanceTimersByTime(2000);
    expect(show).toHaveBeenCalledOnce();
    expect(show.mock.calls[0]![0]).toEqual({ title: 'database orders on orders-db is critical', body: missed.message, sourceId: 'database:orders-db/orders' });
    notifier.onDatabases(orders([]));
    vi.advanceTimersByTime(2000);
    expect(show.mock.calls[1]![0]).toMatchObject({ title: 'database orders on orders-db recovered' });
  });

  it('a round of first statuses only shows nothing', () => {
    const show = vi.fn();
    const notifier = new StatusNotifier(show, nameOf, 2000);
    notifier.onEvent(statusEvent(change('a', null, 'critical')));
    vi.advanceTimersByTime(5000);
    expect(show).not.toHaveBeenCalled();
  });
});

describe('showNotification (the Electron adapter)', () => {
  it('shows a desktop notification; clicking it runs the action', () => {
    FakeNotification.instances.length = 0;
    const onClick = vi.fn();
    showNotification({ title: 'orders-dumps is critical', body: 'why' }, onClick);
    const [notification] = FakeNotification.instances;
    expect(notification).toMatchObject({ shown: true, options: { title: 'orders-dumps is critical', body: 'why' } });
    notification!.emit('click');
    expect(onClick).toHaveBeenCalledOnce();
  });
});

describe('with the real engine', () => {
  const root = mkdtempSync(join(tmpdir(), 'backup-health-notifier-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('first polls: nothing; repeat: nothing; two sources broken in one pollAll: one notification', async () => {
    const dirs = ['orders-dumps', 'billing-dumps'].map((id) => {
      const dir = join(root, id);
      mkdirSync(dir);
      writePlainDump(dir, 'a.sql', 2 * HOUR);
      return { id, dir };
    });
    const parsed = validateConfig({ sources: dirs.map(({ id, dir }) => ({ id, kind: 'dump-dir', path: dir, settle: '0s', maxAge: '26h' })) });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const store = History.open(join(root, 'history.sqlite'));
    const engine = new Engine({ config: parsed.config, store });
    const notices: unknown[] = [];
    const notifier = new StatusNotifier((notice) => notices.push(notice), nameOf, 50);
    engine.subscribe((event) => notifier.onEvent(event));
    const round = async () => {
      await engine.pollAll();
      await new Promise((resolve) => setTimeout(resolve, 100));
    };
    try {
      await round();
      expect(notices).toEqual([]);
      await round();
      expect(notices).toEqual([]);
      for (const { dir } of dirs) writeFileSync(join(dir, 'b.sql'), ''); // tonight's dumps: zero bytes
      await round();
      expect(notices).toEqual([{ title: '2 sources got worse', body: 'billing-dumps: ok → critical\norders-dumps: ok → critical', sourceId: 'billing-dumps' }]);
      await round();
      expect(notices).toHaveLength(1);
    } finally {
      notifier.dispose();
      store.close();
    }
  });
});
