import { describe, expect, it } from 'vitest';
import { knownDatabaseNames } from '../../../renderer/settings/objective-form';

const on = (id: string) => ({ id, name: id, status: 'ok' as const, findings: [] });

describe('knownDatabaseNames', () => {
  const databases = [
    { name: 'orders', server: on('shop-db') },
    { name: 'billing', server: on('shop-db') },
    { name: 'orders', server: on('crm-db') },
    { name: 'analytics', server: null }, // dumps of a server no postgres source watches: no objectives possible
    { name: null, server: on('shop-db') }, // a whole cluster
  ];

  it("a server's databases by name, sorted; with no server chosen, every server's, once each", () => {
    expect(knownDatabaseNames(databases, 'shop-db')).toEqual(['billing', 'orders']);
    expect(knownDatabaseNames(databases, 'crm-db')).toEqual(['orders']);
    expect(knownDatabaseNames(databases, '')).toEqual(['billing', 'orders']);
    expect(knownDatabaseNames(databases, 'new-db')).toEqual([]);
  });
});
