// The renderer build: one static bundle that both the Electron window (file://) and the
// browser bridge (http://) load, hence relative asset paths.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'src/renderer',
  base: './',
  plugins: [react()],
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
