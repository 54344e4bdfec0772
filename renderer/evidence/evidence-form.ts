// The Export evidence form as data, and the request it makes: the period (the last 90 days, or from and to dates),
// the format, the paper of a PDF, and what the page it was opened on selects. Pure.
import type { EvidenceSaveRequest } from '../../shared/api';

export type EvidenceFormat = EvidenceSaveRequest['format'];
export type Paper = NonNullable<EvidenceSaveRequest['paper']>;

export interface EvidenceForm {
  period: 'last-90-days' | 'dates';
  /** "2026-09-01" as <input type="date"> has it; empty until chosen. */
  from: string;
  to: string;
  format: EvidenceFormat;
  paper: Paper;
}

/** What the report covers: the page's source or database (a DatabaseSummary key); neither: everything. */
export interface EvidenceSelection {
  sources?: string[];
  databases?: string[];
}

/** Letter where it is the usual paper (the US, Canada, Mexico and a few more), A4 elsewhere. */
export function defaultPaper(locale: string): Paper {
  const region = /[-_]([A-Za-z]{2})\b/.exec(locale)?.[1]?.toUpperCase();
  return region !== undefined && ['US', 'CA', 'MX', 'PH', 'CL', 'CO', 'VE', 'CR', 'GT', 'SV', 'PR'].includes(region) ? 'Letter' : 'A4';
}

export function initialEvidenceForm(locale: string): EvidenceForm {
  return { period: 'last-90-days', from: '', to: '', format: 'html', paper: defaultPaper(locale) };
}

/** The request, or what to fix first, in words. */
export function evidenceRequest(form: EvidenceForm, selection: EvidenceSelection): { request: EvidenceSaveRequest } | { problem: string } {
  const chosen = { ...(selection.sources?.length ? { sources: selection.sources } : {}), ...(selection.databases?.length ? { databases: selection.databases } : {}) };
  const paper = form.format === 'pdf' ? { paper: form.paper } : {};
  if (form.period === 'last-90-days') return { request: { since: '90d', format: form.format, ...paper, ...chosen } };
  if (!form.from || !form.to) return { problem: 'Choose both dates, From and To, or the last 90 days.' };
  if (form.from > form.to) return { problem: `From (${form.from}) must not be after To (${form.to}).` };
  return { request: { from: form.from, to: form.to, format: form.format, ...paper, ...chosen } };
}
