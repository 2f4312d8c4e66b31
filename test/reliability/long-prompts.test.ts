import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as commands from '../../electron/core/commands/taskCommands';
import type { Engine } from '../../electron/core/dispatch/engine';
import * as tasks from '../../electron/core/store/tasks';
import { buildPrompt, DEFAULT_PROMPT_CAPS, MAX_ARGUMENT_BYTES } from '../../electron/core/workers/prompt';
import type { Task } from '../../shared/domain';
import { useTempHomes } from '../helpers/home';
import { AGENTS, newEngine, waitFor, writeFastSettings } from '../helpers/engine';

/**
 * Issue 18 item 3: prompts are capped in UTF-8 bytes with a cap on the whole, so `{prompt}` never
 * passes Linux's 128 KiB per-argument limit (`spawn E2BIG`), and the prompt says what was cut.
 */

const newHome = useTempHomes();
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

const CJK = '漢字仮名交じり文の結果です。'; // 3 bytes a character in UTF-8
const cjkText = (chars: number): string => CJK.repeat(Math.ceil(chars / CJK.length)).slice(0, chars);

function fanIn(engine: Engine, parents: number, resultChars: number): Task {
  const ids: string[] = [];
  for (let i = 0; i < parents; i++) {
    const parent = commands.createTask(engine.db, { title: `parent ${i}`, status: 'ready' }, engine.actor);
    commands.completeTask(engine.db, parent.id, cjkText(resultChars), engine.actor);
    ids.push(parent.id);
  }
  return commands.createTask(engine.db, { title: 'fan-in', assignee: 'coder', parents: ids }, engine.actor);
}

function writeProfile(home: string, command: string[], outFile: string): void {
  const dir = path.join(home, 'profiles', 'coder');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'profile.json'), JSON.stringify({ command, env: { OUT_FILE: outFile } }));
}

/** The argv echo-args.mjs wrote, once the file is complete. */
async function echoedArgv(file: string): Promise<string[]> {
  return waitFor(() => {
    try {
      return (JSON.parse(fs.readFileSync(file, 'utf8')) as { argv: string[] }).argv;
    } catch {
      return undefined;
    }
  }, 'the worker to write its argv');
}

describe('long prompts start', () => {
  it('12 parents with 5,000-character CJK results: the worker spawns (no E2BIG) and the prompt says what was cut', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    const out = path.join(paths.home, 'argv.json');
    writeProfile(
      paths.home,
      [process.execPath, path.join(AGENTS, 'echo-args.mjs'), '--prompt', 'Context: {prompt}'],
      out,
    );
    // The parents' results alone are 12 × 15,000 bytes: past the limit even with a cap per result.
    fs.writeFileSync(
      paths.settingsFile,
      JSON.stringify({
        dispatcher: { tickMs: 100, backoffBaseMs: 0, backoffMaxMs: 0 },
        prompt: { parentResultBytes: 64 * 1024, totalBytes: 1024 * 1024 },
      }),
    );
    const engine = newEngine(paths, true);
    engines.push(engine);
    const child = fanIn(engine, 12, 5_000);
    expect(tasks.findTask(engine.db, child.id)?.status).toBe('ready');
    const result = engine.runTick();
    expect(result?.spawnFailed).toEqual([]);
    expect(result?.spawned.map((spawned) => spawned.taskId)).toEqual([child.id]);
    const argv = await echoedArgv(out);
    const prompt = argv[1] as string;
    expect(Buffer.byteLength(prompt)).toBeLessThanOrEqual(MAX_ARGUMENT_BYTES);
    expect(prompt).toContain('Shortened to fit');
    expect(prompt).toMatch(/more bytes cut\]/);
    expect(prompt).not.toContain('\uFFFD'); // never a character split in two
    // Every parent keeps a share: the first ones do not take all the room.
    for (let i = 0; i < 12; i++) expect(prompt).toContain(`parent ${i}`);
    expect(prompt).toContain('## Reporting');
  });

  it('{promptFile}: the prompt is written to a file in the run folder and the argument carries its path', async () => {
    const paths = newHome();
    writeFastSettings(paths);
    const out = path.join(paths.home, 'argv.json');
    const dir = path.join(paths.profiles, 'coder');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'profile.json'),
      JSON.stringify({
        command: [process.execPath, path.join(AGENTS, 'echo-args.mjs'), '--prompt-file', '{promptFile}'],
        env: { OUT_FILE: out },
      }),
    );
    const engine = newEngine(paths, true);
    engines.push(engine);
    const child = fanIn(engine, 12, 5_000);
    engine.runTick();
    const argv = await echoedArgv(out);
    const file = argv[1] as string;
    expect(path.dirname(file)).toBe(path.join(paths.logs, child.id));
    const prompt = fs.readFileSync(file, 'utf8');
    expect(prompt).toContain('# fan-in');
    expect(Buffer.byteLength(prompt)).toBeLessThanOrEqual(DEFAULT_PROMPT_CAPS.totalBytes);
  });

  it('caps count bytes: a CJK body at the byte cap is cut at a character boundary, and the total holds', () => {
    const task = {
      id: 't_00000001',
      title: 'big',
      board: 'default',
      body: cjkText(40_000),
    } as Task;
    const prompt = buildPrompt(
      { task, parents: [], priorRuns: [], comments: [], completion: 'report' },
      { ...DEFAULT_PROMPT_CAPS, bodyBytes: 30_000, totalBytes: 20_000 },
    );
    expect(Buffer.byteLength(prompt)).toBeLessThanOrEqual(20_000);
    expect(prompt).not.toContain('\uFFFD');
    expect(prompt).toContain('the task body');
    expect(prompt).toContain('## Reporting');
  });
});
