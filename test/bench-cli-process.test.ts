import { describe, expect, it } from 'vitest';
import { checkReadyListing, timeProcess } from '../bench/cliProcess';
import { openDatabase } from '../electron/core/store/db/open';
import { CLI_ENTRY } from './helpers/cli';
import { useTempHomes } from './helpers/home';

// Row 4b (bench/cliProcess.ts): the bench drains `list --json`'s output as it comes and checks it
// after the timed span. Both readers must hand back every byte the child wrote, and the check must
// refuse a listing that lost, repeated or garbled a task.

const tempHome = useTempHomes();

/** A child that writes `bytes` bytes of a known pattern to stdout in 1,000 writes, then exits. */
const writer = (bytes: number): string[] => [
  '-e',
  `const fs = require('fs'); const piece = Buffer.alloc(${bytes / 1000}, 'ab\\u00e9\\n');` +
    `for (let i = 0; i < 1000; i++) fs.writeSync(1, piece);`,
];

function listing(tasks: { id: string; status: string }[]): Buffer {
  return Buffer.from(`[\n${tasks.map((task) => JSON.stringify(task)).join(',\n')}\n]\n`, 'utf8');
}

describe("the bench's CLI process timing", () => {
  it('hands back every byte of an output many pipe buffers long, with either reader', async () => {
    const expected = Buffer.concat(Array.from({ length: 1000 }, () => Buffer.alloc(4000, 'ab\u00e9\n')));
    const drained = await timeProcess(writer(4_000_000), process.env, 'drained');
    const decoded = await timeProcess(writer(4_000_000), process.env, 'decoded');
    expect(drained.stdout.equals(expected)).toBe(true);
    expect(decoded.stdout.equals(expected)).toBe(true);
    expect(drained.ms).toBeGreaterThan(0);
  });

  it("refuses a child that fails, with the child's own message, with either reader", async () => {
    const failing = ['-e', "process.stderr.write('no such board'); process.exit(3)"];
    await expect(timeProcess(failing, process.env, 'drained')).rejects.toThrow(
      /exited with 3: no such board/,
    );
    await expect(timeProcess(failing, process.env, 'decoded')).rejects.toThrow(
      /exited with 3: no such board/,
    );
  });

  it("accepts the real CLI's listing of a home's ready tasks", async () => {
    const home = tempHome();
    const db = openDatabase(home.database);
    const insert = db.prepare(
      `INSERT INTO tasks (id, board, title, status, priority, created_at, updated_at)
       VALUES (?, 'default', ?, ?, 0, ?, ?)`,
    );
    const ready = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const id = `t_${i.toString(16).padStart(8, '0')}`;
      const status = i % 3 === 0 ? 'todo' : 'ready';
      insert.run(id, `task ${i} "quoted" ü`, status, i, i);
      if (status === 'ready') ready.add(id);
    }
    db.close();
    const env = { ...process.env, SWITCHYARD_HOME: home.home };
    const run = await timeProcess([CLI_ENTRY, 'list', '--json', '--status', 'ready'], env, 'drained');
    expect(() => checkReadyListing(run.stdout, ready)).not.toThrow();
    // One ready task fewer than the home holds is a listing that lost one.
    expect(() => checkReadyListing(run.stdout, new Set([...ready, 't_ffffffff']))).toThrow(
      /listed 20 of the 21 ready tasks/,
    );
  });

  it('refuses a listing that lost, repeated, added or garbled a task', () => {
    const expected = new Set(['t_1', 't_2']);
    const ok = [
      { id: 't_1', status: 'ready' },
      { id: 't_2', status: 'ready' },
    ];
    expect(() => checkReadyListing(listing(ok), expected)).not.toThrow();
    expect(() => checkReadyListing(listing([ok[0]!]), expected)).toThrow(/listed 1 of the 2/);
    expect(() => checkReadyListing(listing([...ok, ok[0]!]), expected)).toThrow(/t_1 twice/);
    expect(() => checkReadyListing(listing([...ok, { id: 't_3', status: 'ready' }]), expected)).toThrow(
      /t_3, which is not one of the ready tasks/,
    );
    expect(() => checkReadyListing(listing([ok[0]!, { id: 't_2', status: 'todo' }]), expected)).toThrow(
      /listed t_2 as todo/,
    );
    expect(() => checkReadyListing(listing(ok).subarray(0, 30), expected)).toThrow(/wrote no JSON/);
    expect(() => checkReadyListing(Buffer.from('{"id":"t_1"}'), expected)).toThrow(/no array/);
  });
});
