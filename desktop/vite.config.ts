// The renderer build: one static bundle that both the Electron window (file://) and the
// browser bridge (http://) load, hence relative asset paths.
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const BASE = './';

/**
 * `<link rel="modulepreload">` for the chunks the entry imports dynamically, and theirs: the
 * entry sends the first calls before it imports the app (main.tsx), and the browser fetches
 * the app with the entry rather than once the entry has run. The screens behind the login,
 * which the app imports later, are not among them.
 */
function preloadEntryImports(): Plugin {
  return {
    name: 'mostrador:preload-entry-imports',
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle, chunk }) {
        if (!bundle || !chunk) return;
        /** `files` and every chunk they import statically, transitively. */
        const closure = (files: readonly string[], into = new Set<string>()) => {
          for (const file of files) {
            const imported = bundle[file];
            if (into.has(file) || imported?.type !== 'chunk') continue;
            into.add(file);
            closure(imported.imports, into);
          }
          return into;
        };
        // Vite links the entry's static imports itself.
        const linked = closure(chunk.imports);
        const files = [...closure(chunk.dynamicImports)].filter((file) => !linked.has(file));
        return files.map((file) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `${BASE}${file}` },
          injectTo: 'head',
        }));
      },
    },
  };
}

export default defineConfig({
  root: 'src/renderer',
  base: BASE,
  plugins: [react(), preloadEntryImports()],
  resolve: {
    // The renderer is written against React's API (and typed by @types/react) but runs on
    // preact/compat (issue 11): the login screen's bundle is a third of React DOM's, and
    // parsing and starting the view library was most of the time to the login screen.
    alias: [
      { find: /^react$/, replacement: 'preact/compat' },
      { find: /^react-dom$/, replacement: 'preact/compat' },
      { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
      { find: /^react\/jsx-(dev-)?runtime$/, replacement: 'preact/jsx-runtime' },
    ],
  },
  build: {
    outDir: '../../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
  },
});
