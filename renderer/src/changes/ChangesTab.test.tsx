// @vitest-environment happy-dom
import { act } from 'react';
import { describe, expect, it } from 'vitest';
import { cardOf } from '../../../shared/domain';
import type { FileChange, TaskChanges } from '../../../shared/repository';
import { FakeBoardApi } from '../test/fakeBoardApi';
import { makeChangeSummary, makeTask, makeTaskWorktree } from '../test/fixtures';
import { renderInBoard } from '../test/renderInBoard';
import { ChangesTab } from './ChangesTab';

/**
 * A large diff (over 3,000 changed lines) is listed from the core's file list and each file's
 * part of the patch is parsed when it is opened: the right file's lines, renamed and deleted
 * files included.
 */

function addedFile(file: string, lines: number): string {
  const body = Array.from({ length: lines }, (_, n) => `+${file} line ${n}`).join('\n');
  return `diff --git a/${file} b/${file}\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/${file}\n@@ -0,0 +1,${lines} @@\n${body}\n`;
}

const deletedFile = (file: string): string =>
  `diff --git a/${file} b/${file}\ndeleted file mode 100644\nindex 2222222..0000000\n--- a/${file}\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-gone one\n-gone two\n`;

const renamedFile = (from: string, to: string): string =>
  `diff --git a/${from} b/${to}\nsimilarity index 90%\nrename from ${from}\nrename to ${to}\nindex 3333333..4444444 100644\n--- a/${from}\n+++ b/${to}\n@@ -1,2 +1,2 @@\n kept\n-old name line\n+new name line\n`;

function changesOf(task: ReturnType<typeof makeTask>, files: FileChange[], patch: string): TaskChanges {
  const lines = files.reduce((sum, file) => sum + (file.additions ?? 0) + (file.deletions ?? 0), 0);
  return {
    worktree: makeTaskWorktree(task.id),
    summary: makeChangeSummary({ files: files.length, additions: lines, deletions: 0 }),
    files,
    patch,
    truncated: false,
  };
}

async function renderTab(task: ReturnType<typeof makeTask>, answer: TaskChanges): Promise<HTMLElement> {
  return renderInBoard(
    new FakeBoardApi().on('taskChanges', () => answer),
    <ChangesTab task={cardOf(task)} />,
  );
}

const headsOf = (element: HTMLElement): string[] =>
  [...element.querySelectorAll('.file-diff-head')].map((head) => head.textContent ?? '');

describe('the Changes tab on a small diff', () => {
  it("names each file as the core's file list does: a new binary file and a new empty file are added, not modified", async () => {
    const task = makeTask({ status: 'done', workspace: 'repo' });
    // What `git diff` prints for them: no ---/+++ lines, so a diff parser alone calls both "modify".
    const patch =
      'diff --git a/big.bin b/big.bin\nnew file mode 100644\nindex 0000000..ad3608f\nBinary files /dev/null and b/big.bin differ\n' +
      'diff --git a/empty.txt b/empty.txt\nnew file mode 100644\nindex 0000000..e69de29\n' +
      addedFile('small.txt', 1);
    const files: FileChange[] = [
      { path: 'big.bin', oldPath: null, status: 'added', additions: null, deletions: null, binary: true },
      { path: 'empty.txt', oldPath: null, status: 'added', additions: 0, deletions: 0, binary: false },
      { path: 'small.txt', oldPath: null, status: 'added', additions: 1, deletions: 0, binary: false },
    ];
    const tab = await renderTab(task, changesOf(task, files, patch));
    expect(headsOf(tab)).toEqual([
      '▾ big.bin (added, binary)',
      '▾ empty.txt (added, 0 changed lines)',
      '▾ small.txt (added, 1 changed line)',
    ]);
    expect(tab.textContent).toContain('Binary file: not shown.');
    expect(tab.textContent).toContain('small.txt line 0');
  });
});

describe('the Changes tab on a large diff', () => {
  it('lists every file collapsed and shows the right lines of the one opened', async () => {
    const task = makeTask({ status: 'done', workspace: 'repo' });
    const patch =
      addedFile('src/a.ts', 1600) +
      deletedFile('old/gone.txt') +
      renamedFile('docs/old name.md', 'docs/new.md') +
      addedFile('src/b.ts', 1600);
    const files: FileChange[] = [
      { path: 'src/a.ts', oldPath: null, status: 'added', additions: 1600, deletions: 0, binary: false },
      { path: 'old/gone.txt', oldPath: null, status: 'deleted', additions: 0, deletions: 2, binary: false },
      {
        path: 'docs/new.md',
        oldPath: 'docs/old name.md',
        status: 'renamed',
        additions: 1,
        deletions: 1,
        binary: false,
      },
      { path: 'src/b.ts', oldPath: null, status: 'added', additions: 1600, deletions: 0, binary: false },
    ];
    const tab = await renderTab(task, changesOf(task, files, patch));
    const heads = () => [...tab.querySelectorAll('.file-diff-head')];
    expect(headsOf(tab)).toEqual([
      '▸ src/a.ts (added, 1600 changed lines)',
      '▸ old/gone.txt (deleted, 2 changed lines)',
      '▸ docs/old name.md → docs/new.md (renamed, 2 changed lines)',
      '▸ src/b.ts (added, 1600 changed lines)',
    ]);
    expect(tab.querySelector('.diff')).toBeNull();

    const open = async (index: number) => {
      await act(async () => {
        heads()[index]?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      });
      return tab.textContent ?? '';
    };
    let text = await open(3);
    expect(text).toContain('src/b.ts line 1599');
    expect(text).not.toContain('src/a.ts line 0');
    text = await open(2);
    expect(text).toContain('new name line');
    text = await open(1);
    expect(text).toContain('gone two');
  });
});
