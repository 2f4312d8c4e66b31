import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * The renderer: renderer/index.html → dist/renderer (loaded from file:// by Electron, served by
 * `switchyard serve`). `base: './'` keeps asset URLs relative so both work.
 */

/** Vite's dev server injects inline scripts (HMR, React refresh) that the strict CSP would block. */
function relaxCspInDev(): Plugin {
  return {
    name: 'switchyard-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\s*/i, ''),
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [react(), relaxCspInDev()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    target: 'chrome120',
  },
  server: { port: 5173, strictPort: true, host: '127.0.0.1' },
});
