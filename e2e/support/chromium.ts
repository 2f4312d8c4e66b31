/**
 * Debian's Chromium, used by the browser tests and the board benchmark (Playwright's own build
 * cannot be downloaded here), with the flags that let it run headless in this VM.
 */
export const CHROMIUM_PATH = process.env.SWITCHYARD_CHROMIUM ?? '/usr/bin/chromium';

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
