// Item 10, vector a: a plpgsql function running COPY ... TO PROGRAM, reached from a CHECK constraint (as the
// rows load), an expression index (as it is built) and a materialized view (as its data is refreshed), in
// every pg_dump format. Each case first proves the payload fires when restored naively as superuser; then the
// drill must refuse it, name the TOC entry, and leave no marker, process or directory behind.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ALL_FORMATS,
  clearMarkers,
  copyToProgram,
  createDatabase,
  drillDump,
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
  type DumpFormat,
  type TriggerPoint,
} from '../../support/hostile-backups';

const lab = hostileLab('program');
const POINTS: TriggerPoint[] = ['check', 'index', 'matview'];
let cluster: BareCluster;
const dumps = new Map<string, string>();

beforeAll(async () => {
  cluster = await startBareCluster(lab.root);
  for (const point of POINTS) {
    await createDatabase(cluster, `program_${point}`, payloadDatabaseSql(point, copyToProgram(lab, `program-${point}`)));
    for (const format of ALL_FORMATS) dumps.set(`${point}/${format}`, await dump(cluster, lab, `program_${point}`, format));
  }
  // Building the sources fired every payload once; only restores may leave markers from here on.
  expect(markersIn(lab)).toEqual(POINTS.map((p) => `program-${p}-program_${p}`).sort());
  clearMarkers(lab);
});

// A drill that let a payload through must not make the next case's naive proof look wrong.
beforeEach(() => clearMarkers(lab));

afterAll(async () => {
  await cluster?.stop();
  lab.remove();
});

describe.each(POINTS)('COPY TO PROGRAM from a %s', (point) => {
  it.each(ALL_FORMATS)('%s: fires when restored naively, is refused by the drill', async (format: DumpFormat) => {
    const path = dumps.get(`${point}/${format}`)!;
    const naiveDb = `naive_${point}_${format.replace('-', '_')}`;
    await naiveRestore(cluster, path, naiveDb);
    expect(markersIn(lab), 'the naive restore did not fire the payload: the test proves nothing').toEqual([`program-${point}-${naiveDb}`]);
    clearMarkers(lab);

    const before = pidsNow();
    const drill = await drillDump(lab, path);
    expectNothingFired(lab, drill, before);
    expectRefused(drill, TRIGGER_ENTRY[point]);
  });
});
