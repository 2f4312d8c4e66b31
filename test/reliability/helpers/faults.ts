import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { REPO_ROOT } from '../../helpers/cli';

/** A small tmpfs we can fill or remount read-only; null (with the reason) where mounting is not allowed. */
export interface Tmpfs {
  dir: string;
  readOnly(on: boolean): void;
  unmount(): void;
}

export function mountTmpfs(sizeKiB: number): Tmpfs | string {
  if (process.platform !== 'linux') return 'tmpfs needs Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    return `mount -t tmpfs is not permitted here: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
  }
  return {
    dir,
    readOnly(on) {
      execFileSync('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, dir], { stdio: 'pipe' });
    },
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Overwrites every page of the database after the schema's (the first three) with a pattern, after
 * folding the WAL into the main file: what a disk fault leaves, with the schema still readable.
 */
export function damageDataPages(database: string): void {
  const db = new Database(database);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const bytes = fs.readFileSync(database);
  for (let i = 3 * 4096; i < bytes.length; i++) bytes[i] = (i * 7) & 255;
  fs.writeFileSync(database, bytes);
}

export function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Another process holding the database's write lock (BEGIN EXCLUSIVE with a write in it) until
 * `release()`; resolves `locked` once it holds it.
 */
export function holdWriteLock(database: string): {
  locked: Promise<void>;
  release(): Promise<void>;
  child: ChildProcess;
} {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec("BEGIN EXCLUSIVE; INSERT INTO meta (key, value) VALUES ('lock-holder', 'x') ON CONFLICT(key) DO UPDATE SET value = 'y'");
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['-e', script, database], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited ${code} before locking`)));
  });
  const release = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.stdin.write('go\n');
    });
  return { locked, release, child };
}
