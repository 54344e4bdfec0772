// A drill of a dump kept in an S3-compatible bucket: stream the object (or every object of a directory-format
// dump) into the drill's own directory, with a copy phase and byte progress, check it is as big as the poll
// saw, then the same dump drill as for a local file on the copy, all in one drill frame (drill-frame.ts). The
// download is what a restore would cost in a real emergency, so it counts into restoreMs. Object names are
// hostile input like any backup's: only flat, plain names become files, and never more bytes than observed.
// Each object is hashed as it arrives (issue 17: the backup's SHA-256, taken while copying, not by reading the
// copy again): the file's own for a plain or custom dump, the sorted manifest of its files' for a directory dump
// (backup-checksum.ts manifestOf), equal to what a read of the copy would give.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackupChecksum, Drill, ObservedBackup } from '../../../../shared/model';
import { formatBytes, formatDuration } from '../../../../shared/units';
import type { DrillContext } from '../probe';
import { ProbeError } from '../../errors';
import { runDrill, type DrillFrame } from '../../drills/drill-frame';
import { restoreDump } from '../../drills/dump-drill';
import { jailForDrill } from '../../drills/drill-jail';
import { DrillStop, drillError } from '../../drills/restore-plan';
import { manifestOf, type MemberHash } from '../../drills/backup-checksum';
import { dumpDrillOptions } from '../../drills/source-dump-drill';
import { objectStoreClient } from '../../object-store/client';
import { objectStoreError, type ObjectStoreWhere } from '../../object-store/errors';
import { bucketLocation, objectUrl } from '../../object-store/location';
import { listLevel, type BucketSource, type SendOptions } from './s3-observe';

/** A stalled download is dead after this long without a byte, whatever the drill's own (hours-long) budget. */
const IDLE_DOWNLOAD_MS = 120_000;

/** A name a pg_dump file or directory archive member can have, and nothing a path could be made of. */
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export function runBucketDumpDrill(source: BucketSource, backup: ObservedBackup, ctx: DrillContext): Promise<Drill> {
  return runDrill({ ...ctx, sourceId: source.id, backupKey: backup.key }, (frame) => drill(source, backup, ctx, frame));
}

