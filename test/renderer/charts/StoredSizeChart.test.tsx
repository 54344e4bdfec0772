// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { largestDrop, storedSummary } from '../../../renderer/charts/StoredSizeChart';
import { SourcePage } from '../../../renderer/pages/SourcePage';
import { fakeBridge } from '../support/fake-bridge';
import { HOUR, MB, STORED_MB, sourceDetailFixture, summaryFixture } from '../support/fixtures';
import { renderWithBridge } from '../support/render';
import '../support/setup';

async function renderSource(bridge = fakeBridge()) {
  renderWithBridge(<SourcePage id="nightly-dumps" />, bridge);
  await screen.findByTestId('source-page');
}

describe('StoredSizeChart on the source page', () => {
  it('plots the dump directory size at each poll and names the cleanup that went wrong', async () => {
    await renderSource();
    const chart = screen.getByTestId('stored-chart');
    expect(chart.getAttribute('data-points')).toBe(String(STORED_MB.length));
    expect(chart.querySelector('h3')!.textContent).toBe('Dump directory size');
    expect(chart.querySelectorAll('.recharts-line-curve')).toHaveLength(1);
    expect(chart.querySelectorAll('.recharts-line-dot')).toHaveLength(STORED_MB.length);
    const summary = screen.getByTestId('stored-summary').textContent!;
    expect(summary).toContain('1000 MB at the last poll, down 2.0 GB from 2.9 GB at the start of this range.');
    expect(summary).toContain('Largest drop: 3.5 GB to 900 MB');
  });

  it('says "Database size" for a PostgreSQL server, which has no backup charts', async () => {
    const bridge = fakeBridge({
      source: async ({ id, range }) => ({
        ...sourceDetailFixture(id, range),
        summary: { ...summaryFixture(id), kind: 'postgres' as const, newestBackup: null },
        maxAgeMs: null,
        ageSeries: [],
        backups: [],
        storedLabel: 'Database size',
      }),
    });
    await renderSource(bridge);
    expect(screen.queryByTestId('age-chart')).toBeNull();
    expect(screen.getByTestId('stored-chart').querySelector('h3')!.textContent).toBe('Database size');
  });

  it('is left out when no poll measured a size (history from before it was recorded)', async () => {
    const bridge = fakeBridge({ source: async ({ id, range }) => ({ ...sourceDetailFixture(id, range), storedSeries: [] }) });
    await renderSource(bridge);
    expect(screen.getByTestId('age-chart')).toBeTruthy();
    expect(screen.queryByTestId('stored-chart')).toBeNull();
  });
});

describe('storedSummary', () => {
  const at = (i: number) => i * 6 * HOUR;
  it('says when the size did not move, which for a repository means backups stopped adding anything', () => {
    expect(storedSummary([{ at: at(0), value: 700 * MB }, { at: at(1), value: 700 * MB }])).toBe('700 MB at the last poll, unchanged since the start of this range.');
  });

  it('names growth without a drop, and a single poll as it is', () => {
    expect(storedSummary([{ at: at(0), value: 100 * MB }, { at: at(1), value: 95 * MB }, { at: at(2), value: 150 * MB }])).toBe(
      '150 MB at the last poll, up 50.0 MB from 100 MB at the start of this range.',
    );
    expect(storedSummary([{ at: at(0), value: 2048 }])).toBe('2.0 kB at the last poll.');
    expect(storedSummary([])).toBe('No size measured in this range.');
  });

  it('takes the largest notable fall between two points, not a routine prune of a few percent', () => {
    const series = [100, 95, 160, 40, 50, 10].map((mb, i) => ({ at: at(i), value: mb * MB }));
    expect(largestDrop(series)).toEqual({ at: at(3), from: 160 * MB, to: 40 * MB });
    expect(largestDrop([100, 95, 120].map((mb, i) => ({ at: at(i), value: mb * MB })))).toBeNull();
  });
});
