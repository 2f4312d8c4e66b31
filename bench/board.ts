import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, CDPSession, Page } from '@playwright/test';
import { launchChromium } from './chromium';
import {
  type CpuStall,
  describeStalledTasks,
  describeStalls,
  monotonicMs,
  startCpuStallWatch,
  type TimedTask,
} from './cpuStalls';
import { CPU_STALL_MIN_MS } from './loopWindow';
import { createApi } from '../electron/core/api/api';
import { openDatabase } from '../electron/core/store/db/open';
import { Engine } from '../electron/core/dispatch/engine';
import { buildBoard, type BoardDataSet } from './boardDataset';
import { REPO_ROOT, killLeftoverWorkers, tempHome } from './dataset';

/**
 * Performance issue 6, target 6: the board in Chromium with 10,000 cards (`npm run bench -- board`).
 * Builds the renderer, runs `switchyard serve` on the "board" data set and drives Chromium with
 * Playwright (the library, not the test runner):
 *   (a) snapshot arrival → first render, from performance marks (the init script marks the moment
 *       the snapshot's WebSocket message arrives; Board.tsx marks its first commit and paint);
 *   (b) a card dragged across lanes with the mouse while a 'longtask' observer records, with the
 *       host's CPU stalls (cpuStalls.ts) watched;
 *   (c) 200 status events/s for 5 s, written by this process through the core on the same home
 *       (serve's change feed picks them up): long-task time as % of wall time, frames per second;
 *   (d) JS heap (CDP, after a forced GC) after the first render and after the events.
 * Options: `--board-profile` writes a CPU profile of each phase to /tmp and prints its hottest
 * functions (built unminified for readable names). Figures only: nothing here fails the bench.
 */

const CLI = path.join(REPO_ROOT, 'bin', 'switchyard.cjs');
const VITE = path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
const VIEWPORT = { width: 1600, height: 1000 };
const EVENTS_PER_SECOND = 200;
const EVENT_SECONDS = 5;

type Report = (name: string, samples: number[], target?: string) => void;
type Note = (text: string) => void;

interface BenchGlobals {
  longTasks: { start: number; duration: number }[];
  frames: number[];
  snapshotBytes: number;
  /** Event stream as received: messages, holes in seq, sockets opened. */
  events: number;
  /** performance.now() when the last `tasks` event arrived (before the page handled it). */
  lastTasksAt: number;
  seqGaps: number;
  lastSeq: number;
  sockets: number;
  /** Last status of each task as the stream said it. */
  statusOf: Record<string, string>;
}
declare global {
  interface Window {
    __bench: BenchGlobals;
  }
}

