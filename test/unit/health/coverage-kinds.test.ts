// Coverage counts every kind: a `database:` link from a pgBackRest stanza covers its whole cluster; one from a
// dump-dir, restic or borg source covers the databases its dumps name. A cluster backed up only by pgBackRest
// is no longer told it has "no dump-dir linked".
import { describe, expect, it } from 'vitest';
import { borgSourceSchema, pgbackrestSourceSchema, resticSourceSchema } from '../../../shared/config';
import type { ObservedBackup } from '../../../shared/model';
import { coveringSource } from '../../../electron/engine/sources/covered-databases';
import { evaluate } from '../../../electron/engine/sources/evaluate';
import { coverage } from '../../../electron/engine/health/rules';
import type { CoveringSource } from '../../../electron/engine/health/types';
import { GB, MB, NOW, dump, dumpDirSource, header, pgMetrics, postgresInput } from './fixtures';

const databases = [
  { name: 'postgres', sizeBytes: 7 * MB },
  { name: 'orders', sizeBytes: 2 * GB },
  { name: 'billing', sizeBytes: 12 * MB },
];
const linkedTo = (coveringSources: CoveringSource[] | undefined) => postgresInput(pgMetrics({ databases }), { coveringSources });

const resticSource = resticSourceSchema.parse({ id: 'orders-restic', kind: 'restic', repo: '/srv/restic', passwordEnv: 'PW', database: 'orders-db' });
const borgSource = borgSourceSchema.parse({ id: 'orders-borg', kind: 'borg', repo: '/srv/borg', database: 'orders-db' });
const stanza = pgbackrestSourceSchema.parse({ id: 'orders-pgbackrest', kind: 'pgbackrest', stanza: 'main', database: 'orders-db' });
const snapshot = (databases: string[] | undefined, readable = true): ObservedBackup => ({
  key: 'aa11bb22cc33',
  type: 'snapshot',
  finishedAt: NOW,
  sizeBytes: readable ? MB : 0,
  readable,
  meta: databases ? { databases } : {},
});

describe('coverage from every kind', () => {
  it('a cluster backed up only by pgBackRest has no coverage finding, and the server is ok', () => {
    const input = linkedTo([coveringSource(stanza, [])]);
    expect(coverage(input)).toEqual([]);
    expect(evaluate(input)).toEqual({ status: 'ok', findings: [] });
  });

  it('a restic or borg source covers the databases its dumps name, and the finding names what it misses', () => {
    for (const source of [resticSource, borgSource]) {
      const linked = coveringSource(source, [snapshot(['orders'])]);
      expect(linked).toEqual({ id: source.id, kind: source.kind, databases: ['orders'] });
      const [finding] = coverage(linkedTo([linked]));
      expect(finding).toMatchObject({ rule: 'coverage', status: 'warning', observed: 'billing' });
      expect(finding!.message).toBe(`database billing (12.0 MB) on orders-db has no dump in ${source.id}: dump it too, or add it to coverageIgnore`);
    }
  });

  it('restic and borg take dbname for dumps that name no database, as a dump-dir does', () => {
    const named = coveringSource({ ...resticSource, dbname: 'billing' }, [snapshot(['orders'])]);
    expect(named.databases).toEqual(['billing', 'orders']);
    expect(coverage(linkedTo([named]))).toEqual([]);
    expect(coveringSource({ ...borgSource, dbname: 'billing' }, []).databases).toEqual(['billing']);
  });

  it('a snapshot not read yet or unreadable names nothing: the database the server source connects to is taken', () => {
    expect(coveringSource(resticSource, [snapshot(undefined)]).databases).toEqual([]);
    expect(coveringSource(resticSource, [snapshot(['billing'], false)]).databases).toEqual([]);
    // postgresInput connects to orders: only billing is left.
    const [finding] = coverage(linkedTo([coveringSource(resticSource, [])]));
    expect(finding!.observed).toBe('billing');
  });

  it('a dump-dir still covers the databases named in its readable dumps\' headers, and its dbname', () => {
    const dumps = [dump('orders.dump', 0, MB), dump('billing.dump', 0, MB, { header: header({ dbName: 'billing' }) }), dump('audit.dump', 0, 0, { readable: false, header: header({ dbName: 'audit' }) })];
    expect(coveringSource(dumpDirSource({ database: 'orders-db' }), dumps).databases).toEqual(['orders', 'billing']);
    expect(coveringSource(dumpDirSource({ database: 'orders-db', dbname: 'hr' }), dumps).databases).toEqual(['hr', 'orders', 'billing']);
  });

  it('with nothing linked, the message names every kind the user can link', () => {
    const [finding] = coverage(linkedTo([]));
    expect(finding!.message).toBe(
      'databases orders (2.0 GB), billing (12.0 MB) on orders-db have no backup: no backup source is linked to orders-db; link a dump-dir, restic, borg, pgbackrest, basebackup or barman source with database: orders-db',
    );
    expect(finding!.message).not.toMatch(/no dump-dir linked/);
  });

  it('a stanza beside dump sources covers what the dumps miss', () => {
    const input = linkedTo([coveringSource(resticSource, [snapshot(['orders'])]), coveringSource(stanza, [])]);
    expect(coverage(input)).toEqual([]);
  });
});
