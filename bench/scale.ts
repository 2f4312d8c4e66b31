import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createApi } from '../electron/core/api/api';
import { Engine } from '../electron/core/dispatch/engine';
import { buildLarge, killLeftoverWorkers, tempHome } from './dataset';
import { LANE_FIGURES_TARGET, laneFiguresRecompute, queuedInLaneView } from './laneFigures';
import { recordTarget } from './targets';

/**
 * Target 10 (`npm run bench -- --scale`): the same measurements at 10,000, 100,000 and 1,000,000
 * tasks ("large" grown: a fifth ready over the same 300 lanes, the rest in dependency chains), so a
 * figure that grows with the board shows up as a curve. `--scale-max=N` stops after the size N.
 * Each size: the data set (one transaction of prepared statements), a fresh engine's first tick, the
 * idle tick, a tick re-evaluating every ready task, the board snapshot in-process, `serve` start →
 * snapshot and its RSS, `serve` start → board painted in Chromium, and the database's size.
 */

type Report = (name: string, samples: number[], target?: string) => void;
type Note = (text: string) => void;

export interface ScaleDeps {
  /** One `switchyard serve` start on `home` until a WebSocket client has the snapshot. */
  serveOnce(home: string): Promise<{ snapshot: number; rssMb: number; peakMb: number; bytes: number }>;
  /** `serve` start → board painted in Chromium, `runs` times; [] when it could not run. */
  startToBoard(home: string, runs: number): Promise<number[]>;
}

const SIZES = [10_000, 100_000, 1_000_000];

