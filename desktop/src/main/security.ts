/**
 * What the Electron shell locks down, kept apart from the wiring so it is read and tested
 * in one place:
 * - RENDERER_CSP: the renderer may load and talk to nothing but its own files (the channel
 *   map goes through the preload, not the network); also set as a <meta> in index.html;
 * - every permission request (camera, notifications, geolocation, …) is denied;
 * - fuses (electron-builder.yml `electronFuses`): no ELECTRON_RUN_AS_NODE, no NODE_OPTIONS,
 *   no --inspect, the app only from its integrity-checked asar.
 */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** The parts of an Electron session this needs (structural, so it reads without Electron). */
export interface PermissionSession {
  setPermissionRequestHandler(
    handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void;
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
  webRequest: {
    onHeadersReceived(
      listener: (
        details: { responseHeaders?: Record<string, string[] | string> },
        callback: (response: { responseHeaders?: Record<string, string[] | string> }) => void,
      ) => void,
    ): void;
  };
}

/** Deny every permission, and send the CSP with every response the renderer gets. */
export function lockDownSession(session: PermissionSession): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });
}
