import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli';
import { useTempHomes } from './helpers/home';

/**
 * `export --out` renamed its JSON over whatever file it was given, and `backup --out` refused only
 * the database's exact spelling: `export --out ~/.switchyard/switchyard.db` turned the board into a
 * JSON file ("is damaged or is not a Switchyard database"), and a backup over the database's
 * write-ahead log replaced it. Such a target is now refused in one line, and nothing is written.
 */

const newHome = useTempHomes();
const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function homeWithOneTask(): Promise<ReturnType<typeof newHome>> {
  const paths = newHome();
  const created = await runCli(paths.home, ['create', 'keep me', '--assignee', 'desk']);
  expect(created.code, created.stderr).toBe(0);
  return paths;
}

async function boardIsIntact(home: string): Promise<void> {
  const listed = await runCli(home, ['list', '--json']);
  expect(listed.code, listed.stderr).toBe(0);
  expect((JSON.parse(listed.stdout) as { title: string }[]).map((task) => task.title)).toEqual(['keep me']);
}

describe('--out never writes over the home it reads', () => {
  it('refuses the database, its write-ahead log, the settings and a profile folder, however spelled', async () => {
    const paths = await homeWithOneTask();
    const link = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-out-link-'));
    scratch.push(link);
    fs.symlinkSync(paths.home, path.join(link, 'home'));
    fs.mkdirSync(paths.profiles, { recursive: true });
    const cases: [string[], string][] = [
      [['export', '--out', paths.database], 'is the board database'],
      [['export', '--out', path.join(link, 'home', 'switchyard.db')], 'is the board database'],
      [['backup', '--out', `${paths.database}-wal`], "is the board database's write-ahead log"],
      [['export', '--out', paths.settingsFile], 'is settings.json'],
      [['backup', '--out', path.join(paths.profiles, 'coder', 'copy.db')], 'in the profiles folder'],
    ];
    for (const [args, words] of cases) {
      const before = fs.existsSync(args[2] as string) ? fs.readFileSync(args[2] as string) : null;
      const result = await runCli(paths.home, args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr, args.join(' ')).toContain(words);
      expect(result.stderr, args.join(' ')).toContain('nothing was written');
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      const after = fs.existsSync(args[2] as string) ? fs.readFileSync(args[2] as string) : null;
      if (before === null) expect(after, args.join(' ')).toBeNull();
      await boardIsIntact(paths.home);
    }
  });

  it('refuses a hard link to the database', async () => {
    const paths = await homeWithOneTask();
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-out-hard-'));
    scratch.push(elsewhere);
    const hardLink = path.join(elsewhere, 'board.db');
    fs.linkSync(paths.database, hardLink);
    const result = await runCli(paths.home, ['export', '--out', hardLink]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('is the board database');
    await boardIsIntact(paths.home);
  });

  it('still writes anywhere else, including the backups folder', async () => {
    const paths = await homeWithOneTask();
    const exported = await runCli(paths.home, [
      'export',
      '--out',
      path.join(paths.home, 'exports', 'all.json'),
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    const backedUp = await runCli(paths.home, ['backup']);
    expect(backedUp.code, backedUp.stderr).toBe(0);
    expect(fs.readdirSync(paths.backups)).toHaveLength(1);
    await boardIsIntact(paths.home);
  });
});
