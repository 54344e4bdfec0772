// What a page in our windows may do: load our renderer and nothing else. No navigation, no new windows, no
// permissions, a strict CSP; http(s) links open in the user's browser. Pure predicates beside thin side effects.
import { shell, type Session, type WebContents } from 'electron';
import { isRendererResource, isRendererUrl, type TrustedRenderer } from './trusted-renderer';

/** Only web links go to the user's browser: never file:, javascript:, data: or another app's custom scheme. */
export function isSafeExternalUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length > 2048) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  // user:password@ links are a phishing trick ("https://bank.example@evil.example"); nothing we show has one.
  return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.hostname !== '' && parsed.username === '' && parsed.password === '';
}

/** Opens a web link in the user's browser; anything else is ignored. Returns whether it was opened. */
export async function safeOpenExternal(url: unknown): Promise<boolean> {
  if (!isSafeExternalUrl(url)) return false;
  await shell.openExternal(url);
  return true;
}

/**
 * The renderer's Content-Security-Policy. In development Vite's React refresh preamble is an inline script and
 * hot reload talks over a WebSocket to the dev server, so only there are inline scripts and ws: allowed.
 */
export function contentSecurityPolicy(dev: boolean): string {
  return [
    "default-src 'self'",
    dev ? "script-src 'self' 'unsafe-inline'" : "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    dev ? "connect-src 'self' ws://localhost:* ws://127.0.0.1:*" : "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
  ].join('; ');
}

/** No navigation away from the renderer, no new windows, no <webview>: web links go to the browser instead. */
export function hardenWebContents(contents: WebContents, trusted: TrustedRenderer): void {
  contents.setWindowOpenHandler(({ url }) => {
    safeOpenExternal(url).catch(() => {}); // no handler for the link: nothing to open, nothing to crash
    return { action: 'deny' };
  });
  const stayHome = (event: { preventDefault(): void }, url: string) => {
    if (isRendererUrl(url, trusted)) return;
    event.preventDefault();
    safeOpenExternal(url).catch(() => {}); // no handler for the link: nothing to open, nothing to crash
  };
  contents.on('will-navigate', stayHome);
  contents.on('will-redirect', stayHome);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** CSP on every response of the renderer (file:// and the dev server), and no permission ever granted. */
export function hardenSession(session: Session, trusted: TrustedRenderer): void {
  const csp = contentSecurityPolicy(trusted.devServerUrl !== null);
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isRendererResource(details.url, trusted)) {
      callback({});
      return;
    }
    const headers = Object.fromEntries(Object.entries(details.responseHeaders ?? {}).filter(([name]) => name.toLowerCase() !== 'content-security-policy'));
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } });
  });
  // The dashboard needs no camera, notifications, clipboard, geolocation...: the main process notifies.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
