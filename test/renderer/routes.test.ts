import { describe, expect, it } from 'vitest';
import { href, parseRoute } from '../../renderer/routes';

describe('parseRoute', () => {
  it('reads every page from the URL fragment', () => {
    expect(parseRoute('')).toEqual({ page: 'overview' });
    expect(parseRoute('#/')).toEqual({ page: 'overview' });
    expect(parseRoute('#/source/orders-db')).toEqual({ page: 'source', id: 'orders-db' });
    expect(parseRoute('#/source/orders-db?range=1y')).toEqual({ page: 'source', id: 'orders-db', range: '1y' });
    expect(parseRoute('#/source/orders-db?range=5y')).toEqual({ page: 'source', id: 'orders-db' });
    expect(parseRoute('#/settings')).toEqual({ page: 'settings' });
    expect(parseRoute('#/settings?saved=db1')).toEqual({ page: 'settings', saved: 'db1' });
    expect(parseRoute('#/settings/new')).toEqual({ page: 'edit-source', id: null });
    expect(parseRoute('#/settings/db1')).toEqual({ page: 'edit-source', id: 'db1' });
    expect(parseRoute('#/nope/1/2')).toEqual({ page: 'not-found', path: '/nope/1/2' });
  });

  it('round-trips the links it makes', () => {
    for (const id of ['db1', 'a b', '%odd']) {
      expect(parseRoute(href.source(id))).toEqual({ page: 'source', id });
      expect(parseRoute(href.source(id, '7d'))).toEqual({ page: 'source', id, range: '7d' });
      expect(parseRoute(href.editSource(id))).toEqual({ page: 'edit-source', id });
    }
    expect(parseRoute(href.settings({ removed: 'db1' }))).toEqual({ page: 'settings', removed: 'db1' });
    expect(href.settings({ saved: undefined })).toBe('#/settings');
  });

  it('routes the databases and each database by its key, which holds / and :', () => {
    expect(parseRoute('#/databases')).toEqual({ page: 'databases' });
    for (const key of ['shop-db/orders', 'cluster:orders-pitr', '~/shop', 'source:old dumps', 'db/a%b?c']) {
      expect(parseRoute(href.database(key))).toEqual({ page: 'database', key });
      expect(parseRoute(href.database(key, '1y'))).toEqual({ page: 'database', key, range: '1y' });
    }
    expect(href.database('shop-db/orders')).toBe('#/database/shop-db%2Forders');
    expect(parseRoute('#/database/shop-db/orders')).toEqual({ page: 'not-found', path: '/database/shop-db/orders' });
    expect(parseRoute('#/database/x?range=__proto__')).toEqual({ page: 'database', key: 'x' });
  });
});
