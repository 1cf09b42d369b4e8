/**
 * Builds the portal into dist/, which the broker serves at `/`. Workspace packages are
 * bundled from their TypeScript sources (the `source` export condition), so the portal
 * builds without compiling @skyport/client and @skyport/model first.
 */
import { defineConfig, defaultClientConditions } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The broker's content policy allows only same-origin scripts: no inline module preload.
    modulePreload: { polyfill: false },
    sourcemap: true,
    chunkSizeWarningLimit: 400,
  },
  // `npm run dev -w @skyport/portal` against a broker on :8080 (SKYPORT_API to change it).
  server: { proxy: { '/api': process.env['SKYPORT_API'] ?? 'http://127.0.0.1:8080' } },
});
