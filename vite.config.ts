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

/**
 * The page's boot script (renderer/src/boot.ts) is an entry of its own, put in index.html's head
 * ahead of the board's code: module scripts run in document order, each once it has loaded, so the
 * boot script (a few KB) opens web mode's socket and asks for the snapshot while the board's
 * 480 KB still download and compile (performance issue 17, row 7). The board's code imports the
 * same module for the socket, so both share one instance of it.
 */
function bootScriptFirst(): Plugin {
  return {
    name: 'switchyard-boot-script-first',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, context) {
        const boot = Object.values(context.bundle ?? {}).find(
          (output) => output.type === 'chunk' && output.isEntry && output.name === 'boot',
        );
        const board = html.indexOf('<script type="module"');
        if (!boot || board < 0)
          throw new Error('vite.config.ts: no boot entry or no module script to put it before');
        // Right before the board's script: after the Content-Security-Policy, which must cover it.
        const script = `<script type="module" crossorigin src="./${boot.fileName}"></script>\n    `;
        return html.slice(0, board) + script + html.slice(board);
      },
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [react(), relaxCspInDev(), bootScriptFirst()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('./renderer/index.html', import.meta.url)),
        boot: fileURLToPath(new URL('./renderer/src/boot.ts', import.meta.url)),
      },
    },
    emptyOutDir: true,
    sourcemap: true,
    target: 'chrome120',
  },
  server: { port: 5173, strictPort: true, host: '127.0.0.1' },
});