/** Runs in the page before its own scripts: long-task observer and the snapshot-arrival mark. */
function instrumentPage(): void {
  const bench: BenchGlobals = {
    longTasks: [],
    frames: [],
    snapshotBytes: 0,
    events: 0,
    lastTasksAt: 0,
    seqGaps: 0,
    lastSeq: 0,
    sockets: 0,
    statusOf: {},
  };
  window.__bench = bench;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      bench.longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
  const snapshotIds = new Set<number>();
  /** Runs `before` ahead of every listener the page assigns to `property` of its sockets. */
  function observeHandler<E extends Event>(property: 'onopen' | 'onmessage', before: (event: E) => void) {
    const original = Object.getOwnPropertyDescriptor(WebSocket.prototype, property) as PropertyDescriptor;
    Object.defineProperty(WebSocket.prototype, property, {
      configurable: true,
      get(this: WebSocket) {
        return original.get?.call(this) as unknown;
      },
      set(this: WebSocket, listener: ((event: E) => void) | null) {
        original.set?.call(
          this,
          listener &&
            function (this: WebSocket, event: E) {
              before(event);
              listener.call(this, event);
            },
        );
      },
    });
  }
  observeHandler('onopen', () => bench.sockets++);
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, data) {
    if (typeof data === 'string' && data.length < 10_000) {
      try {
        const message = JSON.parse(data) as { id?: number; name?: string };
        if (message.name === 'snapshot' && typeof message.id === 'number') snapshotIds.add(message.id);
      } catch {
        // not ours to judge
      }
    }
    return send.call(this, data);
  };
  observeHandler<MessageEvent>('onmessage', (event) => {
    const data: unknown = event.data;
    if (typeof data === 'string' && data.startsWith('{"event"')) {
      const seq = /"seq":(\d+)/.exec(data);
      bench.events++;
      const parsed = JSON.parse(data) as {
        event: { type: string; tasks?: { id: string; status: string }[] };
      };
      if (parsed.event.type === 'tasks') bench.lastTasksAt = performance.now();
      if (parsed.event.type === 'tasks')
        for (const task of parsed.event.tasks ?? []) bench.statusOf[task.id] = task.status;
      if (seq) {
        if (bench.lastSeq > 0 && Number(seq[1]) !== bench.lastSeq + 1) bench.seqGaps++;
        bench.lastSeq = Number(seq[1]);
      }
    }
    if (typeof data === 'string' && snapshotIds.size > 0) {
      const id = /"id":(\d+)/.exec(data.slice(0, 40));
      if (id && snapshotIds.has(Number(id[1]))) {
        performance.mark('switchyard:snapshot-arrived');
        bench.snapshotBytes = data.length;
      }
    }
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

export async function startServe(
  home: string,
  profileDir: string | null,
): Promise<{ child: ChildProcess; url: string }> {
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = spawn(process.execPath, [...profile, CLI, 'serve', '--port', '0'], {
    env: { ...process.env, SWITCHYARD_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.resume();
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Switchyard board: (\S+)/.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.on('exit', () => reject(new Error(`serve exited: ${out}`)));
  });
  return { child, url };
}

export async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

interface FirstRender {
  /** snapshot message arrived → board committed / painted, ms */
  commit: number;
  painted: number;
  longest: number;
  cards: number;
  snapshotBytes: number;
}

/** A fresh tab with the bench's instruments, not yet showing anything. */
async function newInstrumentedPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.addInitScript(instrumentPage);
  return page;
}

async function openBoard(
  browser: Browser,
  url: string,
  ready?: Page,
): Promise<{ page: Page; first: FirstRender }> {
  const page = ready ?? (await newInstrumentedPage(browser));
  await page.goto(url);
  await page.waitForFunction(
    () => performance.getEntriesByName('switchyard:board-painted').length > 0,
    undefined,
    { timeout: 60_000, polling: 100 },
  );
  const first = await page.evaluate(() => {
    const at = (name: string) => performance.getEntriesByName(name)[0]?.startTime ?? Number.NaN;
    const arrived = at('switchyard:snapshot-arrived');
    const painted = at('switchyard:board-painted');
    const longest = Math.max(
      0,
      ...window.__bench.longTasks
        .filter((task) => task.start + task.duration >= arrived && task.start <= painted)
        .map((task) => task.duration),
    );
    return {
      commit: at('switchyard:board-commit') - arrived,
      painted: painted - arrived,
      longest,
      cards: document.querySelectorAll('article.card').length,
      snapshotBytes: window.__bench.snapshotBytes,
    };
  });
  return { page, first };
}

async function liveHeap(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const usage = await cdp.send('Runtime.getHeapUsage');
  return usage.usedSize;
}

async function longTasksSince(page: Page, since: number): Promise<{ start: number; duration: number }[]> {
  return page.evaluate((from) => window.__bench.longTasks.filter((task) => task.start >= from), since);
}

interface Drag {
  longest: number;
  moved: boolean;
  phases: DragPhases;
  /** The drag's longest long task, in the page's performance.now() time. */
  longestTask: { start: number; duration: number } | null;
}

/** One card from lane A's todo cell onto lane B's todo cell; returns the longest long task. */
async function dragAcrossLanes(page: Page, database: string, from: string, to: string): Promise<Drag> {
  // dnd-kit scrolls the board while the pointer stays near its edge (a pick-up low on the screen,
  // a drop near the top), longer the longer the page takes to answer: each drag starts from the
  // top, so one drag's scroll never carries the next one's target off the screen. Without it, at
  // load 24 on 5 Dec, 4 of 8 drops landed beside their cell (bench/RESULTS.md, engineer drag).
  await page.evaluate(async () => {
    for (let element = document.querySelector('.board'); element; element = element.parentElement)
      if (element.scrollTop > 0) element.scrollTop = 0;
    await new Promise((resolve) => requestAnimationFrame(resolve));
  });
  const card = page.locator(`[data-testid="cell-${from}-todo"] article.card`).first();
  const id = await card.getAttribute('data-task-id');
  const source = await card.boundingBox();
  const target = await page.locator(`[data-testid="cell-${to}-todo"]`).boundingBox();
  if (!id || !source || !target)
    return { longest: Number.NaN, moved: false, phases: NO_PHASES, longestTask: null };
  const now = () => page.evaluate(() => performance.now());
  const since = await now();
  const x = source.x + source.width / 2;
  const y = source.y + source.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 8, y + 8);
  const moving = await now();
  await page.mouse.move(target.x + target.width / 2, target.y + Math.min(40, target.height / 2), {
    steps: 10,
  });
  const dropping = await now();
  await page.mouse.up();
  // Landed when the core has it in the other lane (the card itself may sort past the part of the
  // cell the board loaded, and then leaves the page).
  let moved = false;
  const db = openDatabase(database);
  try {
    const started = performance.now();
    while (!moved && performance.now() - started < 15_000) {
      const row = db.prepare('SELECT assignee FROM tasks WHERE id = ?').get(id) as
        { assignee: string } | undefined;
      moved = row?.assignee === to;
      if (!moved) await sleep(50);
    }
  } finally {
    db.close();
  }
  await sleep(300);
  const tasks = await longTasksSince(page, since);
  const longestBetween = (from: number, to: number) =>
    Math.max(
      0,
      ...tasks.filter((task) => task.start >= from && task.start < to).map((task) => task.duration),
    );
  const longestTask = tasks.reduce<Drag['longestTask']>(
    (longest, task) => (longest && longest.duration >= task.duration ? longest : task),
    null,
  );
  return {
    longest: longestTask?.duration ?? 0,
    moved,
    phases: {
      start: longestBetween(since, moving),
      move: longestBetween(moving, dropping),
      drop: longestBetween(dropping, Number.POSITIVE_INFINITY),
    },
    longestTask,
  };
}

/**
 * The page's performance.now() in CLOCK_MONOTONIC ms (cpuStalls.ts's clock): read between two
 * readings of the bench's own clock, so off by at most half the round trip, which is returned too;
 * the best of five, as one round trip under load took 700 ms.
 */
async function pageClockOffset(page: Page): Promise<{ offsetMs: number; errorMs: number }> {
  let best = { offsetMs: Number.NaN, errorMs: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 5; i++) {
    const before = monotonicMs();
    const pageNow = await page.evaluate(() => performance.now());
    const after = monotonicMs();
    if ((after - before) / 2 < best.errorMs)
      best = { offsetMs: (before + after) / 2 - pageNow, errorMs: (after - before) / 2 };
  }
  return best;
}

/** Each drag's longest long task, named by the drag's number. */
function longestTasks(drags: readonly Drag[]): TimedTask[] {
  return drags.flatMap((drag, i) =>
    drag.longestTask ? [{ name: `drag ${i + 1}`, ...drag.longestTask }] : [],
  );
}

/** The longest long task of each part of a drag: pick-up, the moves, the drop and its answer. */
interface DragPhases {
  start: number;
  move: number;
  drop: number;
}
const NO_PHASES: DragPhases = { start: Number.NaN, move: Number.NaN, drop: Number.NaN };

/** Moves tasks todo → triage → todo through the core at `rate` per second for `seconds`. */
async function produceStatusEvents(
  set: BoardDataSet,
  ids: string[],
  rate: number,
  seconds: number,
): Promise<{ written: number; lateMs: number; firstError: string | null }> {
  const engine = new Engine({
    home: set.paths.home,
    env: { ...process.env, SWITCHYARD_HOME: set.paths.home },
    dispatch: false,
    actor: { name: 'bench' },
    log: () => undefined,
  });
  const api = createApi(engine);
  const total = rate * seconds;
  const started = performance.now();
  let written = 0;
  let lateMs = 0;
  let firstError: string | null = null;
  try {
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      else lateMs = Math.max(lateMs, -wait);
      const id = ids[i % ids.length] as string;
      const status = Math.floor(i / ids.length) % 2 === 0 ? 'triage' : 'todo';
      const result = await api.callByName('moveTask', { id, status });
      if (result.ok) written++;
      else if (firstError === null) firstError = JSON.stringify(result.error);
    }
  } finally {
    api.close();
    await engine.close({ stopWorkers: false });
  }
  return { written, lateMs, firstError };
}

