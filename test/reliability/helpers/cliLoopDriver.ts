/**
 * One "CLI process" of the concurrent-writers scenario: runs M real `switchyard` command invocations
 * (the CLI's own runCli, each opening and closing its own database connection like a separate CLI
 * run) in a fixed cycle, and reports every failure. Bundled by bundleCliLoopDriver, run with Node.
 *
 * argv: <home> <operations> <driver index>. Prints "ready", waits for a line on stdin, then prints one
 * JSON line: { ok, errors, created, commented, claimed, completed, archived }.
 *
 * The cycle (6 operations): create a task in terminal lane `term-<i>`, comment on it, claim the next
 * task of that lane (it must be this one), complete it, archive it, create a task in the `quick`
 * profile lane for the dispatcher to run.
 */
import { runCli } from '../../../electron/cli/main';

interface Captured {
  code: number;
  out: string;
  err: string;
}

async function cli(home: string, actor: string, args: string[]): Promise<Captured> {
  let out = '';
  let err = '';
  const env: NodeJS.ProcessEnv = { ...process.env, SWITCHYARD_HOME: home, SWITCHYARD_ACTOR: actor };
  delete env.SWITCHYARD_TASK;
  const code = await runCli(args, env, {
    out: (text) => (out += `${text}\n`),
    err: (text) => (err += `${text}\n`),
    write: (text) => (out += text),
    // A program reading the output, as the real process's would be laid out for a pipe.
    jsonLayout: () => 'lines',
  });
  return { code, out, err };
}

async function main(): Promise<void> {
  const [home, countText, indexText] = process.argv.slice(2);
  if (!home || !countText || indexText === undefined) throw new Error('usage: driver HOME COUNT INDEX');
  const actor = `writer-${indexText}`;
  const lane = `term-${indexText}`;
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const counts = { ok: 0, created: 0, commented: 0, claimed: 0, completed: 0, archived: 0 };
  const errors: string[] = [];
  let current = '';
  const step = async (args: string[], count?: keyof typeof counts): Promise<string | undefined> => {
    const result = await cli(home, actor, args);
    if (result.code !== 0) {
      errors.push(`${args.join(' ')} → exit ${result.code}: ${result.err.trim()}`);
      return undefined;
    }
    counts.ok++;
    if (count) counts[count]++;
    return result.out;
  };
  for (let i = 0; i < Number(countText); i++) {
    switch (i % 6) {
      case 0: {
        const out = await step(['create', `${actor} op ${i}`, '--assignee', lane, '--json'], 'created');
        current = out ? (JSON.parse(out) as { id: string }).id : '';
        break;
      }
      case 1:
        await step(['comment', current, `comment ${i} from ${actor}`], 'commented');
        break;
      case 2: {
        const out = await step(['claim', '--next', '--lane', lane, '--json'], 'claimed');
        const claimed = out ? (JSON.parse(out) as { id: string }).id : '';
        if (out && claimed !== current) errors.push(`claimed ${claimed}, expected ${current}`);
        break;
      }
      case 3:
        await step(['complete', current, '--summary', `done by ${actor}`], 'completed');
        break;
      case 4:
        await step(['move', current, 'archived'], 'archived');
        break;
      default:
        await step(['create', `${actor} quick ${i}`, '--assignee', 'quick'], 'created');
    }
  }
  process.stdout.write(`${JSON.stringify({ ...counts, errors })}\n`);
  process.stdin.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`driver failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
