// `backup-health check` of a backup server reached over ssh, as a sysadmin would configure it: a dump
// directory, a pgBackRest stanza, a restic and a borg repository, all on one host (a real sshd on 127.0.0.1
// with a generated key), plus a second "host" whose login is refused. Every kind is judged over ssh in one
// run; the refused one becomes its own finding and stops nothing else.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { borgJob } from '../../support/borg-fixtures';
import { startPgBackRestCluster, STANZA, type PgBackRestSetup } from '../../support/pgbackrest-fixtures';
import { removeTestParentDir, testParentDir } from '../../support/postgres-fixtures';
import { restic, writeOrdersDump, type ResticJob } from '../../support/restic-fixtures';
import { startSshd, type TestSshd } from '../../support/sshd';

const parent = testParentDir('cli-remote');
const work = join(parent, 'work');
const dumps = join(work, 'dumps');
const data = join(work, 'data');
const PASSWORD = 'remote repositories password';
let sshd: TestSshd;
let stanza: PgBackRestSetup;
let configFile: string;

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(dumps, { recursive: true });
  sshd = await startSshd();
  stanza = await startPgBackRestCluster(parent);
  await stanza.backup('full');
  const dump = await writeOrdersDump(dumps, parent);

  const passwordFile = join(work, 'repositories.pass');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  const job: ResticJob = { passwordFile, cacheDir: join(work, 'restic-cache') };
  const resticRepo = join(work, 'restic');
  await restic(job, resticRepo, ['init']);
  await restic(job, resticRepo, ['backup', dumps]);
  const borgRepo = join(work, 'borg');
  const borg = borgJob(join(work, 'borg-job'), PASSWORD).borg;
  await borg(['init', '--encryption=repokey', borgRepo]);
  await borg(['create', `${borgRepo}::orders-1`, '.'], dumps);

  const remote = (options: string[]) => `    host: ${sshd.host}\n    sshOptions:\n${options.map((o) => `      - ${JSON.stringify(o)}\n`).join('')}`;
  configFile = join(work, 'backup1.yml');
  writeFileSync(
    configFile,
    `defaults:
  timeout: 30s
sources:
  - id: dumps-backup1
    kind: dump-dir
    path: ${dumps}
    pattern: "*.dump"
    settle: 0s
${remote(sshd.sshOptions)}  - id: stanza-backup1
    kind: pgbackrest
    stanza: ${STANZA}
    configPath: ${stanza.configPath}
${remote(sshd.sshOptions)}  - id: restic-backup1
    kind: restic
    repo: ${resticRepo}
    passwordFile: ${passwordFile}
${remote(sshd.sshOptions)}  - id: borg-backup1
    kind: borg
    repo: ${borgRepo}
    passwordFile: ${passwordFile}
${remote(sshd.sshOptions)}  - id: borg-offsite
    kind: borg
    repo: ${borgRepo}
    passwordFile: ${passwordFile}
${remote(sshd.wrongKeyOptions)}`,
  );
  expect(dump).toBe(join(dumps, 'orders.dump'));
}, 180_000);

afterAll(async () => {
  await stanza?.stop();
  await sshd?.stop();
  removeTestParentDir(parent);
});

describe('backup-health check over ssh', () => {
  it('judges every kind on the backup host, and a refused login is its own finding', async () => {
    const result = await runCli(['check', '--config', configFile, '--data', data, '--json']);
    const report = JSON.parse(result.stdout) as { sources: { id: string; status: string; newestBackup: { key: string } | null; findings: { rule: string; message: string }[] }[] };
    const byId = new Map(report.sources.map((s) => [s.id, s]));
    for (const id of ['dumps-backup1', 'stanza-backup1', 'restic-backup1', 'borg-backup1']) {
      expect(byId.get(id), `${id}: ${JSON.stringify(byId.get(id)?.findings)}`).toMatchObject({ status: 'ok' });
      expect(byId.get(id)!.newestBackup).not.toBeNull();
    }
    expect(byId.get('dumps-backup1')!.newestBackup!.key).toBe(join(dumps, 'orders.dump'));
    const offsite = byId.get('borg-offsite')!;
    expect(offsite.status).toBe('unknown');
    expect(offsite.findings[0]).toMatchObject({ rule: 'probe-error' });
    expect(offsite.findings[0]!.message).toMatch(/127\.0\.0\.1 refused the ssh login as root@127\.0\.0\.1/);
    // Nagios: UNKNOWN (3), as nothing is critical; the password is nowhere in what check printed.
    expect(result.code).toBe(3);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });
});