async function drill(source: BucketSource, backup: ObservedBackup, ctx: DrillContext, frame: DrillFrame): Promise<string> {
  const place = bucketLocation(source.url);
  const directory = backup.key.endsWith('/');
  const name = backup.key.startsWith(place.url) ? backup.key.slice(place.url.length).replace(/\/$/, '') : '';
  if (!PLAIN_NAME.test(name)) throw drillError(`${backup.key} is not a dump directly under ${place.url}, or its name is not a plain file name (letters, digits, . _ -): not copied`);
  const key = `${place.prefix}${name}${directory ? '/' : ''}`;
  const where = (doing: string): ObjectStoreWhere => ({ bucket: place.bucket, endpoint: source.endpoint, region: source.region, profile: source.profile, doing });
  frame.progress(0, 0, { force: true });
  const s3 = await objectStoreClient(source).catch((err: unknown) => {
    throw drillError(err instanceof ProbeError ? err.message : objectStoreError(err, where(`connecting to ${place.url}`)).message);
  });
  const send = (): SendOptions => ({ abortSignal: frame.signal, requestTimeout: Math.min(frame.remaining(), IDLE_DOWNLOAD_MS) });
  const store = async <T>(doing: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof DrillStop || frame.signal.aborted) throw err;
      if (err instanceof GrewSinceObserved) throw drillError(`${backup.key} changed since it was observed (${formatBytes(backup.sizeBytes)}, now larger): drill it again after the next poll`);
      throw drillError(objectStoreError(err, where(doing)).message);
    }
  };

  // Written by this process, then handed to the drill's user, who restores it in its sandbox (drill-jail.ts).
  const jail = await jailForDrill(frame, ctx.config.defaults.drillDir ?? tmpdir(), `copy of ${backup.key}`);
  const copyDir = join(jail.dir, 'copy');
  const own = async (path: string) => {
    if (jail.runAs) await chown(path, jail.runAs.uid, jail.runAs.gid);
  };
  await mkdir(copyDir, { mode: 0o700 });
  await own(copyDir);

  // Which objects to fetch, and how big the poll saw them (a directory's members: as listed now).
  let members: { key: string; file: string; sizeBytes: number }[];
  if (directory) {
    const listed = await store(`listing ${backup.key}`, () => listLevel({ client: s3.s3, sdk: s3.sdk }, place, key, send(), (_d, run) => run()));
    const nested = listed.prefixes[0];
    if (nested) throw drillError(`${backup.key} holds a folder ${nested.slice(key.length)}: a pg_dump directory archive holds only files; not copied`);
    const objects = listed.objects.filter((o) => o.key !== key);
    const odd = objects.find((o) => !PLAIN_NAME.test(o.key.slice(key.length)));
    if (odd) throw drillError(`${backup.key} holds an object named ${JSON.stringify(odd.key.slice(key.length))}, which cannot be a file of a pg_dump directory archive; the drill copies only plain names (letters, digits, . _ -)`);
    await mkdir(join(copyDir, name), { mode: 0o700 });
    await own(join(copyDir, name));
    members = objects.map((o) => ({ key: o.key, file: join(copyDir, name, o.key.slice(key.length)), sizeBytes: o.sizeBytes }));
  } else {
    members = [{ key, file: join(copyDir, name), sizeBytes: backup.sizeBytes }];
  }

  const detail = `from ${place.bucket}`;
  frame.enter('copy', backup.sizeBytes, { detail, unit: 'bytes' });
  let copied = 0;
  const hashed: MemberHash[] = [];
  for (const member of members) {
    frame.throwIfStopped();
    // Never more than the poll saw: an object that grew since would otherwise fill the drill directory.
    const limit = backup.sizeBytes - copied;
    const written = await store(`downloading ${objectUrl(place.bucket, member.key)}`, async () => {
      const answer = await s3.s3.send(new s3.sdk.GetObjectCommand({ Bucket: place.bucket, Key: member.key }), send());
      let bytes = 0;
      const hash = createHash('sha256');
      await pipeline(
        answer.Body as Readable,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            bytes += chunk.length;
            if (bytes > limit) throw new GrewSinceObserved();
            hash.update(chunk);
            frame.progress(copied + bytes, backup.sizeBytes, { detail, unit: 'bytes' });
            yield chunk;
          }
        },
        createWriteStream(member.file, { flags: 'wx', mode: 0o600 }),
        { signal: frame.signal },
      );
      hashed.push({ name: basename(member.file), hex: hash.digest('hex'), bytes });
      return bytes;
    });
    await own(member.file);
    copied += written;
  }
  frame.throwIfStopped();
  if (copied !== backup.sizeBytes) {
    throw drillError(`${backup.key} changed since it was observed (${formatBytes(backup.sizeBytes)}, copied ${formatBytes(copied)}): drill it again after the next poll`);
  }
  const local = join(copyDir, name);
  const said = `copied ${backup.key}${source.endpoint ? ` from ${source.endpoint}` : ''} (${formatBytes(copied)} in ${formatDuration(frame.inPhaseMs())})`;
  // The dump drill's steps run in this frame, on the copy; its messages name the object where it is kept.
  const asKept = (text: string) => `${said}; ${text.split(local).join(backup.key)}`;
  try {
    return asKept(await restoreDump(frame, { ...dumpDrillOptions(source, { ...backup, key: local }, ctx), checksum: checksumOf(hashed, directory) }));
  } catch (err) {
    if (err instanceof DrillStop && !frame.signal.aborted) throw new DrillStop(err.outcome, asKept(err.message));
    throw err;
  }
}

class GrewSinceObserved extends Error {}

/** The copy's checksum from each object's hash taken as it arrived: as backup-checksum.ts would read the copy. */
function checksumOf(hashed: readonly MemberHash[], directory: boolean): BackupChecksum {
  if (directory) return manifestOf(hashed);
  const [file] = hashed;
  return { algorithm: 'sha256', hex: file!.hex, of: 'file', bytes: file!.bytes };
}
