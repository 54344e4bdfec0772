import { describe, expect, it } from 'vitest';
import { affectsSource } from '../../../renderer/hooks/useSource';
import { summaryFixture } from '../support/fixtures';

describe('affectsSource', () => {
  it('re-fetches a source page for its own polls, drills and status changes, and for config changes', () => {
    const summary = summaryFixture('a');
    expect(affectsSource('a', { type: 'poll', summary })).toBe(true);
    expect(affectsSource('b', { type: 'poll', summary })).toBe(false);
    expect(affectsSource('a', { type: 'status', event: { at: 1, sourceId: 'a', from: 'ok', to: 'critical', findings: [] } })).toBe(true);
    expect(affectsSource('b', { type: 'status', event: { at: 1, sourceId: 'a', from: 'ok', to: 'critical', findings: [] } })).toBe(false);
    expect(affectsSource('b', { type: 'config' })).toBe(true);
    expect(affectsSource('a', { type: 'drill-progress', progress: { sourceId: 'a', backupKey: 'k', phase: 'restore', done: 1, total: 2 } })).toBe(false);
  });
});
