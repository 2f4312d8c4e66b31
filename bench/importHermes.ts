import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { createHermesTables } from '../test/reliability/helpers/hermesFixture';
import { REPO_ROOT, tempHome } from './dataset';
import { recordTarget } from './targets';

/**
 * Target 8 (`npm run bench -- import`): `switchyard import-hermes` of a 100,000-task Hermes board,
 * as a user runs it — the CLI as a child process on a fresh home. Wall time, the child's peak RSS
 * (VmHWM, read from /proc while it runs), whether it printed a progress line, and a second import of
 * the same file (which adds nothing).
 */

type Report = (name: string, samples: number[], target?: string) => void;
type Note = (text: string) => void;

const CLI = path.join(REPO_ROOT, 'bin', 'switchyard.cjs');

export interface HermesBoardCounts {
  tasks: number;
  links: number;
  comments: number;
  runs: number;
  events: number;
}

/**
 * A Hermes kanban.db shaped like "large" (bench/dataset.ts): `tasks` tasks over 300 assignees,
 * a fifth ready and the rest in chains done → blocked → todo → todo with a link per step; one
 * `created` event each, a comment on every tenth, and a completed run (spawned + completed events)
 * on every done task. Hermes's own table layout (test/reliability/helpers/hermesFixture.ts), written
 * in one transaction.
 */
export function writeHermesBoard(file: string, tasks = 100_000): HermesBoardCounts {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  createHermesTables(db);
  const counts: HermesBoardCounts = { tasks: 0, links: 0, comments: 0, runs: 0, events: 0 };
  const lanes = Array.from({ length: 300 }, (_, i) => `agent-${String(i).padStart(3, '0')}`);
  const body = 'Hermes task body. '.repeat(11);
  const t0 = 1_760_000_000; // unix seconds, as Hermes stores them
  const insertTask = db.prepare(
    `INSERT INTO tasks (id, title, body, assignee, status, priority, created_by, created_at, completed_at, result)
     VALUES (?, ?, ?, ?, ?, ?, 'hermes-user', ?, ?, ?)`,
  );
  const insertLink = db.prepare('INSERT INTO task_links (parent_id, child_id) VALUES (?, ?)');
  const insertComment = db.prepare(
    "INSERT INTO task_comments (task_id, author, body, created_at) VALUES (?, 'reviewer', 'Looks right.', ?)",
  );
  const insertRun = db.prepare(
    `INSERT INTO task_runs (task_id, profile, worker_pid, started_at, ended_at, outcome, summary)
     VALUES (?, ?, 4242, ?, ?, 'completed', 'done')`,
  );
  const insertEvent = db.prepare(
    'INSERT INTO task_events (task_id, run_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const add = (n: number, status: string): string => {
    const id = `t_${n.toString(16).padStart(8, '0')}`;
    const at = t0 + n;
    const lane = lanes[n % lanes.length] as string;
    const done = status === 'done';
    insertTask.run(
      id,
      `Hermes task ${n}`,
      body,
      lane,
      status,
      n % 4,
      at,
      done ? at + 60 : null,
      done ? 'ok' : null,
    );
    insertEvent.run(id, null, 'created', '{}', at);
    counts.tasks++;
    counts.events++;
    if (n % 10 === 0) {
      insertComment.run(id, at + 1);
      counts.comments++;
    }
    if (done) {
      const run = Number(insertRun.run(id, lane, at + 5, at + 60).lastInsertRowid);
      insertEvent.run(id, run, 'spawned', '{"pid":4242}', at + 5);
      insertEvent.run(id, run, 'completed', '{"summary":"done"}', at + 60);
      counts.runs++;
      counts.events += 2;
    }
    return id;
  };
  db.transaction(() => {
    let n = 0;
    const ready = Math.floor(tasks / 5);
    while (n < ready) add(n++, 'ready');
    const chain = ['done', 'blocked', 'todo', 'todo'];
    while (n < tasks) {
      let parent: string | null = null;
      for (const status of chain) {
        if (n >= tasks) break;
        const id = add(n++, status);
        if (parent) {
          insertLink.run(parent, id);
          counts.links++;
        }
        parent = id;
      }
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return counts;
}

interface ImportRun {
  wallMs: number;
  peakRssMb: number;
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs the CLI's import-hermes as a child, reading its peak RSS from /proc until it exits. */
export async function runImport(home: string, file: string, extra: string[] = []): Promise<ImportRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'import-hermes', file, '--json', ...extra], {
    env: { ...process.env, SWITCHYARD_HOME: home, SWITCHYARD_ACTOR: 'bench' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let peakKb = 0;
  const probe = setInterval(() => {
    try {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // exited between two reads
    }
  }, 20);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (status) => resolve(status)));
  clearInterval(probe);
  return { wallMs: performance.now() - started, peakRssMb: peakKb / 1024, stdout, stderr, code };
}

export async function benchImportHermes(homes: string[], report: Report, note: Note): Promise<void> {
  console.log('\n## switchyard import-hermes of a 100,000-task Hermes board (CLI, fresh home)');
  const source = tempHome('hermes-source');
  homes.push(source.home);
  fs.mkdirSync(source.home, { recursive: true });
  const file = path.join(source.home, 'kanban.db');
  let started = performance.now();
  const counts = writeHermesBoard(file);
  note(
    `Hermes board: ${counts.tasks} tasks, ${counts.links} links, ${counts.comments} comments, ${counts.runs} runs, ` +
      `${counts.events} events (${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MB) written in ` +
      `${(performance.now() - started).toFixed(0)} ms`,
  );
  const target = tempHome('hermes-import');
  homes.push(target.home);
  started = performance.now();
  const first = await runImport(target.home, file);
  if (first.code !== 0) {
    note(`import failed (exit ${first.code}): ${first.stderr.trim().split('\n').pop() ?? ''}`);
    recordTarget('8', `failed (exit ${first.code})`, false);
    return;
  }
  const imported = (JSON.parse(first.stdout) as { tasks: { imported: number }; links: number }).tasks
    .imported;
  const progress = first.stderr.split(/[\r\n]+/).filter((line) => /import-hermes: .* of /.test(line));
  report('8. import-hermes of 100,000 tasks, whole process', [first.wallMs], '≤ 5000 ms');
  note(
    `   ${imported} tasks imported; peak RSS ${first.peakRssMb.toFixed(0)} MB (target ≤ 250 MB); ` +
      `${progress.length} progress line(s)${progress.length ? `, last: "${progress[progress.length - 1]}"` : ''}`,
  );
  const again = await runImport(target.home, file);
  const secondImported =
    again.code === 0 ? (JSON.parse(again.stdout) as { tasks: { imported: number } }).tasks.imported : NaN;
  report('   the same file again (adds nothing)', [again.wallMs]);
  note(`   second import: ${secondImported} new, peak RSS ${again.peakRssMb.toFixed(0)} MB`);
  recordTarget(
    '8',
    `${(first.wallMs / 1000).toFixed(1)} s, ${first.peakRssMb.toFixed(0)} MB, ${progress.length ? 'progress shown' : 'NO progress line'}`,
    first.wallMs <= 5000 && first.peakRssMb <= 250 && progress.length > 0 && imported === counts.tasks,
  );
}
