// Item 10, vector e: a directory-format dump whose table data member (NNNN.dat) is a symlink to a mode-600
// file outside the dump, with a CHECK constraint that copies each row it checks to a marker file. Restored
// naively (pg_restore as the test's user, root here), the secret is read and written out; drilled through the
// real `backup-health drill`, the drill fails and the secret appears nowhere: not in its output, not in the
// history it keeps, not in a marker.
import { readdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { clearMarkers, createDatabase, drillDump, dump, hostileLab, markersIn, naiveRestore, pidsNow, processesLeftSince, startBareCluster, type BareCluster } from '../../support/hostile-backups';

const lab = hostileLab('symlink');
const secretFile = join(lab.root, 'shadow');
const data = join(lab.root, 'data');
let cluster: BareCluster;
let dumpPath: string;

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  ensureCliBuilt();
  writeFileSync(secretFile, `${lab.secret}\n`, { mode: 0o600 });
  cluster = await startBareCluster(lab.root);
  await createDatabase(
    cluster,
    'leak',
    `CREATE FUNCTION public.leak(line text) RETURNS boolean LANGUAGE plpgsql AS $fn$
     BEGIN
       EXECUTE format('COPY (SELECT %L) TO %L', line, '${lab.markers}/leak-' || current_database());
       RETURN true;
     END $fn$;
     CREATE TABLE public.leaky (line text CHECK (public.leak(line)));
     INSERT INTO public.leaky VALUES ('harmless-row');`,
  );
  dumpPath = await dump(cluster, lab, 'leak', 'directory', 'leak', ['-Z', '0']);
  const member = readdirSync(dumpPath).find((f) => f.endsWith('.dat') && readFileSync(join(dumpPath, f), 'utf8').includes('harmless-row'));
  if (!member) throw new Error(`no data member of ${dumpPath} holds the row`);
  renameSync(join(dumpPath, member), join(lab.root, 'original.dat'));
  symlinkSync(secretFile, join(dumpPath, member));
  for (const marker of markersIn(lab)) renameSync(join(lab.markers, marker), join(lab.root, `built-${marker}`));
});

afterAll(async () => {
  await cluster?.stop();
  lab.remove();
});

it('a naive pg_restore reads the linked secret and the CHECK constraint writes it out', async () => {
  expect(statSync(secretFile).mode & 0o777).toBe(0o600);
  await naiveRestore(cluster, dumpPath, 'naive_leak');
  expect(markersIn(lab)).toEqual(['leak-naive_leak']);
  expect(readFileSync(join(lab.markers, 'leak-naive_leak'), 'utf8')).toContain(lab.secret);
});

it('backup-health drill fails it and the secret is nowhere', async () => {
  for (const marker of markersIn(lab)) renameSync(join(lab.markers, marker), join(lab.root, `naive-${marker}`));
  const config = join(lab.root, 'config.yml');
  writeFileSync(
    config,
    `defaults:\n  drillDir: ${lab.drills}\nsources:\n  - id: leak-dumps\n    kind: dump-dir\n    path: ${lab.dumps}\n    pattern: "leak.dir"\n    settle: 0s\n`,
  );
  const before = pidsNow();
  const result = await runCli(['drill', '--source', 'leak-dumps', '--config', config, '--data', data]);
  expect(`${result.stdout}${result.stderr}`).not.toContain(lab.secret);
  expect(markersIn(lab)).toEqual([]);
  expect(processesLeftSince(before, [lab.drills, lab.markers])).toEqual([]);
  expect(readdirSync(lab.drills)).toEqual([]);
  const history = filesUnder(data);
  expect(history.length).toBeGreaterThan(0); // the drill was recorded, so searching the history means something
  for (const file of history) expect(readFileSync(file).includes(lab.secret), file).toBe(false);
  expect(result.code, `${result.stdout}${result.stderr}`).toBe(2);
  expect(result.stdout).toMatch(/FAIL/i);
  expect(result.stdout).toMatch(/symlink/);
});

// The link may appear after the poll that saw the dump whole: the drill itself must not follow it either.
it('runDumpDrill on a backup observed as readable fails it without reading the secret', async () => {
  clearMarkers(lab);
  const before = pidsNow();
  const drill = await drillDump(lab, dumpPath);
  expect(markersIn(lab)).toEqual([]);
  expect(JSON.stringify(drill)).not.toContain(lab.secret);
  expect(processesLeftSince(before, [lab.drills, lab.markers])).toEqual([]);
  expect(readdirSync(lab.drills)).toEqual([]);
  expect(drill.outcome, drill.message).toBe('fail');
  expect(drill.message).toMatch(/symlink|outside/);
});
