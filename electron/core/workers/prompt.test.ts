import { afterEach, describe, expect, it, vi } from 'vitest';
import * as commands from '../commands/taskCommands';
import { openDatabase, type Db } from '../store/db/open';
import { useTempHomes } from '../../../test/helpers/home';

const newHome = useTempHomes();
const opened: Db[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const db of opened.splice(0)) db.close();
});

describe('the cut note of a shortened prompt', () => {
  /**
   * Performance issue 17, target 7: the first `toLocaleString` of a process loads ICU's number
   * formatting (20–30 ms of CPU), and this module made that call as it loaded, on `switchyard
   * serve`'s start before it listens. The count is written as en-US writes it, without it.
   */
  it('writes the count with commas, without ICU number formatting, from module load on', async () => {
    const toLocaleString = vi.spyOn(Number.prototype, 'toLocaleString');
    vi.resetModules();
    const { buildPrompt, DEFAULT_PROMPT_CAPS } = await import('./prompt');
    const db = openDatabase(newHome().database);
    opened.push(db);
    const task = commands.createTask(db, { title: 'long', body: 'x'.repeat(60_000) }, { name: 'test' });
    const caps = { ...DEFAULT_PROMPT_CAPS, bodyBytes: 1_000 };
    const prompt = buildPrompt(
      { task, parents: [], priorRuns: [], comments: [], completion: 'exit-code' },
      caps,
    );
    const count = /\[… ([\d,]+) more bytes cut\]/.exec(prompt)?.[1];
    expect(count).toMatch(/^\d{2},\d{3}$/);
    expect(Number(count?.replace(/,/g, ''))).toBeGreaterThan(59_000 - 1_000);
    expect(toLocaleString).not.toHaveBeenCalled();
  });
});
