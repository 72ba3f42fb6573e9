import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lockDownSession, type PermissionSession, RENDERER_CSP } from './security.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('Electron lock-down', () => {
  it('ships the renderer with the strict CSP, nothing inline and nothing from elsewhere', () => {
    const html = read('../renderer/index.html');
    const meta = html.match(/http-equiv="Content-Security-Policy"\s+content="([^"]+)"/)?.[1];
    expect(meta).toBe(RENDERER_CSP);
    expect(RENDERER_CSP).toContain("default-src 'self'");
    expect(RENDERER_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    // No inline script in the page itself (the CSP would block it).
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('denies every permission request and check, and adds the CSP to responses', () => {
    let request: Parameters<PermissionSession['setPermissionRequestHandler']>[0] | null = null;
    let check: Parameters<PermissionSession['setPermissionCheckHandler']>[0] | null = null;
    let headers: Parameters<PermissionSession['webRequest']['onHeadersReceived']>[0] | null = null;
    lockDownSession({
      setPermissionRequestHandler: (handler) => {
        request = handler;
      },
      setPermissionCheckHandler: (handler) => {
        check = handler;
      },
      webRequest: {
        onHeadersReceived: (listener) => {
          headers = listener;
        },
      },
    });
    const granted: boolean[] = [];
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      (request as unknown as NonNullable<typeof request>)({}, permission, (ok) => granted.push(ok));
      expect((check as unknown as NonNullable<typeof check>)({}, permission)).toBe(false);
    }
    expect(granted).toEqual([false, false, false, false, false]);
    let sent: Record<string, unknown> | undefined;
    (headers as unknown as NonNullable<typeof headers>)({ responseHeaders: { 'X-A': ['1'] } }, (response) => {
      sent = response.responseHeaders;
    });
    expect(sent).toEqual({ 'X-A': ['1'], 'Content-Security-Policy': [RENDERER_CSP] });
  });

  it('sets the fuses in the packaging config', () => {
    const config = read('../../electron-builder.yml');
    const fuses = config.slice(config.indexOf('electronFuses:'));
    for (const [fuse, value] of [
      ['runAsNode', 'false'],
      ['enableNodeOptionsEnvironmentVariable', 'false'],
      ['enableNodeCliInspectArguments', 'false'],
      ['enableEmbeddedAsarIntegrityValidation', 'true'],
      ['onlyLoadAppFromAsar', 'true'],
      ['enableCookieEncryption', 'true'],
    ]) {
      expect(fuses, fuse).toMatch(new RegExp(`\\n  ${fuse}: ${value}\\n`));
    }
  });
});
