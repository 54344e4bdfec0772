// Links: only http(s) go to the browser, nothing navigates the window away or opens a new one. Responses of
// the renderer carry a strict CSP; no permission is granted.
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./fake-electron')).electron);
const { electron, fakeSession, FakeWebContents } = await import('./fake-electron');
const { contentSecurityPolicy, hardenSession, hardenWebContents, isSafeExternalUrl, safeOpenExternal } = await import('../../electron/main/security');
const { trustedRenderer } = await import('../../electron/main/trusted-renderer');

const openExternal = electron.shell.openExternal;
const trusted = trustedRenderer('/opt/Backup Health/resources/app.asar/out/renderer/index.html', undefined);
const page = 'file:///opt/Backup%20Health/resources/app.asar/out/renderer/index.html';

beforeEach(() => openExternal.mockClear());

describe('isSafeExternalUrl', () => {
  it.each(['https://www.postgresql.org/docs/current/app-pgdump.html', 'http://intranet.example/runbook', 'HTTPS://EXAMPLE.COM/'])('accepts %s', (url) => {
    expect(isSafeExternalUrl(url)).toBe(true);
  });
  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'smb://fileserver/share',
    'vscode://file/etc/passwd',
    'ms-msdt:/id PCWDiagnostic',
    'https://bank.example@evil.example/',
    'https://user:secret@host.example/',
    '//evil.example/',
    'not a url',
    '',
    `https://example.com/${'a'.repeat(3000)}`,
  ])('refuses %s', (url) => {
    expect(isSafeExternalUrl(url)).toBe(false);
  });
  it.each([undefined, null, 42, { href: 'https://example.com' }, new URL('https://example.com')])('refuses the non-string %s', (url) => {
    expect(isSafeExternalUrl(url)).toBe(false);
  });

  it('safeOpenExternal opens only safe links', async () => {
    expect(await safeOpenExternal('file:///etc/passwd')).toBe(false);
    expect(openExternal).not.toHaveBeenCalled();
    expect(await safeOpenExternal('https://www.postgresql.org/')).toBe(true);
    expect(openExternal).toHaveBeenCalledWith('https://www.postgresql.org/');
  });
});

describe('hardenWebContents', () => {
  it('denies every new window; a web link opens in the browser instead', () => {
    const contents = new FakeWebContents();
    hardenWebContents(contents as never, trusted);
    expect(contents.windowOpenHandler!({ url: 'https://www.postgresql.org/' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://www.postgresql.org/');
    expect(contents.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledTimes(1);
  });

  it('prevents navigation away from the renderer (web links go to the browser), allows its own page', () => {
    const contents = new FakeWebContents();
    hardenWebContents(contents as never, trusted);
    expect(contents.navigate('https://evil.example/')).toBe(true);
    expect(openExternal).toHaveBeenCalledWith('https://evil.example/');
    expect(contents.navigate('file:///etc/passwd')).toBe(true);
    expect(contents.navigate('file:///opt/Backup%20Health/resources/app.asar/out/renderer/other.html')).toBe(true);
    expect(openExternal).toHaveBeenCalledTimes(1);
    expect(contents.navigate(`${page}#/settings`)).toBe(false);
  });

  it('refuses <webview>', () => {
    const contents = new FakeWebContents();
    hardenWebContents(contents as never, trusted);
    const event = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', event);
    expect(event.preventDefault).toHaveBeenCalled();
  });
});

describe('hardenSession', () => {
  function headersFor(url: string, responseHeaders: Record<string, string[]> = {}) {
    let answer: unknown;
    fakeSession.onHeadersReceived!({ url, responseHeaders }, (response: unknown) => (answer = response));
    return answer as { responseHeaders?: Record<string, string[]> };
  }

  it("puts the CSP on the renderer's responses, replacing any other", () => {
    hardenSession(fakeSession as never, trusted);
    const answer = headersFor(`${page}`, { 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'] });
    expect(answer.responseHeaders).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [contentSecurityPolicy(false)],
    });
    expect(headersFor('file:///opt/Backup%20Health/resources/app.asar/out/renderer/assets/index-abc.js').responseHeaders!['Content-Security-Policy']).toEqual([contentSecurityPolicy(false)]);
    expect(headersFor('https://elsewhere.example/')).toEqual({});
  });

  it('the policy: self only, inline styles (charts), data: images, no inline scripts outside development', () => {
    const csp = contentSecurityPolicy(false);
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "connect-src 'self'", "object-src 'none'"]) {
      expect(csp.split('; ')).toContain(directive);
    }
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(contentSecurityPolicy(true)).toMatch(/script-src 'self' 'unsafe-inline'/);
  });

  it('the dev server gets the development policy', () => {
    hardenSession(fakeSession as never, trustedRenderer('/x/out/renderer/index.html', 'http://localhost:5173/'));
    expect(headersFor('http://localhost:5173/src/main.tsx').responseHeaders!['Content-Security-Policy']).toEqual([contentSecurityPolicy(true)]);
    expect(headersFor('http://localhost:5174/')).toEqual({});
  });

  it('grants no permission', () => {
    hardenSession(fakeSession as never, trusted);
    for (const permission of ['notifications', 'media', 'geolocation', 'clipboard-read', 'openExternal']) {
      const callback = vi.fn();
      fakeSession.permissionRequestHandler!({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
      expect(fakeSession.permissionCheckHandler!({}, permission)).toBe(false);
    }
  });
});
