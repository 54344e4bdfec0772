// In a browser (`serve`) the report is offered as a download: the text the API answered, as a Blob behind a link
// with its file name. Browser APIs only.
import type { EvidenceExport } from '../../shared/api';

/** How long the Blob's URL lives: long enough for the browser to start the download, then freed. */
const REVOKE_AFTER_MS = 60_000;

export function offerDownload(report: Pick<EvidenceExport, 'fileName' | 'mediaType' | 'content'>, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([report.content], { type: report.mediaType }));
  const link = doc.createElement('a');
  link.href = url;
  link.download = report.fileName;
  link.rel = 'noopener';
  link.hidden = true;
  doc.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}
