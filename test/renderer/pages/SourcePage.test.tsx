// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SourcePage } from '../../../renderer/pages/SourcePage';
import { deferred, fakeBridge } from '../support/fake-bridge';
import { AGE_HOURS, HOUR, sourceDetailFixture } from '../support/fixtures';
import { renderWithBridge } from '../support/render';
import '../support/setup';

async function renderSource(bridge = fakeBridge()) {
  renderWithBridge(<SourcePage id="nightly-dumps" />, bridge);
  await screen.findByTestId('source-page');
  return bridge;
}

describe('SourcePage', () => {
  it('plots backup age in hours with the max-age line and the stretches above it shaded', async () => {
    await renderSource();
    const chart = screen.getByTestId('age-chart');
    expect(chart.getAttribute('data-points')).toBe(String(AGE_HOURS.length));
    expect(chart.getAttribute('data-threshold-ms')).toBe(String(26 * HOUR));
    expect(chart.querySelectorAll('.recharts-line-curve')).toHaveLength(1);
    expect(chart.querySelectorAll('.recharts-reference-line')).toHaveLength(1);
    expect(chart.textContent).toContain('max age 1d 2h');
    // 32h and 28h are above 26h; 26h itself is not.
    expect(chart.getAttribute('data-breaches')).toBe('2');
    expect(chart.querySelectorAll('.recharts-reference-area')).toHaveLength(2);
    expect(screen.getByTestId('age-summary').textContent).toContain('2 times');
  });

  it('draws one bar per backup and marks the small and unreadable ones, naming file and problem', async () => {
    await renderSource();
    const chart = screen.getByTestId('size-chart');
    expect(chart.getAttribute('data-points')).toBe('10');
    expect(chart.querySelectorAll('rect[data-anomaly]')).toHaveLength(10);
    expect(chart.querySelectorAll('rect[data-anomaly="small"]')).toHaveLength(1);
    expect(chart.querySelectorAll('rect[data-anomaly="unreadable"]')).toHaveLength(1);
    expect(chart.querySelectorAll('rect.size-bar-small')).toHaveLength(1);
    expect(chart.querySelectorAll('circle.marker')).toHaveLength(2);
    const listed = within(screen.getByTestId('size-anomalies')).getAllByRole('listitem');
    expect(listed.map((li) => li.getAttribute('data-anomaly'))).toEqual(['small', 'unreadable']);
    expect(listed[0]!.textContent).toContain('orders-10.dump');
    expect(listed[0]!.textContent).toContain('Too small');
    expect(listed[1]!.textContent).toContain('orders-04.dump');
    expect(listed[1]!.textContent).toContain('the file is empty (0 bytes)');
    expect(screen.getByTestId('size-legend').textContent).toMatch(/Too small \(1\).*Unreadable \(1\)/);
  });

  it('draws each restore drill coloured by outcome and calls out the last successful restore', async () => {
    await renderSource();
    const chart = screen.getByTestId('drill-chart');
    expect(chart.getAttribute('data-points')).toBe('4');
    const outcomes = [...chart.querySelectorAll('rect[data-outcome]')].map((r) => r.getAttribute('data-outcome'));
    expect(outcomes).toEqual(['pass', 'pass', 'fail', 'error']);
    expect(screen.getByTestId('drill-failures').textContent).toContain('2 of 4 did not pass');
    expect(screen.getByTestId('drill-failures').textContent).toContain('install postgresql-client-17');
    const lastRestore = screen.getByTestId('last-restore').textContent!;
    expect(lastRestore).toContain('Last successful restore 13d ago');
    expect(lastRestore).toContain('took 4m 12s');
    expect(lastRestore).toContain('orders-02.dump');
  });

  it('says so loudly when no drill ever passed', async () => {
    const bridge = fakeBridge({
      source: async ({ id, range }) => {
        const detail = sourceDetailFixture(id, range);
        return { ...detail, summary: { ...detail.summary, lastRestore: null } };
      },
    });
    await renderSource(bridge);
    expect(screen.getByTestId('last-restore').textContent).toContain('Never restored successfully');
  });

  it('lists current findings and status changes newest first', async () => {
    await renderSource();
    expect(screen.getByTestId('status-nightly-dumps').textContent).toBe('Critical');
    expect(within(screen.getByTestId('findings')).getByText(/newest backup is 20 bytes/)).toBeTruthy();
    const events = screen.getAllByTestId('timeline-event');
    expect(events.map((e) => e.getAttribute('data-to'))).toEqual(['critical', 'ok']);
    expect(events[0]!.textContent).toContain('1d ago');
  });

  it('asks for the range the address names, and puts a chosen one in the address', async () => {
    const bridge = await renderSource();
    expect(bridge.source).toHaveBeenLastCalledWith({ id: 'nightly-dumps', range: '30d' });
    fireEvent.click(screen.getByRole('button', { name: '1 year' }));
    // The page follows the address (App passes the parsed range back in): a reload or a shared link keeps it.
    expect(window.location.hash).toBe('#/source/nightly-dumps?range=1y');
  });

  it('re-fetches when this source is polled, not when another one is', async () => {
    const bridge = await renderSource();
    const calls = bridge.source.mock.calls.length;
    const summary = (await bridge.source({ id: 'nightly-dumps', range: '30d' })).summary;
    act(() => bridge.emit({ type: 'poll', summary: { ...summary, id: 'other' } }));
    await new Promise((r) => setTimeout(r, 400));
    expect(bridge.source.mock.calls.length).toBe(calls + 1); // only the direct call above
    act(() => bridge.emit({ type: 'poll', summary }));
    act(() => bridge.emit({ type: 'poll', summary }));
    await waitFor(() => expect(bridge.source.mock.calls.length).toBe(calls + 2));
  });

  it('has no drill button for a source that cannot be drilled', async () => {
    const bridge = fakeBridge({
      source: async ({ id, range }) => ({ ...sourceDetailFixture(id, range), drillable: false, drills: [], maxAgeMs: null, ageSeries: [], backups: [] }),
    });
    await renderSource(bridge);
    expect(screen.queryByRole('button', { name: 'Run restore drill' })).toBeNull();
    expect(screen.queryByTestId('age-chart')).toBeNull();
    expect(screen.queryByTestId('drill-chart')).toBeNull();
  });

  it('runs a restore drill: live progress from events, then the result, then fresh charts', async () => {
    const drill = deferred<Awaited<ReturnType<ReturnType<typeof fakeBridge>['runDrill']>>>();
    const bridge = fakeBridge({ runDrill: () => drill.promise });
    await renderSource(bridge);
    const fetches = bridge.source.mock.calls.length;

    fireEvent.click(screen.getByRole('button', { name: 'Run restore drill' }));
    expect(bridge.runDrill).toHaveBeenCalledWith({ id: 'nightly-dumps' });
    expect(screen.getByTestId('drill-progress').textContent).toContain('Starting');
    expect((screen.getByRole('button', { name: 'Run restore drill' }) as HTMLButtonElement).disabled).toBe(true);

    act(() => bridge.emit({ type: 'drill-progress', progress: { sourceId: 'nightly-dumps', backupKey: 'k', phase: 'restore', done: 12, total: 40, detail: 'restoring TABLE DATA public.orders' } }));
    const progress = screen.getByTestId('drill-progress');
    expect(progress.getAttribute('data-phase')).toBe('restore');
    expect(progress.textContent).toContain('Restoring — 12 of 40');
    expect(progress.textContent).toContain('public.orders');
    const bar = within(progress).getByRole('progressbar') as HTMLProgressElement;
    expect(bar.value).toBe(12);
    expect(bar.max).toBe(40);

    // Another source's drill does not move this bar.
    act(() => bridge.emit({ type: 'drill-progress', progress: { sourceId: 'weekly', backupKey: 'k', phase: 'verify', done: 1, total: 2 } }));
    expect(screen.getByTestId('drill-progress').getAttribute('data-phase')).toBe('restore');

    await act(async () => {
      const now = Date.now();
      drill.resolve({ sourceId: 'nightly-dumps', backupKey: 'k', startedAt: now - 70_000, finishedAt: now, outcome: 'pass', phases: {}, restoreMs: 65_000, tables: 12, rows: 1000, restoredBytes: null, checks: [], message: 'restored 12 tables, 1,000 rows' });
    });
    expect(screen.queryByTestId('drill-progress')).toBeNull();
    const result = screen.getByTestId('drill-result');
    expect(result.getAttribute('data-outcome')).toBe('pass');
    expect(result.textContent).toContain('Passed — restored and verified in 1m 5s: restored 12 tables, 1,000 rows');
    await waitFor(() => expect(bridge.source.mock.calls.length).toBeGreaterThan(fetches));
  });

  it('shows why a drill could not start', async () => {
    const bridge = fakeBridge({ runDrill: async () => Promise.reject(new Error('a drill of nightly-dumps is already running')) });
    await renderSource(bridge);
    fireEvent.click(screen.getByRole('button', { name: 'Run restore drill' }));
    expect((await screen.findByTestId('drill-result')).textContent).toContain('already running');
  });

  it('shows the API error for a source that does not exist', async () => {
    const bridge = fakeBridge({ source: async () => Promise.reject(new Error('no source "gone" in the config')) });
    renderWithBridge(<SourcePage id="gone" />, bridge);
    expect((await screen.findByRole('alert')).textContent).toContain('no source "gone" in the config');
  });
});


describe('SourcePage of dumps in a bucket', () => {
  it('says the dumps are in a bucket, and which bucket and prefix they are read from', async () => {
    const bridge = fakeBridge({
      source: async ({ id, range }) => {
        const detail = sourceDetailFixture(id, range);
        return { ...detail, summary: { ...detail.summary, bucketUrl: 's3://backups/orders/' } };
      },
    });
    await renderSource(bridge);
    expect(screen.getByTestId('source-page').querySelector('.kind')!.textContent).toBe('pg_dump files in a bucket: s3://backups/orders/');
  });
});
