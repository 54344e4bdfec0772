// The pgbackrest probe and rules on a stanza that has nothing to restore from, with the real pgBackRest 2.x: a
// stanza just created, before its first backup (pgBackRest's status 2, "no valid backups"), and a stanza whose
// full backup's directory is gone from the repository, leaving an incremental that depends on it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBackRestSourceConfig } from '../../../shared/config';
import { pgbackrestProbe } from '../../../electron/engine/sources/pgbackrest/index';
import type { Observation } from '../../../electron/engine/sources/probe';
import { probeContext, removeTestParentDir, scratchDirsIn, sql, testParentDir } from '../../support/postgres-fixtures';
import { judgeObservation, pgbackrestSource, startPgBackRestCluster, STANZA, type PgBackRestSetup } from '../../support/pgbackrest-fixtures';
import { postgresProcessesUsing } from '../../support/processes';

const parent = testParentDir('pgbackrest-no-full');
let setup: PgBackRestSetup;

function source(fields: Record<string, unknown> = {}): PgBackRestSourceConfig {
  return pgbackrestSource({ configPath: setup.configPath, ...fields });
}

function observe(src = source()): Promise<Observation> {
  return pgbackrestProbe.observe(src, probeContext({ timeoutMs: 30_000 }));
}

beforeAll(async () => {
  setup = await startPgBackRestCluster(parent); // the stanza is created, nothing backed up yet
});

afterAll(async () => {
  await setup?.stop();
  expect(scratchDirsIn(parent)).toEqual([]);
  expect(postgresProcessesUsing(parent)).toEqual([]);
  removeTestParentDir(parent);
});

describe('a stanza with nothing to restore from', () => {
  it('before its first backup: pgBackRest says status 2, and the app says no backups once, critical', async () => {
    const observation = await observe();
    expect(observation.backups).toEqual([]);
    expect(observation.metrics).toMatchObject({ kind: 'pgbackrest', stanzaStatus: { code: 2, message: 'no valid backups' }, backupCount: 0 });
    const health = judgeObservation(source({ maxFullAge: '7d' }), observation);
    expect(health.status).toBe('critical');
    // status 2 with nothing listed is what no-backups says; stanza-status does not say it again
    expect(health.findings.map((f) => [f.rule, f.status])).toEqual([['no-backups', 'critical']]);
    expect(health.findings[0]!.message).toContain(`no backups in pgBackRest stanza ${STANZA}`);
  });

  it('its full backup gone from the repository: no readable full backup, and the incremental on it unreadable', async () => {
    await sql(setup.cluster, 'CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 1000) g');
    const full = await setup.backup('full');
    await sql(setup.cluster, 'INSERT INTO orders SELECT g FROM generate_series(1001, 1100) g');
    const incr = await setup.backup('incr');
    expect(judgeObservation(source({ maxFullAge: '7d' }), await observe())).toEqual({ status: 'ok', findings: [] });

    rmSync(join(setup.repoPath, 'backup', STANZA, full), { recursive: true });
    const observation = await observe();
    // pgBackRest itself still lists both and calls the stanza ok; the probe sees the directory missing
    expect(observation.metrics).toMatchObject({ stanzaStatus: { code: 0 } });
    expect(observation.backups.map((b) => [b.key, b.type, b.readable])).toEqual([
      [full, 'full', false],
      [incr, 'incr', false],
    ]);
    const health = judgeObservation(source({ maxFullAge: '7d' }), observation);
    expect(health.status).toBe('critical');
    expect(health.findings.map((f) => [f.rule, f.status])).toEqual([
      ['backup-unreadable', 'critical'],
      ['backup-age', 'critical'],
    ]);
    expect(health.findings[0]!.message).toContain(`newest backup ${incr}`);
    expect(health.findings[0]!.message).toContain(`it depends on ${full}, whose directory is missing from repository 1`);
    expect(health.findings[1]).toMatchObject({ observed: null, limit: 7 * 24 * 3_600_000, message: expect.stringContaining(`stanza ${STANZA} has no readable full backup`) });
  });
});
