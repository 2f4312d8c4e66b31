import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

/** Real git repositories (./gitRepo.ts), and temp folders that Vitest removes after each test. */
export { commitFiles, git, makeRepo, writeFiles } from './gitRepo';

/** Temp folders for repositories, removed after each test. */
export function useTempFolders(): (prefix?: string) => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return (prefix = 'switchyard-repo-') => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
