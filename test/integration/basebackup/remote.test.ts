// A basebackup source on a backup host reached over ssh (a real sshd on 127.0.0.1): the same backups, times,
// WAL locations and archive judgement as reading the same directories here; then `backup-health check` of
// the source over ssh, and of a source whose walArchive does not exist (said, with what to set).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import type { BaseBackupMetrics } from '../../../shared/model';
import { basebackupProbe } from '../../../electron/engine/sources/basebackup/index';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { probeContext, removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { basebackupSource, startBaseBackupSetup, type BaseBackupSetup } from '../../support/basebackup-fixtures';
import { startSshd, type TestSshd } from '../../support/sshd';

describe('basebackup over ssh', () => {
  const parentDir = testParentDir('basebackup-remote');
  let setup: BaseBackupSetup;
  let sshd: TestSshd;
  beforeAll(async () => {
    ensureCliBuilt();
    sshd = await startSshd();
    setup = await startBaseBackupSetup({ parentDir, gzipArchive: true });
    await setup.writeLoad(1000);
    await setup.backup({ format: 'plain' });
    await setup.writeLoad(1000);
    await setup.backup({ format: 'tar', compression: 'gzip' });
    await setup.writeLoad(1000);
    await setup.backup({ format: 'tar', compression: 'zstd' });
    await setup.switchAndWait();
  }, 180_000);
  afterAll(async () => {
    await setup?.stop();
    await sshd?.stop();
    expect(scratchDirsIn(parentDir)).toEqual([]);
    removeTestParentDir(parentDir);
  });

  it('observes over ssh what it observes here', async () => {
    const local = await basebackupProbe.observe(basebackupSource(setup), probeContext({ timeoutMs: 60_000 }));
    const remoteSource = basebackupSource(setup, { host: sshd.host, sshOptions: sshd.sshOptions });
    const remote = await basebackupProbe.observe(remoteSource, probeContext({ timeoutMs: 60_000 }));
    expect(remote.backups.map((b) => b.key)).toEqual(setup.backups.map((b) => b.label));
    expect(remote.backups.map((b) => b.meta)).toEqual(local.backups.map((b) => b.meta));
    expect(remote.backups.map((b) => [b.startedAt, b.sizeBytes, b.readable])).toEqual(local.backups.map((b) => [b.startedAt, b.sizeBytes, b.readable]));
    // Modification times come from find's %T@ there and stat here: the same instant, to the millisecond.
    for (let i = 0; i < local.backups.length; i++) expect(Math.abs(remote.backups[i]!.finishedAt - local.backups[i]!.finishedAt)).toBeLessThan(2);
    const metrics = remote.metrics as BaseBackupMetrics;
    expect(metrics).toMatchObject({ backupCount: 3, walSegmentSize: 16 * 1024 * 1024, archiveBytes: (local.metrics as BaseBackupMetrics).archiveBytes });
    expect(metrics.walArchive).toMatchObject({ missingSegments: 0, newestSegment: (local.metrics as BaseBackupMetrics).newestSegment });
    expect(basebackupProbe.location(remoteSource)).toBe(`${setup.basePath} on ${sshd.host}`);
  }, 120_000);

  it('backup-health check judges it over ssh, and says what to set when walArchive is wrong', async () => {
    const work = join(parentDir, 'cli');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(work, { recursive: true });
    const configFile = join(work, 'config.yml');
    const remote = `    host: ${sshd.host}\n    sshOptions:\n${sshd.sshOptions.map((o) => `      - ${JSON.stringify(o)}\n`).join('')}`;
    writeFileSync(
      configFile,
      `defaults:
  timeout: 2m                        # each ssh round trip costs a handshake; a loaded machine is slow at it
sources:
  - id: orders-base
    kind: basebackup
    path: ${setup.basePath}
    walArchive: ${setup.walArchive}
    maxAge: 26h
    maxArchiveAge: 1h
${remote}  - id: orders-base-wrong
    kind: basebackup
    path: ${setup.basePath}
    walArchive: ${setup.walArchive}-missing
`,
    );
    const result = await runCli(['check', '--config', configFile, '--data', join(work, 'data'), '--json']);
    const report = JSON.parse(result.stdout) as { sources: { id: string; status: string; newestBackup: { key: string } | null; findings: { rule: string; status: string; message: string }[] }[] };
    const byId = new Map(report.sources.map((s) => [s.id, s]));
    expect(byId.get('orders-base'), JSON.stringify(byId.get('orders-base')?.findings)).toMatchObject({ status: 'ok', newestBackup: { key: setup.backups.at(-1)!.label } });
    const wrong = byId.get('orders-base-wrong')!;
    expect(wrong.status).toBe('unknown');
    expect(wrong.findings[0]).toMatchObject({ rule: 'probe-error' });
    expect(wrong.findings[0]!.message).toContain(`no WAL archive directory ${setup.walArchive}-missing: set walArchive to the directory archive_command copies WAL into`);
    expect(result.code).toBe(3);

    // The text report names the kind's words for the healthy source.
    const text = await runCli(['check', '--config', configFile, '--data', join(work, 'data')]);
    expect(text.stdout).toMatch(/orders-base\b.*OK/);
  }, 120_000);
});
