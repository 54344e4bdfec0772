// `backup-health check` of basebackup sources whose last passing drill replayed WAL: the LAST RESTORE column says
// the recovery point reached ("to 3m 12s behind", "to the end of an idle archive") and --json carries it. The
// base backups and the archive are real (a scratch primary archiving with cp, a pg_basebackup run); the drills are
// recorded in the history file as `backup-health drill` records them (the drill itself is tested in drill-recovery).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Drill, DrillRecovery } from '../../../shared/model';
import { History } from '../../../electron/engine/store/history';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { startBaseBackupSetup, type BaseBackupSetup } from '../../support/basebackup-fixtures';
import { removeTestParentDir, testParentDir } from '../../support/postgres-fixtures';

const parent = testParentDir('cli-check-recovery');
const data = join(parent, 'data');
const dumps = join(parent, 'dumps');
let setup: BaseBackupSetup;
let configFile: string;
const HOUR = 3_600_000;
const check = (...more: string[]) => runCli(['check', '--config', configFile, '--data', data, ...more]);

function drill(sourceId: string, finishedAt: number, recovery?: DrillRecovery): Drill {
  return {
    sourceId,
    backupKey: recovery ? '20261203T020000' : join(dumps, 'orders.dump'),
    startedAt: finishedAt - 60_000,
    finishedAt,
    outcome: 'pass',
    phases: { restore: 20_000, replay: 18_000 },
    restoreMs: 38_000,
    tables: 1,
    rows: 300,
    restoredBytes: 30_000_000,
    checks: [],
    message: 'restored',
    ...(recovery ? { recovery } : {}),
  };
}

function recovery(startedAt: number, pointMs: number, idle = false): DrillRecovery {
  return {
    mode: 'end-of-archive',
    recoveredTo: startedAt - pointMs,
    lastCommitAt: startedAt - pointMs,
    lastReplayedLsn: '0/5000148',
    lastReplayedSegment: '000000010000000000000005',
    lastSegmentArchivedAt: startedAt - pointMs,
    recoveryPointMs: pointMs,
    ...(idle ? { idle: true } : {}),
    walReplayed: 4,
    replayMs: 18_000,
  };
}

let drilledAt = 0;

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(dumps, { recursive: true });
  setup = await startBaseBackupSetup({ parentDir: parent });
  await setup.writeLoad(50);
  await setup.backup({ format: 'tar' });
  await setup.switchAndWait();
  configFile = join(parent, 'config.yml');
  const base = (id: string) => `  - id: ${id}\n    kind: basebackup\n    path: ${setup.basePath}\n    walArchive: ${setup.walArchive}\n    maxRecoveryPoint: 1h\n    maxArchiveAge: 1d\n`;
  writeFileSync(configFile, `sources:\n${base('orders-base')}${base('quiet-base')}  - id: orders-dumps\n    kind: dump-dir\n    path: ${dumps}\n`);
  drilledAt = Date.now() - 2 * HOUR;
  const history = History.open(join(data, 'history.sqlite'));
  try {
    history.recordDrill(drill('orders-base', drilledAt, recovery(drilledAt - 60_000, 3 * 60_000 + 12_000)));
    history.recordDrill(drill('quiet-base', drilledAt, recovery(drilledAt - 60_000, 0, true)));
    history.recordDrill(drill('orders-dumps', drilledAt));
  } finally {
    history.close();
  }
}, 240_000);

afterAll(async () => {
  await setup?.stop();
  removeTestParentDir(parent);
});

describe('backup-health check with drills that replayed WAL', () => {
  it('says the recovery point in the LAST RESTORE column, and the end of an idle archive', async () => {
    const result = await check();
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines[2]).toMatch(/^SOURCE\s+STATUS\s+NEWEST BACKUP\s+SIZE\s+LAST RESTORE\s+FINDING$/);
    const row = (id: string) => lines.find((line) => line.startsWith(`${id} `)) ?? '';
    expect(row('orders-base')).toMatch(/\s2h( \d+s)? ago \(38s\), to 3m 12s behind(\s|$)/);
    expect(row('quiet-base')).toMatch(/\s2h( \d+s)? ago \(38s\), to the end of an idle archive(\s|$)/);
    // A dump drill reaches no recovery point, and says none.
    expect(row('orders-dumps')).toMatch(/\s2h( \d+s)? ago \(38s\)(\s|$)/);
    expect(row('orders-dumps')).not.toContain('behind');
  });

  it('carries the recovery point in --json', async () => {
    const result = await check('--json');
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { sources: Array<{ id: string; lastRestore: { at: string; recovery?: unknown } | null }> };
    const of = (id: string) => report.sources.find((s) => s.id === id)!.lastRestore!;
    expect(of('orders-base')).toEqual({
      at: new Date(drilledAt).toISOString(),
      restoreMs: 38_000,
      backupKey: '20261203T020000',
      recovery: { mode: 'end-of-archive', recoveredTo: new Date(drilledAt - 60_000 - 192_000).toISOString(), recoveryPointMs: 192_000, idle: false },
    });
    expect(of('quiet-base').recovery).toEqual({ mode: 'end-of-archive', recoveredTo: new Date(drilledAt - 60_000).toISOString(), recoveryPointMs: 0, idle: true });
    expect(of('orders-dumps')).not.toHaveProperty('recovery');
  });
});
