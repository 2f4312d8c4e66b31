import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_ENTRY, REPO_ROOT } from './helpers/cli';
import { useTempHomes } from './helpers/home';

const tempHome = useTempHomes();

/** The first ```sh block under a README heading. */
function shellBlockAfter(heading: string): string {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error(`no sh block after ${heading}`);
  return match[1] as string;
}

/**
 * Issue 15, defect 11: the README's quick tour is pasted into a shell by new users. It must run as
 * it is — no placeholder ids — with `switchyard` on the PATH as `npm link` puts it there.
 */
describe('README quick tour', () => {
  it('runs as pasted, every command succeeding', () => {
    const { home } = tempHome();
    const bin = path.join(home, 'bin-on-path');
    fs.mkdirSync(bin);
    fs.symlinkSync(CLI_ENTRY, path.join(bin, 'switchyard'));
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('SWITCHYARD_')) delete env[key];
    const script = `set -euo pipefail\n${shellBlockAfter('## CLI quick tour')}`;
    const result = spawnSync('bash', ['-c', script], {
      cwd: home,
      env: { ...env, SWITCHYARD_HOME: home, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/Claimed t_[0-9a-f]{8} \(running, orion-cc\): Fix login/);
    expect(result.stdout).toMatch(/Linked t_[0-9a-f]{8} → t_[0-9a-f]{8}/);
    expect(result.stderr).not.toMatch(/^switchyard: /m);
  }, 90_000);
});
