// Drills on a machine without an OS sandbox (bubblewrap missing, or user namespaces off): simulated with
// BACKUP_HEALTH_SANDBOX=off, which only ever turns the sandbox off. A dump drill still runs, as the unprivileged
// user and role, and its evidence says it ran unsandboxed; a physical (pgBackRest) drill is refused unless the
// config file opts in, because it starts the backup's own catalog.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ObservedBackup } from '../../../shared/model';
import { runDumpDrill } from '../../../electron/engine/drills/dump-drill';
import { runPgBackRestDrill } from '../../../electron/engine/sources/pgbackrest/drill';
import { runClient } from '../../../electron/engine/drills/scratch-cluster';
import { pgbackrestProbe } from '../../../electron/engine/sources/pgbackrest/index';
import { validateConfig, type PgBackRestSourceConfig } from '../../../shared/config';
import { probeContext, removeTestParentDir, scratchDirsIn, sql, testParentDir } from '../../support/postgres-fixtures';
import { startPgBackRestCluster, STANZA, type PgBackRestSetup } from '../../support/pgbackrest-fixtures';
import { postgresProcessesUsing } from '../../support/processes';

const sourceParent = testParentDir('unsandboxed-source');
const drillParent = testParentDir('unsandboxed-runs');
let setup: PgBackRestSetup;
let dumpBackup: ObservedBackup;
let source: PgBackRestSourceConfig;
let full: ObservedBackup;

beforeAll(async () => {
  process.env.BACKUP_HEALTH_SANDBOX = 'off';
  setup = await startPgBackRestCluster(sourceParent);
  await sql(setup.cluster, 'CREATE DATABASE shop');
  await sql(setup.cluster, 'CREATE TABLE customers AS SELECT g AS id FROM generate_series(1, 300) g', 'shop');
  const path = join(sourceParent, 'shop.dump');
  const dumped = await runClient(setup.cluster, 'pg_dump', ['-Fc', '-f', path, 'shop']);
  if (dumped.code !== 0) throw new Error(dumped.stderr);
  dumpBackup = { key: path, type: 'dump', finishedAt: Date.now(), sizeBytes: statSync(path).size, readable: true };
  await setup.backup('full');
  const parsed = validateConfig({ sources: [{ id: 'demo', kind: 'pgbackrest', stanza: STANZA, configPath: setup.configPath }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  source = parsed.config.sources[0] as PgBackRestSourceConfig;
  full = (await pgbackrestProbe.observe(source, probeContext({ timeoutMs: 30_000 }))).backups[0]!;
}, 120_000);

afterAll(async () => {
  delete process.env.BACKUP_HEALTH_SANDBOX;
  await setup?.stop();
  removeTestParentDir(sourceParent);
  removeTestParentDir(drillParent);
});

it('a dump drill still passes, unprivileged, and its evidence says it had no sandbox', async () => {
  const drill = await runDumpDrill({ sourceId: 'shop', backup: dumpBackup, jobs: 2, checks: [{ sql: 'select count(*) = 300 from customers' }], parentDir: drillParent });
  expect(drill.message).toMatch(/^restored shop: 1 table, 300 rows/);
  expect(drill.outcome).toBe('pass');
  expect(drill.safety).toMatchObject({ sandboxed: false, skipped: [] });
  expect(drill.safety!.ranAs).toMatch(/without an OS sandbox: the sandbox is turned off/);
  expect(scratchDirsIn(drillParent)).toEqual([]);
  expect(postgresProcessesUsing(drillParent)).toEqual([]);
}, 120_000);

it('a pgBackRest drill is refused without a sandbox, saying how to get one or opt out', async () => {
  const drill = await runPgBackRestDrill({ sourceId: 'demo', source, backup: full, checks: [], parentDir: drillParent, timeoutMs: 60_000 });
  expect(drill.outcome).toBe('error');
  expect(drill.message).toMatch(/runs only in an OS sandbox, and there is none here: .*Install bubblewrap, or set defaults\.physicalDrillsWithoutSandbox: true/);
  expect(drill.safety?.sandboxed).toBe(false);
  expect(scratchDirsIn(drillParent)).toEqual([]);
}, 120_000);

it('and runs when the config file opts in, on the drill\'s own configuration', async () => {
  const drill = await runPgBackRestDrill({ sourceId: 'demo', source, backup: full, checks: [], parentDir: drillParent, timeoutMs: 60_000, withoutSandbox: true });
  expect(drill.message).toMatch(/^restored full backup .* and recovered it to consistency/);
  expect(drill.outcome).toBe('pass');
  expect(drill.safety?.sandboxed).toBe(false);
  expect(scratchDirsIn(drillParent)).toEqual([]);
  expect(postgresProcessesUsing(drillParent)).toEqual([]);
}, 120_000);
