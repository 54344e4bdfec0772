// Item 10, remote: the CHECK-constraint COPY TO PROGRAM dump of vector a in a dump directory read over ssh
// (the test sshd on 127.0.0.1, logging in as root), drilled as a remote dump-dir source: copied here, then
// refused like the local one. The same file is first proven to fire on a naive restore.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { validateConfig, type DumpDirSourceConfig } from '../../../shared/config';
import { dumpDirProbe } from '../../../electron/engine/sources/dump-dir/index';
import { probeContext } from '../../support/postgres-fixtures';
import { isAlive } from '../../support/processes';
import { startSshd, type TestSshd } from '../../support/sshd';
import {
  clearMarkers,
  copyToProgram,
  createDatabase,
  dump,
  expectNothingFired,
  expectRefused,
  hostileLab,
  markersIn,
  naiveRestore,
  payloadDatabaseSql,
  pidsNow,
  startBareCluster,
  TRIGGER_ENTRY,
  type BareCluster,
} from '../../support/hostile-backups';

const lab = hostileLab('remote');
let cluster: BareCluster;
let sshd: TestSshd;
let dumpPath: string;

beforeAll(async () => {
  sshd = await startSshd();
  cluster = await startBareCluster(lab.root);
  await createDatabase(cluster, 'remote', payloadDatabaseSql('check', copyToProgram(lab, 'remote')));
  dumpPath = await dump(cluster, lab, 'remote', 'custom', 'remote-check');
});

beforeEach(() => clearMarkers(lab));

afterAll(async () => {
  const pid = sshd?.pid;
  await sshd?.stop();
  if (pid) expect(isAlive(pid)).toBe(false);
  await cluster?.stop();
  lab.remove();
});

it('the dump fires when restored naively', async () => {
  await naiveRestore(cluster, dumpPath, 'naive_remote');
  expect(markersIn(lab)).toEqual(['remote-naive_remote']);
});

it('a drill of it over ssh refuses it', async () => {
  const parsed = validateConfig({
    defaults: { drillDir: lab.drills },
    sources: [{ id: 'remote-dumps', kind: 'dump-dir', path: lab.dumps, pattern: 'remote-check.dump', settle: '0s', host: sshd.host, sshOptions: sshd.sshOptions }],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const source = parsed.config.sources[0] as DumpDirSourceConfig;
  const context = probeContext({ config: parsed.config, timeoutMs: 30_000 });
  const { backups } = await dumpDirProbe.observe(source, context);
  expect(backups.map((b) => b.key)).toEqual([dumpPath]);
  const before = pidsNow();
  const drill = await dumpDirProbe.drill!(source, backups[0]!, { ...context, timeoutMs: 120_000, onProgress: () => {} });
  expectNothingFired(lab, drill, before);
  expect(drill.message.startsWith(`copied from ${sshd.host} `)).toBe(true);
  expectRefused(drill, TRIGGER_ENTRY.check);
});
