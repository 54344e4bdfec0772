// Which pages are ours: the built renderer's index.html (file://) or, in `npm run dev`, the Vite dev server.
// Pure, so the IPC sender check and the CSP decide from the same rule and can be tested without Electron.
import { pathToFileURL } from 'node:url';

export interface TrustedRenderer {
  /** file:// URL of out/renderer/index.html. */
  fileUrl: string;
  /** ELECTRON_RENDERER_URL in development, else null. */
  devServerUrl: string | null;
}

export function trustedRenderer(indexHtml: string, devServerUrl: string | undefined): TrustedRenderer {
  return { fileUrl: pathToFileURL(indexHtml).href, devServerUrl: devServerUrl || null };
}

/** The renderer's own page (any hash route): the built index.html, or any page of the dev server's origin. */
export function isRendererUrl(url: unknown, trusted: TrustedRenderer): boolean {
  const parsed = parse(url);
  if (!parsed) return false;
  if (trusted.devServerUrl) {
    const dev = parse(trusted.devServerUrl);
    return dev !== null && (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.origin === dev.origin;
  }
  const page = parse(trusted.fileUrl);
  return page !== null && parsed.protocol === 'file:' && parsed.host === page.host && parsed.pathname === page.pathname;
}

/** A resource the renderer loads (its scripts, styles, images): under the renderer directory or the dev server. */
export function isRendererResource(url: unknown, trusted: TrustedRenderer): boolean {
  const parsed = parse(url);
  if (!parsed) return false;
  if (trusted.devServerUrl) return parsed.origin === parse(trusted.devServerUrl)?.origin;
  const dir = parse(new URL('.', trusted.fileUrl).href);
  return dir !== null && parsed.protocol === 'file:' && parsed.pathname.startsWith(dir.pathname);
}

function parse(url: unknown): URL | null {
  if (typeof url !== 'string') return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
