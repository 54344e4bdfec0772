// Item 10, vector b: the backup's SQL reaching the server's files through the same trigger points as vector a:
// COPY ... TO a path (a CHECK constraint), pg_read_file (a materialized view's refresh) and lo_import (a CHECK
// constraint), the last two putting a secret file's content into the restored database. Each is proven on a
// naive restore first; the drill must refuse it and the secret must appear nowhere in what the drill reports.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '../../support/postgres-fixtures';
import {
  clearMarkers,
  copyToFile,
  createDatabase,
  drillDump,
  dump,
  expectNothingFired,
  expectRefused,
  hostileLab,
  loImportIntoLoot,
  markersIn,
  naiveRestore,
  payloadDatabaseSql,
  pidsNow,
  readFileIntoLoot,
  startBareCluster,
  TRIGGER_ENTRY,
  type BareCluster,
  type DumpFormat,
  type HostileLab,
  type TriggerPoint,
} from '../../support/hostile-backups';

const lab = hostileLab('server-files');
const FORMATS: DumpFormat[] = ['custom', 'plain'];
let cluster: BareCluster;
const dumps = new Map<string, string>();

interface Vector {
  name: string;
  point: TriggerPoint;
  payload: (lab: HostileLab) => string;
  /** What the naive restore left, proving the payload fired there. */
  proof: (cluster: BareCluster, database: string) => Promise<void>;
}

const VECTORS: Vector[] = [
  {
    name: 'COPY TO a server file',
    point: 'check',
    payload: (l) => copyToFile(l, 'file'),
    proof: async (_, database) => expect(markersIn(lab)).toEqual([`file-${database}`]),
  },
  {
    name: 'pg_read_file',
    point: 'matview',
    payload: readFileIntoLoot,
    proof: async (c, database) => expect(await sql(c, 'SELECT v FROM public.loot', database)).toContain(lab.secret),
  },
  {
    name: 'lo_import',
    point: 'check',
    payload: loImportIntoLoot,
    proof: async (c, database) => expect(await sql(c, "SELECT convert_from(lo_get(v::oid), 'UTF8') FROM public.loot", database)).toContain(lab.secret),
  },
];

const dbName = (v: Vector) => `files_${v.name.replace(/\W+/g, '_').toLowerCase()}`;

beforeAll(async () => {
  cluster = await startBareCluster(lab.root);
  for (const vector of VECTORS) {
    await createDatabase(cluster, dbName(vector), payloadDatabaseSql(vector.point, vector.payload(lab)));
    for (const format of FORMATS) dumps.set(`${vector.name}/${format}`, await dump(cluster, lab, dbName(vector), format));
  }
});

beforeEach(() => clearMarkers(lab));

afterAll(async () => {
  await cluster?.stop();
  lab.remove();
});

describe.each(VECTORS)('$name', (vector) => {
  it.each(FORMATS)('%s: works when restored naively, is refused by the drill', async (format) => {
    const path = dumps.get(`${vector.name}/${format}`)!;
    const naiveDb = `naive_${dbName(vector)}_${format}`;
    await naiveRestore(cluster, path, naiveDb);
    await vector.proof(cluster, naiveDb);
    clearMarkers(lab);

    const before = pidsNow();
    const drill = await drillDump(lab, path);
    expectNothingFired(lab, drill, before);
    expect(JSON.stringify(drill)).not.toContain(lab.secret);
    expectRefused(drill, TRIGGER_ENTRY[vector.point]);
  });
});

