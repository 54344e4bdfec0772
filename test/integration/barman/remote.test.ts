// A barman source on a Barman host reached over ssh (a real sshd on 127.0.0.1): barman runs there and xlog.db is
// read there, giving the same backups, WAL judgement and health as here; `backup-health check` prints the
// source, and a server Barman does not know is said naming the server, the host and the command.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BarmanMetrics } from '../../../shared/model';
import { barmanProbe } from '../../../electron/engine/sources/barman/index';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { judgeObservation } from '../../support/judge-observation';
import { probeContext, removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { barmanSource, startBarmanSetup, type BarmanSetup } from '../../support/barman-fixtures';
import { startSshd, type TestSshd } from '../../support/sshd';

describe('barman over ssh', () => {
  const parentDir = testParentDir('barman-remote');
  let setup: BarmanSetup;
  let sshd: TestSshd;
  beforeAll(async () => {
    ensureCliBuilt();
    sshd = await startSshd();
    setup = await startBarmanSetup({ parentDir });
    await setup.writeLoad(2000);
    await setup.backup();
    await setup.writeLoad(500);
    await setup.switchWal();
  }, 300_000);
  afterAll(async () => {
    await setup?.stop();
    await sshd?.stop();
    expect(scratchDirsIn(parentDir)).toEqual([]);
    removeTestParentDir(parentDir);
  });

  it('observes over ssh what it observes here', async () => {
    const ctx = () => probeContext({ timeoutMs: 120_000 });
    const local = await barmanProbe.observe(barmanSource(setup), ctx());
    const remoteSource = barmanSource(setup, { host: sshd.host, sshOptions: sshd.sshOptions });
    const remote = await barmanProbe.observe(remoteSource, ctx());
    expect(remote.backups).toEqual(local.backups);
    expect(remote.backups.map((b) => b.key)).toEqual([setup.backups[0]!.id]);
    const metrics = remote.metrics as BarmanMetrics;
    expect(metrics.walArchive).toEqual((local.metrics as BarmanMetrics).walArchive);
    expect(metrics).toMatchObject({ archiveFiles: (local.metrics as BarmanMetrics).archiveFiles, checkFailures: [], walSegmentSize: 16 * 1024 * 1024 });
    expect(judgeObservation(remoteSource, remote).status).toBe('ok');
    expect(barmanProbe.location(remoteSource)).toBe(`Barman server ${setup.server} (on ${sshd.host}, -c ${setup.configPath})`);

    const unknown = barmanSource(setup, { server: 'pg-nosuch', host: sshd.host, sshOptions: sshd.sshOptions });
    await expect(barmanProbe.observe(unknown, ctx())).rejects.toThrow(`on ${sshd.host}: Barman knows no server "pg-nosuch"`);
  }, 300_000);

  it('backup-health check prints the source and judges it over ssh', async () => {
    const work = join(parentDir, 'cli');
    mkdirSync(work, { recursive: true });
    const configFile = join(work, 'config.yml');
    writeFileSync(
      configFile,
      `defaults:
  timeout: 3m                        # barman starts Python per call, and each ssh round trip costs a handshake
sources:
  - id: orders-barman
    kind: barman
    server: ${setup.server}
    configPath: ${setup.configPath}
    maxAge: 26h
    host: ${sshd.host}
    sshOptions:
${sshd.sshOptions.map((o) => `      - ${JSON.stringify(o)}\n`).join('')}`,
    );
    const result = await runCli(['check', '--config', configFile, '--data', join(work, 'data'), '--json']);
    const report = JSON.parse(result.stdout) as { sources: { id: string; status: string; newestBackup: { key: string } | null; findings: unknown[] }[] };
    const source = report.sources.find((s) => s.id === 'orders-barman')!;
    expect(source, JSON.stringify(source?.findings)).toMatchObject({ status: 'ok', newestBackup: { key: setup.backups[0]!.id } });
    const text = await runCli(['check', '--config', configFile, '--data', join(work, 'data')]);
    expect(text.stdout).toMatch(/orders-barman\b.*OK/);
  }, 300_000);
});
