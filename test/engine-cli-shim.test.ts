import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../electron/core/dispatch/engine';
import type { HomePaths } from '../electron/core/config/home';
import { useTempHomes } from './helpers/home';

// The engine writes home/bin/switchyard (the CLI for workers) at start. Performance issue 17: an
// unchanged one is left alone, so home/bin keeps its timestamps and the PATH search cache can trust
// it from the first tick; anything else there is written afresh.

const newHome = useTempHomes();
const engines: Engine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close({ stopWorkers: true });
});

function open(paths: HomePaths): Engine {
  const engine = new Engine({
    home: paths.home,
    env: { ...process.env, SWITCHYARD_HOME: paths.home },
    dispatch: false,
    actor: { name: 'test' },
    log: () => undefined,
  });
  engines.push(engine);
  return engine;
}

describe('engine start: the CLI shim in home/bin', () => {
  it('is left untouched when unchanged, and written afresh when changed, replaced by a link or loosened', async () => {
    const paths = newHome();
    const shim = path.join(paths.bin, 'switchyard');
    await open(paths).close();
    const script = fs.readFileSync(shim, 'utf8');
    const first = fs.statSync(shim);
    const folder = fs.statSync(paths.bin);
    await open(paths).close();
    const again = fs.statSync(shim);
    expect([again.ino, again.mtimeMs]).toEqual([first.ino, first.mtimeMs]);
    expect(fs.statSync(paths.bin).mtimeMs).toBe(folder.mtimeMs);

    fs.writeFileSync(shim, script.replace('exec', 'exec  '));
    await open(paths).close();
    expect(fs.readFileSync(shim, 'utf8')).toBe(script);

    fs.chmodSync(shim, 0o755);
    await open(paths).close();
    expect(fs.statSync(shim).mode & 0o777).toBe(0o700);

    const elsewhere = path.join(paths.home, 'elsewhere');
    fs.writeFileSync(elsewhere, script, { mode: 0o700 });
    fs.rmSync(shim);
    fs.symlinkSync(elsewhere, shim);
    await open(paths).close();
    expect(fs.lstatSync(shim).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(shim, 'utf8')).toBe(script);
  });
});
