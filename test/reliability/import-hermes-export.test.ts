import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../shared/domain';
import type { HermesImportReport } from '../../electron/core/import/importHermes';
import { runCli, runCliJson } from '../helpers/cli';
import { useTempHomes } from '../helpers/home';
import { sha256 } from './helpers/faults';
import { writeHermesBoard } from './helpers/hermesFixture';

/**
 * Issue 16: `switchyard import-hermes` also reads Hermes's own board exports — the `hermes kanban
 * export` archive (<slug>.tar.gz: manifest.json, board.json, kanban.db, attachments/) and the
 * dashboard's JSON export.
 */

const tempHome = useTempHomes();

function hermesArchive(home: string, manifest: Record<string, unknown>, slug = 'swe'): string {
  const pack = path.join(home, 'pack');
  const root = path.join(pack, slug);
  fs.mkdirSync(path.join(root, 'attachments', 't_0000000a'), { recursive: true });
  writeHermesBoard(path.join(root, 'kanban.db'));
  fs.writeFileSync(path.join(root, 'manifest.json'), JSON.stringify(manifest));
  fs.writeFileSync(path.join(root, 'board.json'), JSON.stringify({ name: 'Software 🛠' }));
  fs.writeFileSync(path.join(root, 'attachments', 't_0000000a', 'notes.txt'), 'attached');
  const archive = path.join(home, `${slug}.tar.gz`);
  execFileSync('tar', ['-czf', archive, '-C', pack, slug]);
  return archive;
}

const MANIFEST = {
  format: 'hermes-kanban-board',
  format_version: 1,
  board: 'swe',
  board_name: 'Software 🛠',
  exported_at: 1_780_000_000,
  hermes_version: '0.15.1',
  includes: { attachments: true, logs: false },
};

function expectOneLine(
  result: { code: number | null; stdout: string; stderr: string },
  pattern: RegExp,
): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('switchyard import-hermes reads Hermes board exports', () => {
  it('imports a `hermes kanban export` archive into the board it names, once, leaving the archive as it was', async () => {
    const paths = tempHome();
    const archive = hermesArchive(paths.home, MANIFEST);
    const before = sha256(archive);
    const report = await runCliJson<HermesImportReport & { format: string }>(paths.home, [
      'import-hermes',
      archive,
    ]);
    expect(report).toMatchObject({
      format: 'archive',
      source: archive,
      board: 'swe',
      tasks: { seen: 7, imported: 7, alreadyImported: 0 },
      links: 2,
      comments: 3,
      runs: 3,
    });
    const tasks = await runCliJson<Task[]>(paths.home, ['list', '--board', 'swe', '--archived']);
    expect(tasks).toHaveLength(7);
    expect(tasks.some((task) => task.status === 'running')).toBe(false);
    const again = await runCliJson<HermesImportReport>(paths.home, ['import-hermes', archive]);
    expect(again.tasks).toEqual({ seen: 7, imported: 0, alreadyImported: 7 });
    expect(sha256(archive)).toBe(before);
  });

  it('imports the dashboard JSON export (tasks and links)', async () => {
    const paths = tempHome();
    const file = path.join(paths.home, 'board.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        format: 'hermes-kanban-json',
        version: 1,
        exported_at: 1_780_000_000,
        board: { slug: 'ops', name: 'Ops' },
        tasks: [
          {
            id: 't_00000001',
            title: 'Rotate keys 🔑',
            status: 'done',
            assignee: 'ops',
            created_at: 1_780_000_000,
            result: 'rotated',
          },
          {
            id: 't_00000002',
            title: 'Audit access',
            status: 'todo',
            assignee: 'ops',
            created_at: 1_780_000_100,
            priority: 3,
          },
          { id: 't_00000003', title: 'Report', status: 'running', created_at: 1_780_000_200 },
        ],
        links: [{ parent_id: 't_00000001', child_id: 't_00000002' }],
      }),
    );
    const report = await runCliJson<HermesImportReport & { format: string }>(paths.home, [
      'import-hermes',
      file,
      '--ready',
    ]);
    expect(report).toMatchObject({
      format: 'json',
      board: 'ops',
      tasks: { seen: 3, imported: 3 },
      links: 1,
      statuses: { done: 1, todo: 1, ready: 1 },
    });
    const tasks = await runCliJson<Task[]>(paths.home, ['list', '--board', 'ops', '--archived']);
    expect(tasks.map((task) => task.title).sort()).toEqual(['Audit access', 'Report', 'Rotate keys 🔑']);
    expect((await runCliJson<HermesImportReport>(paths.home, ['import-hermes', file])).tasks.imported).toBe(
      0,
    );
  });

  it('refuses in one line an archive of another format, a newer version, a gzip that is not a tar, and other JSON', async () => {
    const paths = tempHome();
    const other = hermesArchive(paths.home, { ...MANIFEST, format: 'something-else' }, 'other');
    expectOneLine(
      await runCli(paths.home, ['import-hermes', other]),
      /is not a Hermes board archive \(manifest format/,
    );
    const newer = hermesArchive(paths.home, { ...MANIFEST, format_version: 2 }, 'newer');
    expectOneLine(
      await runCli(paths.home, ['import-hermes', newer]),
      /archive format 2; this Switchyard reads format 1/,
    );
    const { format_version: _dropped, ...unversioned } = MANIFEST;
    const noVersion = hermesArchive(paths.home, unversioned, 'unversioned');
    expectOneLine(
      await runCli(paths.home, ['import-hermes', noVersion]),
      /unversioned\.tar\.gz: its manifest has no "format_version" number \(this Switchyard reads 1\)$/,
    );
    const noJsonVersion = path.join(paths.home, 'unversioned.json');
    fs.writeFileSync(noJsonVersion, '{"format": "hermes-kanban-json", "tasks": []}');
    expectOneLine(
      await runCli(paths.home, ['import-hermes', noJsonVersion]),
      /unversioned\.json: this Hermes JSON export has no "version" number \(this Switchyard reads 1\)$/,
    );
    const notTar = path.join(paths.home, 'junk.tar.gz');
    fs.writeFileSync(notTar, gzipSync(Buffer.from('hello, not a tar archive at all\n'.repeat(40))));
    expectOneLine(await runCli(paths.home, ['import-hermes', notTar]), /is not a Hermes board archive/);
    const json = path.join(paths.home, 'x.json');
    fs.writeFileSync(json, '{"format": "trello"}');
    expectOneLine(await runCli(paths.home, ['import-hermes', json]), /is not a Hermes board export/);
    const list = await runCliJson<Task[]>(paths.home, ['list', '--archived']);
    expect(list).toEqual([]);
  });
});
