import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Builds the dashboard into dist/dashboard, which the API serves at `/`. Every asset is bundled, so the page
// loads nothing from other hosts.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: resolve(import.meta.dirname, '..', 'dist', 'dashboard'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
});