interface Point {
  tasks: number;
  buildS: number;
  firstTick: number;
  idleTick: number;
  reeval: number;
  reevalCpu: number;
  laneFigures: number;
  queued: number;
  snapshotInProcess: number;
  engineRssMb: number;
  serveSnapshot: number;
  serveRssMb: number;
  servePeakMb: number;
  painted: number;
  dbMb: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function fileMb(file: string): number {
  let size = 0;
  for (const suffix of ['', '-wal']) {
    try {
      size += fs.statSync(file + suffix).size;
    } catch {
      // no WAL
    }
  }
  return size / 2 ** 20;
}

async function measureSize(
  tasks: number,
  homes: string[],
  report: Report,
  note: Note,
  deps: ScaleDeps,
): Promise<Point> {
  const paths = tempHome(`scale-${tasks}`);
  homes.push(paths.home);
  let started = performance.now();
  const set = buildLarge(paths, { tasks, ready: Math.floor(tasks / 5) });
  const buildS = (performance.now() - started) / 1000;
  note(
    `${tasks.toLocaleString('en')} tasks (${Object.entries(set.counts)
      .map(([status, n]) => `${n} ${status}`)
      .join(', ')}) built in ${buildS.toFixed(1)} s; database ${fileMb(paths.database).toFixed(0)} MB`,
  );
  const engine = new Engine({
    home: paths.home,
    env: { ...process.env, SWITCHYARD_HOME: paths.home },
    dispatch: true,
    actor: { name: 'bench' },
    log: () => undefined,
  });
  let point: Point;
  try {
    started = performance.now();
    engine.runTick();
    const firstTick = performance.now() - started;
    for (let i = 0; i < 3; i++) engine.runTick();
    const idle: number[] = [];
    for (let i = 0; i < 30; i++) {
      started = performance.now();
      engine.runTick();
      idle.push(performance.now() - started);
      await sleep(5);
    }
    const reeval: number[] = [];
    const reevalCpu: number[] = [];
    for (let i = 0; i < 8; i++) {
      engine.setDispatcherEnabled(false);
      engine.runTick();
      engine.setDispatcherEnabled(true);
      const cpu = process.cpuUsage();
      started = performance.now();
      engine.runTick();
      reeval.push(performance.now() - started);
      const used = process.cpuUsage(cpu);
      reevalCpu.push((used.user + used.system) / 1000);
      await sleep(5);
    }
    const laneFigures = median(laneFiguresRecompute(engine, 'default'));
    const queued = queuedInLaneView(engine, 'default');
    const api = createApi(engine);
    started = performance.now();
    await api.callByName('snapshot', { board: 'default' });
    const snapshotInProcess = performance.now() - started;
    api.close();
    point = {
      tasks,
      buildS,
      firstTick,
      idleTick: median(idle),
      reeval: median(reeval),
      reevalCpu: median(reevalCpu),
      laneFigures,
      queued,
      snapshotInProcess,
      engineRssMb: process.memoryUsage().rss / 2 ** 20,
      serveSnapshot: Number.NaN,
      serveRssMb: Number.NaN,
      servePeakMb: Number.NaN,
      painted: Number.NaN,
      dbMb: 0,
    };
  } finally {
    await engine.close({ stopWorkers: true });
  }
  const label = `${tasks / 1000}k`;
  report(`10. ${label}: first tick of a fresh engine`, [point.firstTick]);
  report(
    `10. ${label}: idle tick (median of 30)`,
    [point.idleTick],
    tasks === 1_000_000 ? '≤ 1 ms' : undefined,
  );
  report(`10. ${label}: tick re-evaluating ${(tasks / 5).toLocaleString('en')} ready (median of 8)`, [
    point.reeval,
  ]);
  report(
    `10b. ${label}: lane figures recomputed (${point.queued.toLocaleString('en')} queued; median of 20)`,
    [point.laneFigures],
    tasks === 1_000_000 ? LANE_FIGURES_TARGET : undefined,
  );
  report(`10. ${label}: board snapshot in-process`, [point.snapshotInProcess]);
  try {
    const serve = await deps.serveOnce(paths.home);
    point.serveSnapshot = serve.snapshot;
    point.serveRssMb = serve.rssMb;
    point.servePeakMb = serve.peakMb;
    report(
      `10. ${label}: serve start → snapshot (WebSocket)`,
      [serve.snapshot],
      tasks === 1_000_000 ? '≤ 2000 ms' : undefined,
    );
    killLeftoverWorkers(paths.home);
    const painted = await deps.startToBoard(paths.home, 3);
    point.painted = painted.length ? median(painted) : Number.NaN;
  } finally {
    killLeftoverWorkers(paths.home);
  }
  point.dbMb = fileMb(paths.database);
  // The next size needs the disk more than this one does.
  fs.rmSync(paths.home, { recursive: true, force: true });
  return point;
}

export async function benchScale(
  homes: string[],
  report: Report,
  note: Note,
  deps: ScaleDeps,
): Promise<void> {
  console.log('\n## Scale curve: 10k → 100k → 1M tasks (--scale)');
  const maxArg = process.argv.find((arg) => arg.startsWith('--scale-max='));
  const max = maxArg ? Number(maxArg.slice('--scale-max='.length)) : Number.POSITIVE_INFINITY;
  const started = performance.now();
  const points: Point[] = [];
  for (const size of SIZES.filter((n) => n <= max))
    points.push(await measureSize(size, homes, report, note, deps));
  const f = (value: number, digits = 1): string => (Number.isNaN(value) ? '—' : value.toFixed(digits));
  console.log(
    '\n| tasks | built (s) | first tick (ms) | idle tick (ms) | re-eval 20 % ready (ms, CPU) | lane figures (ms) | snapshot in-process (ms) | serve → snapshot (ms) | serve → painted (ms) | serve RSS / peak (MB) | bench RSS (MB) | DB (MB) |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const p of points) {
    console.log(
      `| ${p.tasks.toLocaleString('en')} | ${f(p.buildS)} | ${f(p.firstTick)} | ${f(p.idleTick, 2)} | ${f(p.reeval)} (${f(p.reevalCpu)}) | ${f(p.laneFigures, 2)} | ` +
        `${f(p.snapshotInProcess, 0)} | ${f(p.serveSnapshot, 0)} | ${f(p.painted, 0)} | ${f(p.serveRssMb, 0)} / ${f(p.servePeakMb, 0)} | ` +
        `${f(p.engineRssMb, 0)} | ${f(p.dbMb, 0)} |`,
    );
  }
  note(`the curve took ${((performance.now() - started) / 60_000).toFixed(1)} min`);
  const top = points[points.length - 1];
  if (top && top.tasks === 1_000_000) {
    const met =
      top.idleTick <= 1 && top.serveSnapshot <= 2000 && top.painted <= 2000 && top.servePeakMb <= 400;
    recordTarget(
      '10',
      `${f(top.idleTick, 2)} ms / ${f(top.serveSnapshot, 0)} ms / ${f(top.painted, 0)} ms / ${f(top.servePeakMb, 0)} MB`,
      met,
    );
    recordTarget(
      '10b',
      `${f(top.laneFigures, 2)} ms (${top.queued.toLocaleString('en')} queued)`,
      top.laneFigures <= 5,
    );
  } else if (top) {
    recordTarget('10', `stopped at ${top.tasks.toLocaleString('en')} tasks (--scale-max)`, null);
  }
}
