import fs from 'node:fs';
import path from 'node:path';
import { cli, expect, test } from './support/switchyard';

/**
 * How the board's page loads in web mode (performance issue 17, row 7): its boot script, ahead of
 * the board's code in index.html and still under its Content-Security-Policy, opens the socket and
 * asks for the snapshot while the board's code downloads and compiles; the board's code takes that
 * socket and its answer over; the change chips — and with them `serve`'s cold first tick, which
 * waits for the page's next call — are asked only once the board has painted.
 */
test('one socket and one snapshot call from the boot script; the change chips after the board has painted', async ({
  page,
  home,
  openBoard,
}) => {
  const html = fs.readFileSync(path.resolve('dist/renderer/index.html'), 'utf8');
  const policy = html.indexOf('http-equiv="Content-Security-Policy"');
  const boot = html.search(/<script type="module"[^>]*src="\.\/assets\/boot-/);
  const board = html.search(/<script type="module"[^>]*src="\.\/assets\/index-/);
  expect(policy).toBeGreaterThan(-1);
  expect(boot).toBeGreaterThan(policy);
  expect(board).toBeGreaterThan(boot);

  await cli(home, ['create', 'a card to paint', '--assignee', 'somebody']);
  const sockets: string[] = [];
  const sent: string[] = [];
  page.on('websocket', (socket) => {
    sockets.push(socket.url());
    socket.on('framesent', (frame) =>
      sent.push((JSON.parse(String(frame.payload)) as { name: string }).name),
    );
  });
  // The page's frames and the moment the change chips are asked, on the page's own clock.
  await page.addInitScript(() => {
    const frames: number[] = [];
    (window as unknown as { __frames: number[] }).__frames = frames;
    const request = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (callback) =>
      request((time) => {
        frames.push(performance.now());
        callback(time);
      });
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data) {
      if (typeof data === 'string' && data.includes('"name":"boardChanges"'))
        performance.mark('test:changes-asked');
      send.call(this, data);
    };
  });
  await openBoard();
  await expect(page.getByText('a card to paint')).toBeVisible();
  await expect.poll(() => sent).toContain('boardChanges');
  expect(sockets).toHaveLength(1);
  expect(sent.filter((name) => name === 'snapshot')).toHaveLength(1);

  const at = await page.evaluate(() => ({
    committed: performance.getEntriesByName('switchyard:board-commit')[0]?.startTime ?? NaN,
    asked: performance.getEntriesByName('test:changes-asked')[0]?.startTime ?? NaN,
    frames: (window as unknown as { __frames: number[] }).__frames,
  }));
  expect(at.asked).toBeGreaterThan(at.committed);
  // A frame ran between the board's commit and the call: the call came after the paint.
  expect(at.frames.some((frame) => frame > at.committed && frame < at.asked)).toBe(true);
});

/**
 * The drawer, the Lanes view and the dialogs are chunks of their own (renderer/src/lazyParts.tsx):
 * none is fetched before the board has painted, all are fetched once it has (ahead of any click),
 * and a card opens into its drawer.
 */
test('the lazy parts load after the first paint, ahead of use; a card opens its drawer', async ({
  page,
  home,
  openBoard,
}) => {
  await cli(home, ['create', 'open me', '--assignee', 'somebody']);
  await openBoard();
  await expect(page.getByText('open me')).toBeVisible();
  const lazyParts = ['Drawer-', 'LaneStatusView-', 'CreateTaskDialog-', 'SettingsPanel-', 'ConfirmDialog-'];
  await expect
    .poll(() =>
      page.evaluate(
        (names) =>
          names.filter((name) =>
            performance.getEntriesByType('resource').some((entry) => entry.name.includes(`/assets/${name}`)),
          ).length,
        lazyParts,
      ),
    )
    .toBe(lazyParts.length);
  const fetched = await page.evaluate(() => ({
    painted: performance.getEntriesByName('switchyard:board-painted')[0]?.startTime ?? NaN,
    parts: performance
      .getEntriesByType('resource')
      .filter((entry) =>
        /\/assets\/(Drawer|LaneStatusView|CreateTaskDialog|SettingsPanel|ConfirmDialog)-/.test(entry.name),
      )
      .map((entry) => entry.startTime),
  }));
  expect(fetched.parts.every((start) => start > fetched.painted)).toBe(true);

  await page.getByText('open me').click();
  await expect(page.getByTestId('drawer').getByTestId('drawer-status')).toHaveText('ready');
});

/**
 * The page's first scripts (index.html's module scripts and the chunks it preloads) build the
 * schemas the page checks before its first paint — the WebSocket envelope's, the events' — and not
 * the ~100 calls' schemas of shared/contract.ts, which the core checks: zod building those at load
 * was the largest JavaScript item before DOMContentLoaded (bench/RESULTS.md, row 7).
 */
test('the page’s first scripts hold the events’ schemas, not the calls’', () => {
  const dist = path.resolve('dist/renderer');
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const first = [
    ...html.matchAll(
      /<(?:script type="module"|link rel="modulepreload")[^>]*(?:src|href)="\.\/([^"]+\.js)"/g,
    ),
  ].map((match) => match[1] as string);
  expect(first.some((file) => /assets\/index-/.test(file))).toBe(true);
  // Every chunk has a source map but the bundler's own runtime (no source of ours).
  const maps = first.map((file) => path.join(dist, `${file}.map`)).filter((map) => fs.existsSync(map));
  expect(maps.length).toBe(first.length - 1);
  const sources = maps.flatMap(
    (map) => (JSON.parse(fs.readFileSync(map, 'utf8')) as { sources: string[] }).sources,
  );
  expect(sources.filter((source) => source.endsWith('shared/boardEvents.ts'))).toHaveLength(1);
  expect(sources.filter((source) => source.endsWith('shared/contract.ts'))).toEqual([]);
});
