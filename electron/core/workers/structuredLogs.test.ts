import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appendAll } from '../../../shared/arrays';
import { TranscriptParser, type RunUsage } from '../../../shared/transcript';
import { REPO_ROOT } from '../../../test/helpers/cli';
import { agentArgv, useProcessSandbox, waitFor } from '../../../test/helpers/processes';
import { LogFollower } from './logTail';
import { endLogThreadForTests, logsFollowedInThread, stateBatchesByMessage } from './structuredLogs';
import { Supervisor, type SpawnRequest, type SupervisorOptions, type WorkerExit } from './supervisor';

/**
 * docs/architecture.md §10 (issue 17, target 12): structured logs are followed in the structured-log
 * thread; the main thread gets the card's line, the byte count and the totals, never the bytes.
 */

const sandbox = useProcessSandbox('switchyard-structured-');
const supervisors: Supervisor[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(supervisors.splice(0).map((supervisor) => supervisor.stopAll()));
});

function makeSupervisor(options: Partial<SupervisorOptions> = {}): Supervisor {
  const supervisor = new Supervisor({
    killGraceMs: 1_000,
    logRotateBytes: 256 * 1024,
    logKeepFiles: 100,
    outputThrottleMs: 50,
    onError: (error) => {
      throw error;
    },
    ...options,
  });
  supervisors.push(supervisor);
  return supervisor;
}

/** The bench's fake agent: Claude Code stream-json at full speed, then a result ($0.01, 1000 in, 100 out). */
function streamJsonRequest(bytes: number, holdUntil?: string): SpawnRequest {
  const argv = agentArgv('stream-json', String(bytes), ...(holdUntil ? ['--hold-until', holdUntil] : []));
  return sandbox.workerRequest(argv, { lane: 'claude', output: 'claude-stream-json' });
}

async function runToExit(supervisor: Supervisor, spawnRequest: SpawnRequest): Promise<WorkerExit> {
  const outcome = supervisor.spawn(spawnRequest);
  if (!outcome.ok) throw new Error(outcome.error);
  sandbox.killAfterwards(outcome.pid);
  const seen: WorkerExit[] = [];
  return waitFor(
    `the exit of run ${spawnRequest.runId}`,
    () => {
      appendAll(seen, supervisor.drainExits());
      return seen.find((exit) => exit.runId === spawnRequest.runId);
    },
    { timeoutMs: 60_000 },
  );
}

/** The nice of each thread of this process (/proc/self/task/<tid>/stat, field 19). */
function threadNices(): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // After the command's ")": state is field 3, so nice (19) is the 17th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    nices.set(Number(tid), Number(fields[16]));
  }
  return nices;
}

/** The log and its rotated copies, oldest first. */
function logFiles(logPath: string): string[] {
  const generations = fs
    .readdirSync(path.dirname(logPath))
    .filter((name) => /^\d+\.log\.\d+$/.test(name))
    .map((name) => Number(name.split('.').pop()))
    .sort((a, b) => b - a);
  return [...generations.map((generation) => `${logPath}.${generation}`), logPath];
}

/** What a full parse (every line, every entry) of everything the agent wrote gives. */
function fullParse(files: string[]): RunUsage {
  const parser = new TranscriptParser('claude-stream-json', () => undefined);
  for (const file of files) parser.push(fs.readFileSync(file, 'utf8'));
  parser.end();
  return parser.totals;
}

