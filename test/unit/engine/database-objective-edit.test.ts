// Recovery objectives edited from the settings page, over a real config file: read as written, added and
// changed in place (comments and the other entries kept), refused with each problem beside its field (the same
// validation as `config check`), removed; what is saved is put in force.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../shared/config';
import { databaseObjectiveSettings, deleteDatabaseObjective, saveDatabaseObjective } from '../../../electron/engine/database-objective-edit';

const root = mkdtempSync(join(tmpdir(), 'bh-objective-edit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SOURCES = `sources:
  - id: shop-db
    kind: postgres
    url: postgres://bh@db1/shop
  - id: shop-dumps # nightly, from cron
    kind: dump-dir
    path: /backups/shop
    database: shop-db
`;

function setup(text: string) {
  const file = join(root, `config-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, text, { mode: 0o640 });
  const applied: Config[] = [];
  return { file, applied, context: { configFile: file, apply: (config: Config) => applied.push(config) } };
}

describe('recovery objectives from the settings page', () => {
  it('adds a databases: section, then changes an entry in place, keeping comments and the others', () => {
    const { file, applied, context } = setup(SOURCES);
    expect(databaseObjectiveSettings(file)).toEqual({ configFile: file, objectives: [], servers: ['shop-db'] });

    expect(saveDatabaseObjective(context, { objective: { name: 'orders', server: 'shop-db', rpo: '15m', rto: '', drillAge: '' } })).toEqual({ ok: true, problems: [] });
    expect(readFileSync(file, 'utf8')).toBe(`${SOURCES}databases:\n  - name: orders\n    server: shop-db\n    rpo: 15m\n`);
    expect(applied.at(-1)!.databases).toEqual([{ name: 'orders', server: 'shop-db', rpo: 15 * 60_000, drillAge: 8 * 86_400_000 }]);

    writeFileSync(file, `${readFileSync(file, 'utf8').replace('    rpo: 15m\n', '    rpo: 15m # agreed with the shop team\n')}  - { name: crm, server: shop-db, rto: 2h }\n`);
    expect(saveDatabaseObjective(context, { objective: { name: 'orders', server: 'shop-db', rpo: '15m', rto: '1h' }, original: { name: 'orders', server: 'shop-db' } }).ok).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('    rpo: 15m # agreed with the shop team\n    rto: 1h\n');
    expect(text).toContain('  - { name: crm, server: shop-db, rto: 2h }\n');
    expect(databaseObjectiveSettings(file).objectives).toEqual([
      { name: 'orders', server: 'shop-db', rpo: '15m', rto: '1h' },
      { name: 'crm', server: 'shop-db', rto: '2h' },
    ]);
  });

  it('refuses what config check refuses, each problem at its field, and writes nothing', () => {
    const { file, applied, context } = setup(SOURCES);
    const result = saveDatabaseObjective(context, { objective: { name: 'orders', server: 'shop-dumps', rpo: 'soon' } });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      { path: 'rpo', message: '"soon" is not a duration (use 90s, 15m, 26h, 7d)' },
      { path: 'server', message: '"shop-dumps" is a dump-dir source; a database\'s server is the postgres source that watches it' },
    ]);
    expect(readFileSync(file, 'utf8')).toBe(SOURCES);
    expect(applied).toEqual([]);
    expect(saveDatabaseObjective(context, { objective: { name: 'x', server: 'shop-db' }, original: { name: 'gone', server: 'shop-db' } }).problems[0]!.message).toBe(`no objectives for gone on shop-db in ${file}`);
  });

  it('removes one entry, and says when there is none', () => {
    const { file, context } = setup(`${SOURCES}databases:\n  - { name: orders, server: shop-db, rpo: 15m }\n  - { name: crm, server: shop-db, rto: 2h }\n`);
    expect(deleteDatabaseObjective(context, { name: 'orders', server: 'shop-db' }).ok).toBe(true);
    expect(databaseObjectiveSettings(file).objectives).toEqual([{ name: 'crm', server: 'shop-db', rto: '2h' }]);
    expect(deleteDatabaseObjective(context, { name: 'orders', server: 'shop-db' })).toEqual({ ok: false, problems: [{ path: '', message: `no objectives for orders on shop-db in ${file}` }] });
  });
});
