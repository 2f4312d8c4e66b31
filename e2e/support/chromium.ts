import fs from 'node:fs';

/**
 * The Chromium the browser tests and the board benchmark drive: SWITCHYARD_CHROMIUM if set, else
 * Debian's (/usr/bin/chromium, on this project's VM, where Playwright's own build cannot be
 * downloaded), else — on hosted CI runners, after `npx playwright install chromium` — Playwright's
 * own (undefined lets Playwright pick it). The flags let it run headless in the VM.
 */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_PATH: string | undefined =
  process.env.SWITCHYARD_CHROMIUM || (fs.existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined);

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
