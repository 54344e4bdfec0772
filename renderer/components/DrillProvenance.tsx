// Where a drill ran and what it read: the backup's SHA-256, the machine, the tools' versions (issue 17's audit
// evidence). An auditor compares the hash with one taken elsewhere, so the full value is one click from the clipboard.
import { useState } from 'react';
import type { BackupChecksum, DrillProvenance } from '../../shared/model';
import { formatBytes } from '../../shared/units';
import { visibleText } from '../../shared/visible-text';
import { toolWords } from '../../shared/tool-words';

const SHORT_HEX = 12;

/** What the hash covers, in words; a kind added later (`of` unknown to this build) is named as it is recorded. */
export function checksumCovers(of: string, file?: string): string {
  if (of === 'file') return 'of the file';
  if (of === 'directory-manifest') return "of the directory's files (sorted manifest)";
  if (of === 'backup-manifest') return `of its ${file ? visibleText(file) : 'backup manifest'}, which holds each file's own checksum`;
  return `of the backup (${visibleText(of)})`;
}

export function DrillProvenanceFacts({ provenance }: { provenance: DrillProvenance | undefined }) {
  if (!provenance) return null;
  const tools = Object.entries(provenance.tools).sort(([a], [b]) => a.localeCompare(b));
  return (
    <dl className="drill-provenance" data-testid="drill-provenance">
      {provenance.checksum && <ChecksumFact checksum={provenance.checksum} />}
      {!provenance.checksum && provenance.checksumMissing && (
        <>
          <dt>Backup SHA-256</dt>
          <dd data-testid="drill-checksum-missing">none: {visibleText(provenance.checksumMissing)}</dd>
        </>
      )}
      <dt>Ran on</dt>
      <dd data-testid="drill-host">{visibleText(provenance.host)}</dd>
      {provenance.scratchServer && (
        <>
          <dt>Restored into</dt>
          <dd>PostgreSQL {visibleText(provenance.scratchServer)}</dd>
        </>
      )}
      {tools.length > 0 && (
        <>
          <dt>Tools</dt>
          <dd data-testid="drill-tools">{tools.map(([name, version]) => visibleText(toolWords(name, version))).join(', ')}</dd>
        </>
      )}
    </dl>
  );
}

function ChecksumFact({ checksum }: { checksum: BackupChecksum }) {
  const [full, setFull] = useState(false);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const hex = visibleText(checksum.hex);
  const short = hex.length > SHORT_HEX;
  const copy = () => {
    setFull(true);
    navigator.clipboard.writeText(hex).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };
  return (
    <>
      <dt>Backup SHA-256</dt>
      <dd data-testid="drill-checksum">
        {full || !short ? (
          <code className="checksum checksum-full" title={hex} data-testid="checksum-full">
            {hex}
          </code>
        ) : (
          <button type="button" className="link checksum" title={hex} onClick={() => setFull(true)} aria-label="Show the full SHA-256">
            <code>{hex.slice(0, SHORT_HEX)}…</code>
          </button>
        )}{' '}
        {checksumCovers(checksum.of, checksum.file)}, {formatBytes(checksum.bytes)}{' '}
        <button type="button" className="link" onClick={copy} aria-label="Copy the full SHA-256">
          Copy
        </button>
        {copied === 'yes' && <span className="muted" role="status"> copied</span>}
        {copied === 'failed' && <span role="status"> could not copy: select it above</span>}
      </dd>
    </>
  );
}
