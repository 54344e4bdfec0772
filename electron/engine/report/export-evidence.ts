// "Export evidence" over the API (issue 17): the same report `backup-health report` writes, for the renderer to
// save. The request comes from the wire: every field is checked before use.
import type { EvidenceExport, EvidenceRequest } from '../../../shared/api';
import { ReportRequestError, renderReport, reportEvidence, type ReportContext } from './make-report';
import { reportPeriod } from './period';

export function exportEvidence(ctx: ReportContext, request: EvidenceRequest): EvidenceExport {
  if (typeof request !== 'object' || request === null) throw new ReportRequestError('the request must be a mapping of fields');
  const format = request.format;
  if (format !== 'html' && format !== 'json') throw new ReportRequestError(`format must be html or json (the app prints the PDF from the HTML)`);
  for (const field of ['since', 'from', 'to'] as const) {
    if (request[field] !== undefined && typeof request[field] !== 'string') throw new ReportRequestError(`${field} must be text, like 90d or 2026-09-01`);
  }
  const sources = names(request.sources, 'sources');
  const databases = names(request.databases, 'databases');
  const { from, to } = reportPeriod(request, ctx.now);
  const evidence = reportEvidence(ctx, { from, to, selection: { sources, databases }, optionNames: { sources: 'sources', databases: 'databases' } });
  const day = (iso: string) => iso.slice(0, 10);
  return {
    fileName: `backup-health-evidence-${day(evidence.period.from)}-to-${day(evidence.period.to)}.${format}`,
    mediaType: format === 'html' ? 'text/html' : 'application/json',
    content: renderReport(evidence, format, ctx.key).toString('utf8'),
    signingKey: ctx.key.fingerprint,
  };
}

function names(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string') || value.length > 1000) throw new ReportRequestError(`${field} must be a list of names`);
  return value as string[];
}
