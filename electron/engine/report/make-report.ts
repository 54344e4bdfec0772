// One report, whoever asks (the CLI, the API): the evidence of a period from the history and the engine's view,
// then its HTML or its signed JSON. The PDF is printed from the HTML by whoever can print (cli/report-pdf.ts).
import { hostname } from 'node:os';
import type { Config } from '../../../shared/config';
import type { DatabaseSummary } from '../../../shared/databases';
import type { SourceSummary } from '../../../shared/model';
import type { HistoryStore } from '../store/types';
import { buildEvidence, selectionProblem, type EvidenceSelection } from './build-evidence';
import type { Evidence } from './evidence-model';
import { reportHtml } from './html-report';
import { signedReport } from './signed-json';
import type { SigningKey } from './signing-key';

export type ReportFormat = 'html' | 'pdf' | 'json';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'pdf', 'json'];

export interface ReportContext {
  config: Config;
  store: HistoryStore;
  /** The engine's rows (Engine.databases(), Engine.summaries()). */
  engine: { databases(): DatabaseSummary[]; summaries(): SourceSummary[] };
  key: SigningKey;
  version: string;
  now: number;
}

export class ReportRequestError extends Error {}

/** `optionNames`: how the asker names the selection in a refusal (the CLI's --source, the API's sources). */
export function reportEvidence(ctx: ReportContext, request: { from: number; to: number; selection: EvidenceSelection; optionNames?: { sources: string; databases: string } }): Evidence {
  if (!(request.from < request.to)) throw new ReportRequestError(`the period must end after it begins (from ${new Date(request.from).toISOString()} to ${new Date(request.to).toISOString()})`);
  const databases = ctx.engine.databases();
  const problem = selectionProblem(request.selection, ctx.config, databases, request.optionNames);
  if (problem) throw new ReportRequestError(problem);
  return buildEvidence({ from: request.from, to: request.to, selection: request.selection, now: ctx.now, config: ctx.config, store: ctx.store, databases, summaries: ctx.engine.summaries(), generator: { app: 'Backup Health', version: ctx.version, host: hostname() }, signingKey: ctx.key.fingerprint });
}

/** The HTML page, or the signed JSON (pdf: the HTML the PDF is printed from). */
export function renderReport(evidence: Evidence, format: ReportFormat, key: SigningKey, opts: { paper?: 'A4' | 'Letter' } = {}): Buffer {
  return format === 'json' ? signedReport(evidence, key) : Buffer.from(reportHtml(evidence, opts), 'utf8');
}
