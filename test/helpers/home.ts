import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { homePaths, type HomePaths } from '../../electron/core/config/home';

/** A fresh, empty Switchyard home in the system temp folder. */
export function makeTempHome(prefix = 'switchyard-test-'): HomePaths {
  return homePaths(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

export function removeTempHome(home: HomePaths | string): void {
  fs.rmSync(typeof home === 'string' ? home : home.home, { recursive: true, force: true });
}

/**
 * Registers cleanup with the current test file: every home handed out is deleted after each test,
 * so a failing test never leaves another test a dirty database.
 */
export function useTempHomes(): () => HomePaths {
  const made: HomePaths[] = [];
  afterEach(() => {
    for (const home of made.splice(0)) removeTempHome(home);
  });
  return () => {
    const home = makeTempHome();
    made.push(home);
    return home;
  };
}
