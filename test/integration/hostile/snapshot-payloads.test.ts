// Item 10, vector f: the COPY TO PROGRAM dump of vector a (CHECK constraint, custom format) inside a restic
// snapshot and a borg archive, drilled through the restic and borg drills, which restore the dump they find.
// The dump itself is first proven to fire on a naive restore.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { validateConfig, type ResticSourceConfig } from '../../../shared/config';
import { borgProbe } from '../../../electron/engine/sources/borg/index';
import { resticProbe } from '../../../electron/engine/sources/restic/index';
import { borgConfig, borgDrillContext, borgJob } from '../../support/borg-fixtures';
import { probeContext } from '../../support/postgres-fixtures';
import { restic } from '../../support/restic-fixtures';
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

const lab = hostileLab('snapshot');
const PASSWORD = 'hostile snapshot password';
const passwordFile = join(lab.root, 'password');
const backupDir = join(lab.root, 'backup');
const resticRepo = join(lab.root, 'restic-repo');
const borgRepo = join(lab.root, 'borg-repo');
const resticJob = { passwordFile, cacheDir: join(lab.root, 'restic-cache') };
const { borg } = borgJob(join(lab.root, 'borg-base'), PASSWORD);
let cluster: BareCluster;
let dumpPath: string;
let xdgCache: string | undefined;

beforeAll(async () => {
  xdgCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(lab.root, 'xdg-cache');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  cluster = await startBareCluster(lab.root);
  await createDatabase(cluster, 'snap', payloadDatabaseSql('check', copyToProgram(lab, 'snap')));
  dumpPath = await dump(cluster, lab, 'snap', 'custom');
  mkdirSync(backupDir);
  copyFileSync(dumpPath, join(backupDir, 'snap.dump'));
  await restic(resticJob, resticRepo, ['init']);
  await restic(resticJob, resticRepo, ['backup', backupDir]);
  await borg(['init', '--encryption=repokey', borgRepo]);
  await borg(['create', `${borgRepo}::nightly-1`, '.'], backupDir);
}, 120_000);

beforeEach(() => clearMarkers(lab));

afterAll(async () => {
  if (xdgCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = xdgCache;
  await cluster?.stop();
  lab.remove();
});

it('the dump in the snapshots fires when restored naively', async () => {
  await naiveRestore(cluster, dumpPath, 'naive_snap');
  expect(markersIn(lab)).toEqual(['snap-naive_snap']);
});

it('the restic drill refuses it', async () => {
  const parsed = validateConfig({ defaults: { drillDir: lab.drills }, sources: [{ id: 'snap-restic', kind: 'restic', repo: resticRepo, passwordFile, drill: { jobs: 2 } }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const source = parsed.config.sources[0] as ResticSourceConfig;
  const { backups } = await resticProbe.observe(source, probeContext({ config: parsed.config, timeoutMs: 20_000 }));
  const before = pidsNow();
  const drill = await resticProbe.drill!(source, backups.at(-1)!, { ...probeContext({ config: parsed.config }), timeoutMs: 120_000, onProgress: () => {} });
  expectNothingFired(lab, drill, before);
  expect(drill.message).not.toContain(PASSWORD);
  expectRefused(drill, TRIGGER_ENTRY.check);
});

it('the borg drill refuses it', async () => {
  const { config, source } = borgConfig({ repo: borgRepo, passwordFile, drill: { jobs: 2 } }, { drillDir: lab.drills });
  const { backups } = await borgProbe.observe(source, probeContext({ config }));
  const before = pidsNow();
  const drill = await borgProbe.drill!(source, backups.find((b) => b.key === 'nightly-1')!, borgDrillContext(config));
  expectNothingFired(lab, drill, before);
  expect(drill.message).not.toContain(PASSWORD);
  expectRefused(drill, TRIGGER_ENTRY.check);
});
