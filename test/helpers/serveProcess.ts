import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { CLI_ENTRY, REPO_ROOT } from './cli';

export interface ServeProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** What it printed up to the line waited for. */
  printed: string;
  /** The board URL it printed, with its token. */
  boardUrl: URL;
  port: number;
  token: string;
}

/**
 * `switchyard serve --port 0 …` as a user starts it, on `home`: the environment's other SWITCHYARD_
 * variables are dropped (a test may run inside a worker's), and it resolves once the board URL —
 * and `until`, when given — has been printed. The caller stops it (child.kill).
 */
export async function startServeProcess(
  home: string,
  options: { args?: readonly string[]; env?: NodeJS.ProcessEnv; until?: RegExp } = {},
): Promise<ServeProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('SWITCHYARD_')) delete env[key];
  Object.assign(env, { SWITCHYARD_HOME: home, ...options.env });
  const child = spawn(process.execPath, [CLI_ENTRY, 'serve', '--port', '0', ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const printed = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (/Switchyard board: \S+/.test(out) && (!options.until || options.until.test(out))) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  const boardUrl = new URL(/Switchyard board: (\S+)/.exec(printed)?.[1] as string);
  return {
    child,
    printed,
    boardUrl,
    port: Number(boardUrl.port),
    token: boardUrl.searchParams.get('token') as string,
  };
}
