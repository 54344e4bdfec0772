// What a drill records for an audit (issue 17): the SHA-256 of the dump it restored, read alongside the restore
// and equal to what sha256sum says of the file (a directory dump: its sha256sum lines sorted by name, hashed), the
// machine it ran on, the restoring tool's and the scratch server's versions; kept by the history as they were.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObservedBackup } from '../../../shared/model';
import { describeFailure, run } from '../../../electron/engine/exec';
import { runDumpDrill } from '../../../electron/engine/drills/dump-drill';
import { History } from '../../../electron/engine/store/history';
import { removeTestParentDir, scratchDirsIn, sql, startTcpCluster, testParentDir, type TcpCluster } from '../../support/postgres-fixtures';

const sourceParent = testParentDir('drill-evidence-source');
const drillParent = testParentDir('drill-evidence-runs');
const dumpDir = join(sourceParent, 'dumps');
let db: TcpCluster;
let version: string;

async function pgDump(file: string, args: string[]): Promise<string> {
  const path = join(dumpDir, file);
  const result = await run(db.cluster.tool('pg_dump'), [...db.cluster.clientArgs(), ...args, '-f', path, 'shop'], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(describeFailure(result, 'pg_dump'));
  return path;
}

function backupOf(path: string): ObservedBackup {
  const info = statSync(path);
  const size = info.isDirectory() ? readdirSync(path).reduce((sum, f) => sum + statSync(join(path, f)).size, 0) : info.size;
  return { key: path, type: 'dump', finishedAt: Math.trunc(info.mtimeMs), sizeBytes: size, readable: true };
}

const drill = (path: string) => runDumpDrill({ sourceId: 'shop-dumps', backup: backupOf(path), jobs: 2, checks: [], parentDir: drillParent });
const sha256sum = (path: string) => execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0];
const manifestSum = (dir: string) => execFileSync('sh', ['-c', '(cd "$1" && LC_ALL=C ls | xargs sha256sum) | sha256sum', 'sh', dir], { encoding: 'utf8' }).split(' ')[0];

beforeAll(async () => {
  mkdirSync(dumpDir);
  db = await startTcpCluster({ parentDir: sourceParent });
  await sql(db.cluster, 'CREATE DATABASE shop');
  await sql(db.cluster, "CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, repeat('x', g % 50) FROM generate_series(1, 20000) g;", 'shop');
  version = (await sql(db.cluster, 'SHOW server_version')).trim();
}, 120_000);

afterAll(async () => {
  await db?.cluster.stop();
  expect(scratchDirsIn(drillParent)).toEqual([]);
  removeTestParentDir(drillParent);
  removeTestParentDir(sourceParent);
});

describe('drill evidence', () => {
  it.each([
    ['custom', 'shop.dump', ['-Fc'], 'pg_restore'],
    ['tar', 'shop.tar', ['-Ft'], 'pg_restore'],
    ['plain', 'shop.sql', ['-Fp'], 'psql'],
  ])('a %s dump (%s, %s): the SHA-256 sha256sum gives, this host, the tool and the scratch server versions', async (_format, file, args, tool) => {
    const path = await pgDump(file, args);
    const result = await drill(path);
    expect(result.outcome, result.message).toBe('pass');
    expect(result.provenance?.checksum).toEqual({ algorithm: 'sha256', hex: sha256sum(path), of: 'file', bytes: statSync(path).size });
    expect(result.provenance?.host).toBe(hostname());
    expect(result.provenance?.scratchServer).toMatch(/^\d+\.\d+/);
    expect(result.provenance?.scratchServer?.split(' ')[0]).toBe(result.restoredWith);
    expect(Object.keys(result.provenance?.tools ?? {})).toEqual([tool]);
    expect(result.provenance?.tools[tool]?.split(' ')[0]).toBe(version.split(' ')[0]);
  }, 120_000);

  it('a directory dump: the SHA-256 of its sha256sum lines sorted by name', async () => {
    const path = await pgDump('shop.dir', ['-Fd']);
    const result = await drill(path);
    expect(result.outcome, result.message).toBe('pass');
    expect(result.provenance?.checksum).toEqual({ algorithm: 'sha256', hex: manifestSum(path), of: 'directory-manifest', bytes: backupOf(path).sizeBytes });
    expect(result.provenance?.tools.pg_restore).toBeTruthy();
  }, 120_000);

  it('a dump only its owner can read (copied for the drill user when run as root): the same SHA-256', async () => {
    const path = await pgDump('private.dump', ['-Fc']);
    chmodSync(path, 0o600);
    const result = await drill(path);
    expect(result.outcome, result.message).toBe('pass');
    expect(result.provenance?.checksum?.hex).toBe(sha256sum(path));
  }, 120_000);

  it('a drill that fails once the dump is read (schema only) still names it by its SHA-256', async () => {
    const path = await pgDump('schema-only.dump', ['-Fc', '-s']);
    const result = await drill(path);
    expect(result.outcome, result.message).toBe('fail');
    expect(result.message).toMatch(/^schema-only backup/);
    expect(result.provenance?.checksum).toEqual({ algorithm: 'sha256', hex: sha256sum(path), of: 'file', bytes: statSync(path).size });
  });

  it('a drill that fails before the restore has host and no checksum; the history keeps the evidence as recorded', async () => {
    const garbage = join(dumpDir, 'garbage.dump');
    execFileSync('sh', ['-c', 'printf "not a backup\\n" > "$1"', 'sh', garbage]);
    const failed = await drill(garbage);
    expect(failed.outcome).toBe('fail');
    expect(failed.provenance).toEqual({ host: hostname(), tools: {}, scratchServer: null });

    const passed = await drill(await pgDump('kept.dump', ['-Fc']));
    const history = History.open(join(sourceParent, 'history.sqlite'));
    try {
      history.recordDrill(failed);
      history.recordDrill(passed);
      const [kept, keptFailed] = history.drills('shop-dumps');
      expect(kept?.provenance).toEqual(passed.provenance);
      expect(keptFailed?.provenance).toEqual(failed.provenance);
    } finally {
      history.close();
    }
  }, 120_000);
});
