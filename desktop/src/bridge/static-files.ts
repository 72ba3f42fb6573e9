import { fileURLToPath } from 'node:url';

/** Where `npm run build --workspace desktop` puts the renderer (served by @fastify/static). */
export const RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));
