// The dump-dir kind: a directory of pg_dump files, here, over ssh or in a bucket (observe.ts, remote.ts,
// s3-observe.ts), each restored by the dump drill (drills/dump-drill.ts), after copying it here when it is on
// another host (remote-drill.ts) or in object storage (s3-drill.ts).
import type { DumpDirSourceConfig } from '../../../../shared/config';
import { runDumpDrill } from '../../drills/dump-drill';
import { dumpDrillOptions } from '../../drills/source-dump-drill';
import { BACKUP_RULES } from '../../health/backup-rules';
import { namedInDumps } from '../../health/named-in-dumps';
import type { SourceModule } from '../module';
import { DUMP_DIR_WORDS, dumpDirLocation } from './words';
import { dumpDirObserver } from './observe';
import { runRemoteDumpDrill } from './remote-drill';
import { runBucketDumpDrill } from './s3-drill';
import { formatBytes, formatDuration } from '../../../../shared/units';

export const dumpDirProbe: SourceModule<DumpDirSourceConfig> = {
  ...dumpDirObserver,
  // A dump on another host or in a bucket is copied here first: never a local file that happens to share its path.
  drill: (source, backup, ctx) =>
    source.url
      ? runBucketDumpDrill({ ...source, url: source.url }, backup, ctx)
      : source.host
        ? runRemoteDumpDrill({ ...source, host: source.host }, backup, ctx)
        : runDumpDrill(dumpDrillOptions(source, backup, ctx)),
  rules: BACKUP_RULES,
  words: DUMP_DIR_WORDS,
  location: dumpDirLocation,
  keepsWal: false,
  storedLabel: 'Dump directory size',
  storedBytes: (metrics) => metrics.totalBytes,
  describe(metrics, newest, now) {
    const count = `${metrics.fileCount} backup${metrics.fileCount === 1 ? '' : 's'} (${formatBytes(metrics.totalBytes)})`;
    return newest ? `${count}, newest ${formatDuration(now - newest.finishedAt)} ago, ${formatBytes(newest.sizeBytes)}` : `${count}`;
  },
  passwordFile: () => undefined,
  covers: namedInDumps,
};
