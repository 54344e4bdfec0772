// Text into the report's HTML: escaped for HTML, and with control and bidi characters from outside (backup keys,
// tool output) shown as escapes (shared/visible-text.ts), so a file name cannot reorder or forge what an auditor reads.
import { visibleText } from '../../../shared/visible-text';

export function escapeHtml(text: string): string {
  return visibleText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
