// The renderer build: one static bundle that both the Electron window (file://) and the
// browser bridge (http://) load, hence relative asset paths.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'src/renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
  },
});