async function cpuProfile<T>(
  cdp: CDPSession | null,
  label: string,
  note: Note,
  run: () => Promise<T>,
): Promise<T> {
  if (!cdp) return run();
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const result = await run();
  const { profile } = await cdp.send('Profiler.stop');
  const file = path.join('/tmp', `switchyard-board-${label}.cpuprofile`);
  fs.writeFileSync(file, JSON.stringify(profile));
  // Self time per function from the samples.
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const deltas = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((nodeId, i) => {
    const frame = byId.get(nodeId)?.callFrame;
    if (!frame) return;
    const key = `${frame.functionName || '(anonymous)'} ${path.basename(frame.url)}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (deltas[i] ?? 0) / 1000);
  });
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
  note(
    `CPU profile "${label}" → ${file}; hottest (self ms): ${top.map(([k, v]) => `${k} ${v.toFixed(0)}`).join('; ')}`,
  );
  return result;
}

/** The renderer build this process made last (a scale run paints several boards). */
let lastBuild: 'minified' | 'profiling' | null = null;

/** Builds the renderer (unminified when profiling), once per kind; false when the build failed. */
export function buildRenderer(profiling: boolean): boolean {
  const kind = profiling ? 'profiling' : 'minified';
  if (lastBuild === kind) return true;
  const build = spawnSync(
    process.execPath,
    [VITE, 'build', '--logLevel', 'warn', ...(profiling ? ['--minify', 'false'] : [])],
    { cwd: REPO_ROOT, stdio: 'inherit' },
  );
  lastBuild = build.status === 0 ? kind : null;
  return build.status === 0;
}

/**
 * Target 7 as a person sees it: `switchyard serve` started on `home` until the board is painted
 * in Chromium (page loaded, snapshot received, first render done), `runs` times. Returns the
 * start → painted times (empty when the renderer could not be built).
 */
export async function benchStartToBoard(
  home: string,
  runs: number,
  report: Report,
  note: Note,
): Promise<number[]> {
  if (!buildRenderer(false)) {
    note('renderer build failed: start → board skipped');
    return [];
  }
  const browser = await launchChromium();
  const painted: number[] = [];
  const arrived: number[] = [];
  const listening: number[] = [];
  const navigated: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // The tab is open before serve starts, as a browser is when someone opens the board's URL.
      const tab = await newInstrumentedPage(browser);
      const started = Date.now();
      const serve = await startServe(home, null);
      listening.push(Date.now() - started);
      try {
        const { page } = await openBoard(browser, serve.url, tab);
        const at = await page.evaluate(() => {
          const mark = (name: string) =>
            performance.timeOrigin + (performance.getEntriesByName(name)[0]?.startTime ?? NaN);
          return {
            navigated: performance.timeOrigin,
            arrived: mark('switchyard:snapshot-arrived'),
            painted: mark('switchyard:board-painted'),
          };
        });
        navigated.push(at.navigated - started);
        arrived.push(at.arrived - started);
        painted.push(at.painted - started);
        await page.context().close();
      } finally {
        await stopServe(serve.child);
        killLeftoverWorkers(home);
      }
    }
  } finally {
    await browser.close();
  }
  report('7. serve start → listening (URL printed)', listening);
  report('7. serve start → the open tab starts loading the page', navigated);
  report('7. serve start → snapshot in Chromium', arrived);
  report('7. serve start → board painted in Chromium', painted, '≤ 1500 ms');
  return painted;
}

export async function benchBoard(homes: string[], report: Report, note: Note): Promise<void> {
  console.log('\n## Board in Chromium: 10,000 cards (serve + Playwright)');
  const profiling = process.argv.includes('--board-profile');
  if (!buildRenderer(profiling)) {
    note('renderer build failed: board section skipped');
    return;
  }
  const paths = tempHome('board');
  homes.push(paths.home);
  let started = performance.now();
  const set = buildBoard(paths);
  const taskCount = Object.values(set.counts).reduce((a, b) => a + b, 0);
  note(
    `data set "board": ${taskCount} tasks (${Object.entries(set.counts)
      .map(([status, n]) => `${n} ${status}`)
      .join(', ')}) over ${set.profileLanes.length} profile + ${set.terminalLanes.length} terminal lanes, ` +
      `built in ${(performance.now() - started).toFixed(0)} ms`,
  );

  // Profiling: serve writes its own CPU profile (the whole run) there when it exits.
  const serveProfileDir = profiling ? fs.mkdtempSync(path.join('/tmp', 'switchyard-board-serve-')) : null;
  const serve = await startServe(paths.home, serveProfileDir);
  let browser: Browser | null = null;
  try {
    browser = await launchChromium();
    // (a) first render, several page loads.
    const firsts: FirstRender[] = [];
    for (let i = 0; i < 5; i++) {
      const { page, first } = await openBoard(browser, serve.url);
      firsts.push(first);
      await page.context().close();
    }
    const first0 = firsts[0] as FirstRender;
    note(
      `snapshot message ${mb(first0.snapshotBytes)}; cards in the DOM after the first render: ${first0.cards}`,
    );
    report(
      '6a. snapshot arrived → board committed (React)',
      firsts.map((f) => f.commit),
    );
    report(
      '6a. snapshot arrived → board painted',
      firsts.map((f) => f.painted),
      '≤ 1500 ms',
    );
    report(
      '    longest long task in between',
      firsts.map((f) => f.longest),
    );

    const { page } = await openBoard(browser, serve.url);
    const cdp = await page.context().newCDPSession(page);
    const profileCdp = profiling ? cdp : null;
    const heapAfterRender = await liveHeap(cdp);
    note(`6d. JS heap (live, after GC) after the first render: ${mb(heapAfterRender)} (target ≤ 200 MB)`);

    // (b) drags across lanes, there and back, with the host's CPU stalls watched (cpuStalls.ts): a
    // long task the VM's host stretched by stopping a CPU says so.
    const stallWatch = await startCpuStallWatch(CPU_STALL_MIN_MS);
    const clock = await pageClockOffset(page);
    const drags: Drag[] = [];
    let stalls: CpuStall[] | null = null;
    try {
      await cpuProfile(profileCdp, 'drag', note, async () => {
        for (let i = 0; i < 8; i++) {
          const [from, to] = i % 2 === 0 ? ['agent-00', 'agent-01'] : ['agent-01', 'agent-00'];
          drags.push(await dragAcrossLanes(page, set.paths.database, from as string, to as string));
        }
      });
    } finally {
      stalls = stallWatch.watch ? await stallWatch.watch.stop() : null;
    }
    report(
      '6b. drag across lanes: longest long task',
      drags.map((drag) => drag.longest),
      '≤ 100 ms',
    );
    const phaseNames = { start: 'picking up', move: 'moving', drop: 'dropping' } as const;
    for (const phase of ['start', 'move', 'drop'] as const) {
      report(
        `    of which while ${phaseNames[phase]}`,
        drags.map((drag) => drag.phases[phase]),
      );
    }
    note(`drags that landed in the other lane: ${drags.filter((drag) => drag.moved).length}/${drags.length}`);
    note(
      stalls === null
        ? `CPU stalls during the drags not measured: ${stallWatch.watch === null ? stallWatch.why : ''}`
        : `during the drags, ${describeStalls(stalls, CPU_STALL_MIN_MS)}; longest tasks a stall overlapped: ` +
            `${describeStalledTasks(longestTasks(drags), stalls, clock.offsetMs)} (page clock ±${clock.errorMs.toFixed(1)} ms)`,
    );

    // (c) status events through the core; the page counts frames and long tasks meanwhile.
    const ids = [...set.profileLanes, ...set.terminalLanes].flatMap((lane) =>
      (set.idsByLaneStatus.get(`${lane}\u0000todo`) ?? []).slice(0, 13),
    );
    // Each id moves to triage and back: an even number of moves per id leaves the board as it was.
    const moving = ids.slice(0, (EVENTS_PER_SECOND * EVENT_SECONDS) / 2);
    const triageBefore = await page.getByTestId('column-count-triage').textContent();
    const pageNow = () => page.evaluate(() => performance.now());
    const idleStart = await page.evaluate(() => {
      const bench = window.__bench;
      bench.frames = [];
      const count = (at: number) => {
        bench.frames.push(at);
        requestAnimationFrame(count);
      };
      requestAnimationFrame(count);
      return performance.now();
    });
    await sleep(1000);
    const windowStart = await pageNow();
    started = performance.now();
    const produced = await cpuProfile(profileCdp, 'events', note, () =>
      produceStatusEvents(set, moving, EVENTS_PER_SECOND, EVENT_SECONDS),
    );
    const producedMs = performance.now() - started;
    const producedEnd = await pageNow();
    // Applied when the triage column is back to its count (every task went to triage and back).
    let caughtUpMs = Number.NaN;
    let triageNow: string | null = null;
    const waitStart = performance.now();
    while (performance.now() - waitStart < 15_000) {
      triageNow = await page.getByTestId('column-count-triage').textContent();
      if (triageNow === triageBefore) {
        caughtUpMs = performance.now() - waitStart;
        break;
      }
      await sleep(20);
    }
    const windowEnd = await pageNow();
    const db = openDatabase(set.paths.database);
    const triageInCore = (
      db.prepare("SELECT count(*) AS n FROM tasks WHERE status = 'triage'").get() as { n: number }
    ).n;
    db.close();
    const tasks = await longTasksSince(page, windowStart);
    const frames = await page.evaluate(() => window.__bench.frames);
    const fps = (from: number, to: number) =>
      (frames.filter((at) => at >= from && at < to).length * 1000) / (to - from);
    const wall = windowEnd - windowStart;
    const longSum = tasks.reduce(
      (sum, task) => sum + Math.max(0, Math.min(task.start + task.duration, windowEnd) - task.start),
      0,
    );
    const longest = Math.max(0, ...tasks.map((task) => task.duration));
    note(
      `6c. ${produced.written} status moves in ${(producedMs / 1000).toFixed(1)} s (${(
        produced.written /
        (producedMs / 1000)
      ).toFixed(0)}/s, writer late by ≤ ${produced.lateMs.toFixed(0)} ms): long tasks ` +
        `${((100 * longSum) / wall).toFixed(1)} % of ${(wall / 1000).toFixed(1)} s until caught up (target ≤ 5 %), ` +
        `${tasks.length} long tasks, longest ${longest.toFixed(0)} ms; ` +
        `${fps(windowStart, producedEnd).toFixed(0)} frames/s while the events came (idle before: ` +
        `${fps(idleStart, windowStart).toFixed(0)}/s); board caught up ` +
        `${Number.isNaN(caughtUpMs) ? `NOT within 15 s (triage column ${triageNow}, was ${triageBefore}; ${triageInCore} in the core)` : `${caughtUpMs.toFixed(0)} ms`} after the last write`,
    );
    const stream = await page.evaluate((ids) => {
      const { events, seqGaps, sockets, statusOf, lastTasksAt } = window.__bench;
      return {
        lastTasksAt,
        events,
        seqGaps,
        sockets,
        lastSaidTriage: ids.filter((id) => statusOf[id] === 'triage').length,
      };
    }, moving);
    note(
      `event stream: ${stream.events} messages, ${stream.seqGaps} holes in seq, ${stream.sockets} socket(s) opened; ` +
        `last tasks event arrived ${(stream.lastTasksAt - producedEnd).toFixed(0)} ms after the last write; ` +
        `moved tasks whose last event says triage: ${stream.lastSaidTriage}`,
    );
    if (produced.firstError) note(`first refused move: ${produced.firstError}`);
    const heapAfterEvents = await liveHeap(cdp);
    note(`6d. JS heap (live, after GC) after the events: ${mb(heapAfterEvents)} (target ≤ 200 MB)`);
    await page.context().close();
  } finally {
    await browser?.close();
    await stopServe(serve.child);
    killLeftoverWorkers(set.paths.home);
    if (serveProfileDir) note(`CPU profile of serve (whole run) → ${serveProfileDir}`);
  }
}
