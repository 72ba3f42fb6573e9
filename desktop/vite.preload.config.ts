// A sandboxed preload cannot import modules: it must be one CommonJS file, with only
// `electron` left to require at run time.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: 'dist/electron',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    lib: { entry: 'src/preload/preload.ts', formats: ['cjs'], fileName: () => 'preload.cjs' },
    rollupOptions: { external: ['electron'] },
  },
});
