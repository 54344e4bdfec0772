// The WAL archive's files (name, size, archive time), here or over ssh.
import type { BaseBackupSourceConfig } from '../../../../shared/config';
import type { ProbeContext } from '../probe';
import type { SourceFiles } from './files';
import type { ArchiveListing } from './observe';

export async function listWalArchive(source: BaseBackupSourceConfig, files: SourceFiles, _ctx: ProbeContext): Promise<ArchiveListing> {
  const entries = await files.list(source.walArchive, 'walArchive');
  return { entries: entries.filter((e) => e.type === 'file' && !e.name.startsWith('.')).map((e) => ({ name: e.name, sizeBytes: e.size, mtimeMs: e.mtimeMs })) };
}