describe('structured logs in the log thread', () => {
  it('totals exact through rotations, the card shows messages, and the main thread parses no byte', async () => {
    const push = vi.spyOn(TranscriptParser.prototype, 'push');
    const supervisor = makeSupervisor();
    const threadLogsBefore = logsFollowedInThread();
    // The agent holds its result until told, so its card is looked at while it runs, whatever the load.
    const release = path.join(sandbox.tempDir(), 'release');
    const spawnRequest = streamJsonRequest(3 * 1024 * 1024, release);
    const exitPromise = runToExit(supervisor, spawnRequest);
    // While it runs: the card's line is the agent's latest message, not a JSON event.
    const live = await waitFor('a message on the card', () =>
      supervisor.workers().find((worker) => worker.lastOutputLine?.startsWith('Step ')),
    );
    expect(live.outputBytes).toBeGreaterThan(0);
    fs.writeFileSync(release, '');
    const exit = await exitPromise;

    expect(logsFollowedInThread()).toBe(threadLogsBefore + 1);
    expect(push).not.toHaveBeenCalled();
    const files = logFiles(spawnRequest.logPath);
    expect(files.length).toBeGreaterThan(5); // rotated by switching files while the thread followed
    expect(exit.lastOutputLine).toBe('done');
    expect(exit.usage).toEqual({
      tokensIn: 1000,
      tokensOut: 100,
      costUsd: 0.01,
      sessionId: 'bench-session',
      lastMessage: 'done',
    });
    expect(exit.usage).toEqual(fullParse(files));
  });

  it('with the thread off, the same run is followed and parsed in the main thread, with the same totals', async () => {
    const push = vi.spyOn(TranscriptParser.prototype, 'push');
    const supervisor = makeSupervisor({ logThread: false });
    const threadLogsBefore = logsFollowedInThread();
    const spawnRequest = streamJsonRequest(1024 * 1024);
    const exit = await runToExit(supervisor, spawnRequest);
    expect(logsFollowedInThread()).toBe(threadLogsBefore);
    expect(push).toHaveBeenCalled();
    expect(exit.lastOutputLine).toBe('done');
    expect(exit.usage).toEqual(fullParse(logFiles(spawnRequest.logPath)));
    expect(exit.usage?.costUsd).toBe(0.01);
  });

  it('a plain-text log is followed in the thread too: the main thread polls no log', async () => {
    const poll = vi.spyOn(LogFollower.prototype, 'poll');
    const supervisor = makeSupervisor();
    const threadLogsBefore = logsFollowedInThread();
    const exit = await runToExit(supervisor, { ...streamJsonRequest(64 * 1024), output: null });
    expect(logsFollowedInThread()).toBe(threadLogsBefore + 1);
    expect(poll).not.toHaveBeenCalled();
    expect(exit.usage).toBeNull();
    expect(exit.lastOutputLine).toMatch(/^\{"type":"result"/);
  });

  // A message from the lower-priority log thread made the main thread wait on the port's lock while
  // the thread held it (logStateMailbox.ts): its batches come through shared memory instead.
  it("the thread's batches reach the card through shared memory, not by message", async () => {
    const supervisor = makeSupervisor();
    const messagesBefore = stateBatchesByMessage();
    const release = path.join(sandbox.tempDir(), 'release');
    const spawnRequest = { ...streamJsonRequest(256 * 1024, release), output: null };
    const exitPromise = runToExit(supervisor, spawnRequest);
    // While it runs, its card moves: the batches arrive.
    const live = await waitFor('output on the card', () =>
      supervisor.workers().find((worker) => worker.runId === spawnRequest.runId && worker.outputBytes > 0),
    );
    expect(live.lastOutputLine).not.toBeNull();
    fs.writeFileSync(release, '');
    const exit = await exitPromise;
    expect(exit.lastOutputLine).toMatch(/^\{"type":"result"/);
    expect(stateBatchesByMessage()).toBe(messagesBefore);
  });

  // The log thread was lowered to nice +10 once: every file read it starts takes libuv's
  // process-wide pool mutex, its batches took the message port's, and a lowered holder preempted
  // there kept the main thread asleep on them (structuredLogThread.ts). No thread is lowered now.
  it.runIf(process.platform === 'linux')("the log thread runs at the main thread's priority", async () => {
    const ownNice = os.getPriority();
    const supervisor = makeSupervisor();
    const threadLogsBefore = logsFollowedInThread();
    await runToExit(supervisor, { ...streamJsonRequest(64 * 1024), output: null });
    expect(logsFollowedInThread()).toBe(threadLogsBefore + 1);
    const nices = threadNices();
    expect(nices.size).toBeGreaterThan(1);
    expect([...nices.values()].filter((nice) => nice !== ownNice)).toEqual([]);
  });

  // Last in this file: once its thread died, a process follows every log here.
  it('when the thread dies mid-run, the log is followed here from its start and the totals stay exact', async () => {
    const errors: string[] = [];
    const supervisor = makeSupervisor({ onError: (error) => errors.push(error.message) });
    const release = path.join(sandbox.tempDir(), 'release');
    const fixture = path.join(REPO_ROOT, 'test', 'fixtures', 'transcripts', 'codex-exec.jsonl');
    const spawnRequest: SpawnRequest = {
      ...streamJsonRequest(0),
      argv: agentArgv('replay', fixture, '--hold-until', release),
      output: 'codex-json',
    };
    const exitPromise = runToExit(supervisor, spawnRequest);
    await waitFor('the message on the card', () =>
      supervisor.workers().find((worker) => worker.lastOutputLine?.startsWith('The repository')),
    );
    await endLogThreadForTests();
    fs.writeFileSync(release, '');
    const exit = await exitPromise;
    expect(exit.usage).toEqual({
      tokensIn: 24763,
      tokensOut: 122,
      costUsd: null,
      sessionId: '0199a213-81c0-7800-8aa1-bbab2a035a53',
      lastMessage: 'The repository has a README, a src folder and package.json.',
    });
    expect(errors).toEqual([expect.stringMatching(/log thread ended .*main thread/)]);
    // Later structured logs are followed here from the start.
    const threadLogsBefore = logsFollowedInThread();
    const next = await runToExit(supervisor, streamJsonRequest(64 * 1024));
    expect(logsFollowedInThread()).toBe(threadLogsBefore);
    expect(next.usage?.costUsd).toBe(0.01);
  });
});
