import { describe, expect, it } from 'vitest';
import { affectsDatabase, affectsDatabases } from '../../../renderer/hooks/useDatabases';
import { summaryFixture } from '../support/fixtures';

const progress = { type: 'drill-progress', progress: { sourceId: 'a', backupKey: 'k', phase: 'restore', done: 1, total: 2 } } as const;

describe('affectsDatabases / affectsDatabase', () => {
  it('re-fetches the Databases page on any poll, status change, drill or config, never on drill progress or alerts', () => {
    expect(affectsDatabases({ type: 'poll', summary: summaryFixture('any') })).toBe(true);
    expect(affectsDatabases({ type: 'status', event: { at: 1, sourceId: 'x', from: 'ok', to: 'critical', findings: [] } })).toBe(true);
    expect(affectsDatabases({ type: 'config' })).toBe(true);
    expect(affectsDatabases(progress)).toBe(false);
    expect(affectsDatabases({ type: 'alerts' })).toBe(false);
  });

  it("re-fetches a database's page for its routines' and server's events only, once it knows them", () => {
    const mine = new Set(['dumps', 'shop-db']);
    expect(affectsDatabase(mine, { type: 'poll', summary: summaryFixture('shop-db') })).toBe(true);
    expect(affectsDatabase(mine, { type: 'poll', summary: summaryFixture('elsewhere') })).toBe(false);
    expect(affectsDatabase(mine, { type: 'status', event: { at: 1, sourceId: 'dumps', from: 'ok', to: 'critical', findings: [] } })).toBe(true);
    expect(affectsDatabase(null, { type: 'poll', summary: summaryFixture('elsewhere') })).toBe(true);
    expect(affectsDatabase(mine, { type: 'config' })).toBe(true);
    expect(affectsDatabase(null, progress)).toBe(false);
  });
});
