// Restore drills of real pg_basebackup runs and a real WAL archive (gzip-compressed by archive_command): each
// drill unpacks the backup in its sandbox, copies the archive from the backup's start on, replays it to the end
// (or to the backup's end), and says how recent a point it reached — measured against commits made here.
// Faults: a timeline switch is followed; a segment missing in the middle stops the replay and the drill says
// where; a truncated segment is named. One drill runs over ssh.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type BaseBackupSourceConfig, type Config } from '../../../shared/config';
import type { Drill, ObservedBackup } from '../../../shared/model';
import { basebackupProbe } from '../../../electron/engine/sources/basebackup/index';
import { runBaseBackupDrill } from '../../../electron/engine/sources/basebackup/drill';
import { probeContext, removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { startBaseBackupSetup, type BaseBackupFacts, type BaseBackupSetup, type SwitchedSegment } from '../../support/basebackup-fixtures';
import { postgresProcessesUsing } from '../../support/processes';
import { expectReplayedTo } from '../../support/replay-expectations';
import { startSshd, type TestSshd } from '../../support/sshd';
import { directoryManifestOf, sha256sumOf } from '../../support/sha256sum';
import { expectPostgresToolVersion, expectToolVersion, postgresToolOf } from '../../support/tool-version';
import { TAR } from '../../../electron/engine/drills/drill-jail';

const sourceParent = testParentDir('basebackup-drill-source');
const drillParent = testParentDir('basebackup-drill-runs');
let setup: BaseBackupSetup;
let plain: BaseBackupFacts;
let tar: BaseBackupFacts;
let last: SwitchedSegment;
let sshd: TestSshd | undefined;

function config(fields: Record<string, unknown> = {}): Config {
  const parsed = validateConfig({ defaults: { drillDir: drillParent }, sources: [{ id: 'orders-base', kind: 'basebackup', path: setup.basePath, walArchive: setup.walArchive, ...fields }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

async function backupsOf(cfg: Config): Promise<ObservedBackup[]> {
  return (await basebackupProbe.observe(cfg.sources[0] as BaseBackupSourceConfig, probeContext({ timeoutMs: 60_000 }))).backups;
}

async function drill(key: string, fields: Record<string, unknown> = {}): Promise<Drill> {
  const cfg = config(fields);
  const backup = (await backupsOf(cfg)).find((b) => b.key === key);
  if (!backup) throw new Error(`the probe does not list ${key}`);
  const result = await runBaseBackupDrill(cfg.sources[0] as BaseBackupSourceConfig, backup, { signal: new AbortController().signal, timeoutMs: 180_000, config: cfg, now: Date.now, onProgress: () => {} });
  expect(scratchDirsIn(drillParent)).toEqual([]);
  expect(postgresProcessesUsing(drillParent)).toEqual([]);
  return result;
}

const ordersRows = (d: Drill) => d.tableDetails?.find((t) => t.schema === 'postgres.public' && t.name === 'orders')?.rows;

beforeAll(async () => {
  setup = await startBaseBackupSetup({ parentDir: sourceParent, gzipArchive: true });
  await setup.writeLoad(500);
  plain = await setup.backup({ format: 'plain' });
  await setup.writeLoad(300);
  tar = await setup.backup({ format: 'tar', compression: 'gzip' });
  await setup.writeLoad(200);
  last = await setup.switchAndWait();
}, 240_000);

afterAll(async () => {
  await sshd?.stop();
  await setup?.stop();
  expect(scratchDirsIn(sourceParent)).toEqual([]);
  removeTestParentDir(sourceParent);
  removeTestParentDir(drillParent);
});

describe('base backup drills', () => {
  it('a tar backup replayed to the end of the archive has every row committed before the last segment closed, and says how recent', async () => {
    const result = await drill(tar.label);
    expect(result.outcome, result.message).toBe('pass');
    expect(ordersRows(result)).toBe(1000);
    expectReplayedTo(result, last);
    expect(result.restoreMs).toBeGreaterThanOrEqual((result.phases.restore ?? 0) + (result.phases.replay ?? 0));
    expect(result.message).toMatch(new RegExp(`^restored base backup ${tar.label}, checked against its backup_manifest, and replayed its WAL to the end of the archive: restorable up to \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(recovery point (under 1s|\\d+s) behind the drill's start; replayed \\d+ WAL segments in \\d+s\\); 1 database`));
    // The run's checksum, hashed as tar read each file: what sha256sum gives for the run's directory.
    const runDir = join(setup.basePath, tar.label);
    expect(readdirSync(runDir)).toContain('base.tar.gz');
    expect(result.provenance?.checksum).toEqual({ algorithm: 'sha256', of: 'directory-manifest', ...directoryManifestOf(runDir) });
    expect(result.provenance?.checksumMissing).toBeUndefined();
    // The tools that ran, as each prints its version: tar, gzip (base.tar.gz, and the gzipped archive's
    // segments in restore_command), pg_verifybackup against the run's backup_manifest.
    const { tools, scratchServer } = result.provenance!;
    expect(Object.keys(tools).sort()).toEqual(['gzip', 'pg_verifybackup', 'tar']);
    await expectToolVersion(tools.tar, TAR);
    await expectToolVersion(tools.gzip, 'gzip');
    await expectPostgresToolVersion(tools.pg_verifybackup, await postgresToolOf(scratchServer, 'pg_verifybackup'));
  }, 240_000);

  it('an older plain backup replays through the later backups\' WAL to the same end; backup-end stops at its own end', async () => {
    const toEnd = await drill(plain.label);
    expect(toEnd.outcome, toEnd.message).toBe('pass');
    expect(ordersRows(toEnd)).toBe(1000);
    expect(toEnd.recovery?.lastReplayedSegment).toBe(last.segment);

    const ownEnd = await drill(plain.label, { drill: { recovery: 'backup-end' } });
    expect(ownEnd.outcome, ownEnd.message).toBe('pass');
    expect(ordersRows(ownEnd)).toBe(500);
    expect(ownEnd.recovery?.mode).toBe('backup-end');
    expect(ownEnd.message).toMatch(new RegExp(`^restored base backup ${plain.label}, checked against its backup_manifest, and recovered it to consistency: 1 database`));
    // A plain run's checksum is its backup_manifest's, read while the tree was sent.
    const manifest = join(setup.basePath, plain.label, 'backup_manifest');
    const expected = { algorithm: 'sha256', of: 'backup-manifest', file: 'backup_manifest', hex: sha256sumOf(manifest), bytes: statSync(manifest).size };
    expect(toEnd.provenance?.checksum).toEqual(expected);
    expect(ownEnd.provenance?.checksum).toEqual(expected);
  }, 300_000);

  it('over ssh: the backup and the archive are copied from the host', async () => {
    sshd = await startSshd();
    const result = await drill(tar.label, { host: sshd.host, sshOptions: sshd.sshOptions });
    expect(result.outcome, result.message).toBe('pass');
    expect(ordersRows(result)).toBe(1000);
    expect(result.message).toContain(`(copied from ${sshd.host})`);
    // A tar run's files go from ssh straight into tar: no checksum, and the provenance says why.
    expect(result.provenance?.checksum).toBeUndefined();
    expect(result.provenance?.checksumMissing).toBe(`a tar run on ${sshd.host} is unpacked straight from ssh into tar, so its bytes never pass through Backup Health to be hashed`);
    // tar on the host sent the archive (asked there over ssh), tar here unpacked everything.
    const { tools } = result.provenance!;
    expect(Object.keys(tools).sort()).toEqual(['gzip', 'pg_verifybackup', 'tar', 'tar@127.0.0.1']);
    await expectToolVersion(tools['tar@127.0.0.1'], 'tar', ['--version'], sshd);
  }, 240_000);

  it('follows a promotion to timeline 2 (no false gap) and reaches its newest segment', async () => {
    const timeline = await setup.faults.promote();
    await setup.writeLoad(100);
    const after = await setup.switchAndWait();
    expect(after.segment.startsWith(`0000000${timeline}`)).toBe(true);
    const result = await drill(tar.label);
    expect(result.outcome, result.message).toBe('pass');
    expect(ordersRows(result)).toBe(1100);
    expect(result.recovery?.lastReplayedSegment).toBe(after.segment);
    last = after;
  }, 300_000);

  it('a segment missing in the middle stops the replay: the drill fails and says where, and how far it restores', async () => {
    // A segment of timeline 1 between the plain backup's end and the last one of that timeline.
    const timeline1 = setup.archivedSegments().filter((name) => name.startsWith('00000001'));
    const missing = timeline1.find((name) => name > plain.stopSegment && name < timeline1.at(-1)!)!;
    expect(missing, 'the archive holds a segment to remove between the backups').toBeDefined();
    const file = setup.archived().find((name) => name.startsWith(missing))!;
    rmSync(join(setup.walArchive, file));
    const result = await drill(plain.label);
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^point-in-time recovery stops at [0-9A-F]{24} \(archived \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\): [0-9A-F]{24} is missing from the archive or could not be replayed, so \d+ newer segments? after it could not be replayed and restores to later times are impossible; it restores up to /);
    expect(result.message).toContain(`: ${missing} is missing`);
    expect(result.recovery?.lastReplayedSegment?.slice(8)).toBe((BigInt(`0x${missing.slice(8)}`) - 1n).toString(16).toUpperCase().padStart(16, '0'));
  }, 240_000);
});
