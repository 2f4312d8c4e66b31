import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTask } from '../commands/taskCommands';
import * as runs from '../store/runs';
import * as tasks from '../store/tasks';
import { readTranscript } from '../workers/transcriptFile';
import type { Engine } from './engine';
import { useTempHomes } from '../../../test/helpers/home';
import { AGENTS, newEngine, tickUntil, writeFastSettings } from '../../../test/helpers/engine';
import { REPO_ROOT, runCli } from '../../../test/helpers/cli';

/**
 * docs/architecture.md §10 structured runs end to end in the core: a fake agent replays a recorded session into its
 * log; the supervisor parses it as it is written; the run keeps tokens, cost, session and last message.
 */

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'transcripts');
const tempHome = useTempHomes();
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

function replayProfile(
  paths: ReturnType<typeof tempHome>,
  name: string,
  output: string,
  args: string[],
): void {
  fs.mkdirSync(path.join(paths.profiles, name), { recursive: true });
  fs.writeFileSync(
    path.join(paths.profiles, name, 'profile.json'),
    JSON.stringify({ command: [process.execPath, path.join(AGENTS, 'replay.mjs'), ...args], output }),
  );
}

describe('structured runs', () => {
  it('a Claude Code session with a garbage line mid-stream: done, totals exact, garbage kept raw', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    replayProfile(paths, 'claude', 'claude-stream-json', [
      path.join(FIXTURES, 'claude-stream.jsonl'),
      '--garbage-at',
      '4',
    ]);
    const engine = newEngine(paths);
    engines.push(engine);
    const id = createTask(engine.db, { title: 'fix login', assignee: 'claude' }, { name: 'test' }).id;
    await tickUntil(engine, () => tasks.findTask(engine.db, id)?.status === 'done', 'the run to complete');

    const [run] = runs.runsOf(engine.db, id);
    expect(run).toMatchObject({
      outcome: 'completed',
      tokensIn: 42 + 5210 + 17350,
      tokensOut: 436,
      costUsd: 0.0412735,
      agentSession: '8f2c1a9e-4b7d-4e0a-9c31-2d5e6f7a8b90',
      lastMessage: 'Fixed the off-by-one in token expiry; the login tests pass now.',
    });
    const transcript = await readTranscript(run?.logPath as string);
    expect(transcript.format).toBe('claude-stream-json');
    expect(transcript.entries.filter((entry) => entry.kind === 'raw').map((entry) => entry.text)).toEqual([
      '{"type":"assistant","message":{"content":[{"type":"te',
      'Segmentation fault (not JSON at all)',
    ]);
    expect(
      transcript.entries.filter((entry) => entry.kind === 'tool_call').map((entry) => entry.tool),
    ).toEqual(['Bash', 'Edit']);
  });

  it('a Codex session: tokens summed over turns, thread id as session, no cost', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    replayProfile(paths, 'codex', 'codex-json', [path.join(FIXTURES, 'codex-exec.jsonl')]);
    const engine = newEngine(paths);
    engines.push(engine);
    const id = createTask(engine.db, { title: 'read the repo', assignee: 'codex' }, { name: 'test' }).id;
    await tickUntil(engine, () => tasks.findTask(engine.db, id)?.status === 'done', 'the run to complete');
    expect(runs.runsOf(engine.db, id)[0]).toMatchObject({
      tokensIn: 24763,
      tokensOut: 122,
      costUsd: null,
      agentSession: '0199a213-81c0-7800-8aa1-bbab2a035a53',
      lastMessage: 'The repository has a README, a src folder and package.json.',
    });
  });

  it('`dispatch --no-wait` exits while the log thread follows a run, and the next engine adopts it with its totals', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    const release = path.join(paths.home, 'release');
    replayProfile(paths, 'codex', 'codex-json', [
      path.join(FIXTURES, 'codex-exec.jsonl'),
      '--hold-until',
      release,
    ]);
    const created = await runCli(paths.home, ['create', 'read the repo', '--assignee', 'codex', '--json']);
    expect(created.code).toBe(0);
    const id = (JSON.parse(created.stdout) as { id: string }).id;
    // The worker writes all but its last line (the turn's usage) and waits; the CLI must not wait
    // for it, nor for the thread that follows its log.
    const dispatched = await runCli(paths.home, ['dispatch', '--no-wait']);
    expect(dispatched).toMatchObject({ code: 0, signal: null });

    const engine = newEngine(paths);
    engines.push(engine);
    await tickUntil(
      engine,
      () =>
        engine
          .workers()
          .some((worker) => worker.taskId === id && worker.lastOutputLine?.startsWith('The repo') === true),
      'the adopted run to show its last message',
    );
    fs.writeFileSync(release, '');
    await tickUntil(engine, () => tasks.findTask(engine.db, id)?.status === 'done', 'the run to complete');
    expect(runs.runsOf(engine.db, id)[0]).toMatchObject({
      tokensIn: 24763,
      tokensOut: 122,
      agentSession: '0199a213-81c0-7800-8aa1-bbab2a035a53',
      lastMessage: 'The repository has a README, a src folder and package.json.',
    });
  });

  it('a plain-text profile records no usage', async () => {
    const paths = tempHome();
    writeFastSettings(paths);
    replayProfile(paths, 'plain', 'text', [path.join(FIXTURES, 'claude-stream.jsonl')]);
    const engine = newEngine(paths);
    engines.push(engine);
    const id = createTask(engine.db, { title: 'x', assignee: 'plain' }, { name: 'test' }).id;
    await tickUntil(engine, () => tasks.findTask(engine.db, id)?.status === 'done', 'the run to complete');
    expect(runs.runsOf(engine.db, id)[0]).toMatchObject({
      costUsd: null,
      tokensIn: null,
      agentSession: null,
    });
  });
});
