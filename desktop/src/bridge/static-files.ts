import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendError } from './http.js';

/** Where `npm run build --workspace desktop` puts the renderer. */
export const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

// The renderer talks only to this origin; nothing inline, nothing from elsewhere.
const CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; frame-ancestors 'none'";

async function fileIn(root: string, urlPath: string): Promise<string | null> {
  const relative = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  const path = join(root, relative);
  if (path !== root && !path.startsWith(root + sep)) return null;
  const info = await stat(path).catch(() => null);
  return info?.isFile() ? path : null;
}

/** Serves the built renderer; any path that is not a file gets index.html (the app routes itself). */
export async function serveRenderer(root: string, urlPath: string, response: ServerResponse): Promise<void> {
  const path = (await fileIn(root, urlPath)) ?? (await fileIn(root, 'index.html'));
  if (!path) {
    sendError(response, 503, 'RENDERER_NOT_BUILT', 'The renderer is not built: run `npm run build` first.');
    return;
  }
  const immutable = path.includes(`${sep}assets${sep}`);
  response.writeHead(200, {
    'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  createReadStream(path).pipe(response);
}
