import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { formsPlugin } from './forms-plugin.ts';
import { initialJsBudget } from './initial-js-budget.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

// The node serves the build from dist/console at `/` (same origin as the API; docs/console.md).
// eslint-disable-next-line no-restricted-syntax -- Vite reads the default export
export default defineConfig({
  root,
  base: '/',
  plugins: [react(), formsPlugin(), initialJsBudget({ limitKb: 250 })],
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // No inline scripts or styles anywhere: the node's Content-Security-Policy forbids them.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    // `npm run console:dev`: the API of a local node (TRM_CONSOLE_API, default the demo's FR node).
    proxy: Object.fromEntries(
      [
        '/auth',
        '/cases',
        '/worklist',
        '/messages',
        '/agency',
        '/audit',
        '/admin',
        '/directory',
        '/expectations',
        '/health',
      ].map((path) => [path, process.env.TRM_CONSOLE_API ?? 'http://127.0.0.1:3101']),
    ),
  },
});
