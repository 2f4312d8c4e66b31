import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Renderer tests alone, without the root config's global setup (which bundles the CLI): handy
 * while iterating on the UI. `npx vitest run --config renderer/src/test/vitest.renderer.config.ts`
 */
export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  test: {
    include: ['renderer/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
  },
});
