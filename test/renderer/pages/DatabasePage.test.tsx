// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { DatabasePage } from '../../../renderer/pages/DatabasePage';
import { fakeBridge } from '../support/fake-bridge';
import { HOUR, ORDERS_KEY, ORDERS_MISSED, databaseDetailFixture } from '../support/fixtures';
import { renderWithBridge } from '../support/render';
import '../support/setup';

async function renderDatabase(bridge = fakeBridge(), key = ORDERS_KEY) {
  renderWithBridge(<DatabasePage databaseKey={key} />, bridge);
  await screen.findByTestId('database-page');
  return bridge;
}

describe('DatabasePage', () => {
  it('shows the summary: status, server, objectives, findings, and each routine linking to its source', async () => {
    const bridge = await renderDatabase();
    expect(bridge.database).toHaveBeenCalledWith({ key: ORDERS_KEY, range: '30d' });
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('orders');
    expect(screen.getByTestId('database-status').textContent).toBe('Critical');
    expect(within(screen.getByTestId('database-server')).getByRole('link', { name: 'Shop server' }).getAttribute('href')).toBe('#/source/shop-db');
    expect(screen.getByTestId('objective-rpo').textContent).toBe('rpo: 1h');
    expect(screen.getByTestId('objective-rto').textContent).toBe('rto: 30m');
    expect(screen.getByTestId('objective-drill-age').textContent).toBe('a drill proves them within 8d');
    expect(within(screen.getByTestId('findings')).getByTestId('finding').textContent).toBe(`Critical ${ORDERS_MISSED}`);
    const routines = screen.getAllByTestId('routine');
    expect(routines.map((r) => within(r).getByRole('link').getAttribute('href'))).toEqual(['#/source/orders-pitr', '#/source/nightly-dumps']);
    expect(routines[0]!.textContent).toContain('the whole cluster');
    expect(within(routines[0]!).getByTestId('routine-last-drill').textContent).toBe(' · last drill failed 1d ago: pg_restore: error: input file is too short');
    expect(routines[1]!.textContent).toContain('dumps of it');
    expect(screen.getByTestId('database-facts').textContent).toBe('Last successful restore: 2d ago from Nightly dumps · took 4m 12s. Best proven recovery point: 5h (Nightly dumps).');
  });

  it('puts every backup and drill on one time axis, a colour per routine named in the legend, drills as pass/fail marks', async () => {
    await renderDatabase();
    const chart = screen.getByTestId('database-timeline-chart');
    expect(chart.getAttribute('data-backups')).toBe('13');
    expect(chart.getAttribute('data-drills')).toBe('5');
    const dots = [...chart.querySelectorAll('circle.backup-mark')];
    expect(dots).toHaveLength(13);
    expect(dots.filter((d) => d.getAttribute('data-source') === 'nightly-dumps').every((d) => d.classList.contains('routine-colour-1'))).toBe(true);
    expect(dots.filter((d) => d.getAttribute('data-source') === 'orders-pitr').map((d) => d.getAttribute('class'))).toEqual(Array(3).fill('backup-mark routine-colour-0'));
    expect(chart.querySelectorAll('circle.backup-unreadable')).toHaveLength(1);
    const drills = [...chart.querySelectorAll('path.drill-mark')];
    expect(drills.map((d) => `${d.getAttribute('data-source')}:${d.getAttribute('data-outcome')}`).sort()).toEqual([
      'nightly-dumps:pass',
      'nightly-dumps:pass',
      'nightly-dumps:pass',
      'orders-pitr:fail',
      'orders-pitr:pass',
    ]);
    expect(chart.querySelectorAll('path.drill-mark.drill-fail')).toHaveLength(1);
    const legend = within(screen.getByTestId('timeline-legend')).getAllByRole('listitem').map((li) => li.textContent);
    expect(legend).toEqual(['Orders PITR backups (3)', 'Nightly dumps backups (10)', 'Drill passed (4)', 'Drill failed (1)']);
    // Lanes are labelled with the routines' names.
    expect(chart.textContent).toContain('Orders PITR');
    expect(screen.getByTestId('timeline-summary').textContent).toBe('13 backups by 2 routines and 5 restore drills in this range; 1 did not pass; 1 unreadable backup (ringed).');
  });

  it('charts the age of its newest backup of any routine, from the backups themselves', async () => {
    await renderDatabase();
    const chart = screen.getByTestId('age-chart');
    // 12 readable backups of either routine: a rise and a drop at each after the first, and now.
    expect(chart.getAttribute('data-points')).toBe(String(databaseDetailFixture(ORDERS_KEY, '30d').ageSeries.length));
    expect(Number(chart.getAttribute('data-points'))).toBe(1 + 11 * 2 + 1);
    expect(chart.querySelectorAll('.recharts-line-curve')).toHaveLength(1);
    expect(chart.getAttribute('data-threshold-ms')).toBeNull();
  });

  it('plots recovery point and restore time per drill against the rpo and rto lines', async () => {
    await renderDatabase();
    const chart = screen.getByTestId('database-recovery-chart');
    expect(chart.getAttribute('data-rpo-ms')).toBe(String(HOUR));
    expect(chart.getAttribute('data-rto-ms')).toBe(String(30 * 60_000));
    expect(chart.getAttribute('data-recovery-points')).toBe('4');
    expect(chart.getAttribute('data-restores')).toBe('4');
    // Three dump drills at 5-6h over the 1h rpo; one pgBackRest drill at 40 min over the 30 min rto.
    expect(chart.getAttribute('data-over-rpo')).toBe('3');
    expect(chart.getAttribute('data-over-rto')).toBe('1');
    expect(chart.getAttribute('data-failed')).toBe('1');
    expect(chart.querySelectorAll('circle.recovery-dot')).toHaveLength(4);
    expect(chart.querySelectorAll('circle.restore-dot')).toHaveLength(4);
    expect(chart.querySelectorAll('.over-objective')).toHaveLength(4);
    expect(chart.querySelectorAll('.rpo-line')).toHaveLength(1);
    expect(chart.querySelectorAll('.rto-line')).toHaveLength(1);
    expect(chart.textContent).toContain('rpo 1h');
    expect(chart.textContent).toContain('rto 30m');
    expect(chart.querySelectorAll('.failed-drill-mark')).toHaveLength(1);
    expect(screen.getByTestId('database-recovery-summary').textContent).toBe(
      '3 of 4 recovery points over the rpo (1h), ringed. 1 of 4 restores over the rto (30m), ringed. 1 drill did not pass (marks on the axis).',
    );
  });

  it('says how to set objectives when none are, and changes range through the address', async () => {
    const bridge = await renderDatabase(fakeBridge(), '~/analytics');
    expect(screen.getByTestId('objectives').textContent).toContain('link its routines to a postgres source');
    expect(screen.getByTestId('database-recovery-chart').getAttribute('data-rpo-ms')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: '1 year' }));
    expect(window.location.hash).toBe('#/database/~%2Fanalytics?range=1y');
    expect(bridge.database).toHaveBeenCalledTimes(1);
  });

  it("refreshes on its routines' events only", async () => {
    let detail = databaseDetailFixture(ORDERS_KEY, '30d');
    const bridge = fakeBridge({ database: async () => detail });
    await renderDatabase(bridge);
    const summary = { id: 'unrelated', name: 'unrelated', kind: 'dump-dir' as const, status: 'ok' as const, findings: [], lastPollAt: 1, newestBackup: null, lastRestore: null };
    act(() => bridge.emit({ type: 'poll', summary }));
    await new Promise((r) => setTimeout(r, 400));
    expect(bridge.database).toHaveBeenCalledTimes(1);
    detail = { ...detail, summary: { ...detail.summary, status: 'ok', findings: [] } };
    act(() => bridge.emit({ type: 'status', event: { id: 9, at: 2, sourceId: 'orders-pitr', from: 'critical', to: 'ok', findings: [] } }));
    await waitFor(() => expect(screen.getByTestId('database-status').textContent).toBe('OK'));
    expect(screen.getByTestId('findings').textContent).toBe('All checks pass.');
    await vi.waitFor(() => expect(bridge.database).toHaveBeenCalledTimes(2));
  });

  it('shows an unknown database as an error with the way back', async () => {
    renderWithBridge(<DatabasePage databaseKey="nope/x" />, fakeBridge({ database: async () => Promise.reject(new Error('no database "nope/x" is known')) }));
    expect((await screen.findByRole('alert')).textContent).toContain('no database "nope/x" is known');
    expect(screen.getByRole('link', { name: '← All databases' }).getAttribute('href')).toBe('#/databases');
  });
});
