// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { OverviewSource } from '../../../shared/api';
import { OverviewPage } from '../../../renderer/pages/OverviewPage';
import { deferred, fakeBridge } from '../support/fake-bridge';
import { CONFIG_FILE, overviewFixture, overviewSources } from '../support/fixtures';
import { renderWithBridge } from '../support/render';
import '../support/setup';

const rowIds = () => screen.getAllByTestId(/^source-row-/).map((row) => row.getAttribute('data-testid')!.replace('source-row-', ''));

describe('OverviewPage', () => {
  it('lists sources worst first, each with its status in words and its worst finding', async () => {
    renderWithBridge(<OverviewPage />, fakeBridge());
    await screen.findByTestId('source-table');
    expect(rowIds()).toEqual(['nightly-dumps', 'db1', 'weekly', 'reports']);
    expect(screen.getByTestId('status-nightly-dumps').textContent).toBe('Critical');
    expect(screen.getByTestId('status-db1').textContent).toBe('Unknown');
    expect(screen.getByTestId('status-weekly').textContent).toBe('Warning');
    expect(screen.getByTestId('status-reports').textContent).toBe('OK');
    // Unknown is not dressed as OK.
    expect(screen.getByTestId('status-db1').className).not.toContain('status-ok');
    // The critical finding, not the warning listed before it.
    expect(screen.getByTestId('finding-nightly-dumps').textContent).toBe('newest backup is 20 bytes, under the minimum of 1.0 MB');
    expect(screen.getByTestId('finding-reports').textContent).toBe('All checks pass');
    // Where a source is read, when it is another machine.
    expect(within(screen.getByTestId('source-row-weekly')).getByText('pg_dump directory on backup@backup1')).toBeTruthy();
    expect(within(screen.getByTestId('source-row-reports')).queryByText(/ on /)).toBeNull();
  });

  it('counts sources per status in the header', async () => {
    renderWithBridge(<OverviewPage />, fakeBridge());
    await screen.findByTestId('source-table');
    expect(screen.getByTestId('count-critical').textContent).toBe('1 critical');
    expect(screen.getByTestId('count-unknown').textContent).toBe('1 unknown');
    expect(screen.getByTestId('count-warning').textContent).toBe('1 warning');
    expect(screen.getByTestId('count-ok').textContent).toBe('1 ok');
  });

  it('shows the newest backup, the size trend and the last successful restore', async () => {
    renderWithBridge(<OverviewPage />, fakeBridge());
    await screen.findByTestId('source-table');
    expect(screen.getByTestId('newest-nightly-dumps').textContent).toBe('3h ago · 20 bytes');
    expect(screen.getByTestId('newest-reports').textContent).toBe('2h ago · 1.2 GB');
    expect(screen.getByTestId('restore-nightly-dumps').textContent).toBe('never test-restored');
    expect(screen.getByTestId('restore-weekly').textContent).toBe('9d ago · took 4m 12s');
    expect(screen.getByTestId('restore-db1').textContent).toBe('—');
    const sparkline = within(screen.getByTestId('source-row-nightly-dumps')).getByRole('img');
    expect(sparkline.getAttribute('data-points')).toBe('5');
    expect(sparkline.getAttribute('aria-label')).toContain('newest 20 bytes');
  });

  it('explains how to add a source on first run', async () => {
    renderWithBridge(<OverviewPage />, fakeBridge({ overview: async () => overviewFixture([]) }));
    const firstRun = await screen.findByTestId('first-run');
    expect(firstRun.textContent).toContain('No sources yet');
    expect(screen.getByTestId('config-file').textContent).toBe(CONFIG_FILE);
    expect(within(firstRun).getByRole('link', { name: 'Add a source' }).getAttribute('href')).toBe('#/settings/new');
    expect(screen.queryByTestId('source-table')).toBeNull();
  });

  it('follows the engine: a poll event brings the new status', async () => {
    let sources = overviewSources();
    const bridge = fakeBridge({ overview: async () => overviewFixture(sources) });
    renderWithBridge(<OverviewPage />, bridge);
    await screen.findByTestId('source-table');
    sources = sources.map((s): OverviewSource => (s.id === 'db1' ? { ...s, status: 'ok', findings: [] } : s));
    act(() => bridge.emit({ type: 'poll', summary: sources.find((s) => s.id === 'db1')! }));
    await waitFor(() => expect(screen.getByTestId('status-db1').textContent).toBe('OK'));
    expect(screen.getByTestId('count-unknown').textContent).toBe('0 unknown');
  });

  it('coalesces a burst of events into one re-fetch and ignores drill progress', async () => {
    const bridge = fakeBridge();
    renderWithBridge(<OverviewPage />, bridge);
    await screen.findByTestId('source-table');
    act(() => bridge.emit({ type: 'drill-progress', progress: { sourceId: 'weekly', backupKey: 'k', phase: 'restore', done: 1, total: 2 } }));
    const summary = overviewSources()[0]!;
    act(() => {
      for (let i = 0; i < 50; i++) bridge.emit({ type: 'poll', summary });
    });
    await waitFor(() => expect(bridge.overview).toHaveBeenCalledTimes(2));
    await new Promise((r) => setTimeout(r, 400));
    expect(bridge.overview).toHaveBeenCalledTimes(2);
  });

  it('polls every source now and shows the result', async () => {
    const poll = deferred<[]>();
    const bridge = fakeBridge({ pollNow: () => poll.promise });
    renderWithBridge(<OverviewPage />, bridge);
    await screen.findByTestId('source-table');
    fireEvent.click(screen.getByRole('button', { name: 'Poll now' }));
    expect(bridge.pollNow).toHaveBeenCalledWith({});
    expect(screen.getByRole('status').textContent).toBe('Polling…');
    await act(async () => poll.resolve([]));
    await waitFor(() => expect(bridge.overview).toHaveBeenCalledTimes(2));
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('opens a source when its row is clicked', async () => {
    renderWithBridge(<OverviewPage />, fakeBridge());
    await screen.findByTestId('source-table');
    fireEvent.click(screen.getByTestId('finding-weekly'));
    expect(window.location.hash).toBe('#/source/weekly');
  });

  it('renders two hundred sources, one row each, with hand-drawn sparklines only', async () => {
    const many = Array.from({ length: 200 }, (_, i): OverviewSource => ({ ...overviewSources()[3]!, id: `db-${String(i).padStart(3, '0')}`, name: `db ${i}` }));
    const { container } = renderWithBridge(<OverviewPage />, fakeBridge({ overview: async () => overviewFixture(many) }));
    await screen.findByTestId('source-table');
    expect(screen.getAllByTestId(/^source-row-/)).toHaveLength(200);
    expect(container.querySelectorAll('svg.sparkline')).toHaveLength(200);
    expect(container.querySelectorAll('.recharts-wrapper')).toHaveLength(0);
  });

  it('shows an API failure with a retry', async () => {
    let fail = true;
    const bridge = fakeBridge({ overview: async () => (fail ? Promise.reject(new Error('the engine is not running')) : overviewFixture()) });
    renderWithBridge(<OverviewPage />, bridge);
    expect((await screen.findByRole('alert')).textContent).toContain('the engine is not running');
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await screen.findByTestId('source-table');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
