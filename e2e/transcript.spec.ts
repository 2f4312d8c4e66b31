import fs from 'node:fs';
import path from 'node:path';
import { AGENTS, REPO_ROOT, expect, screenshot, test } from './support/switchyard';

/**
 * docs/architecture.md §10: a structured run (a fake agent replaying a recorded Claude Code stream-json session, with
 * a garbage line in the middle) is shown in the drawer as a transcript with its tokens and cost.
 */
test('the drawer shows a structured run as a transcript with tokens and cost', async ({
  page,
  home,
  openBoard,
}) => {
  const fixture = path.join(REPO_ROOT, 'test', 'fixtures', 'transcripts', 'claude-stream.jsonl');
  fs.mkdirSync(path.join(home, 'profiles', 'claude'), { recursive: true });
  fs.writeFileSync(
    path.join(home, 'profiles', 'claude', 'profile.json'),
    JSON.stringify({
      command: [process.execPath, path.join(AGENTS, 'replay.mjs'), fixture, '--garbage-at', '4'],
      output: 'claude-stream-json',
    }),
  );
  const app = await openBoard();
  const task = await app.createTask('Fix the login test', { assignee: 'claude' });
  await expect(page.getByTestId(`cell-claude-done`).getByTestId(`card-${task.id}`)).toBeVisible({
    timeout: 20_000,
  });

  await page.getByTestId(`card-${task.id}`).click();
  const transcript = page.getByTestId('drawer').getByTestId('drawer-transcript');
  await expect(transcript).toBeVisible();
  await expect(transcript).toContainText("I'll look at the failing test first.");
  await expect(transcript).toContainText('Fixed the off-by-one in token expiry; the login tests pass now.');
  await expect(transcript.locator('[data-kind="tool_call"]')).toHaveText([/▸ Bash/, /▸ Edit/]);
  await expect(transcript.locator('[data-kind="tool_result"]').first()).toContainText('◂ Bash');
  await expect(transcript.locator('[data-kind="raw"]')).toHaveText([
    '{"type":"assistant","message":{"content":[{"type":"te',
    'Segmentation fault (not JSON at all)',
  ]);
  // The fixture's result event: 42 + 5,210 + 17,350 tokens in, 436 out, $0.0412735.
  const [run] = (await app.show(task.id)).runs;
  await expect(transcript.getByTestId(`run-usage-${run?.id}`)).toHaveText(
    /tokens in 22,602 · out 436 · cost \$0\.0412735 · session 8f2c1a9e-4b7d-4e0a-9c31-2d5e6f7a8b90/,
  );
  await transcript.locator('[data-kind="tool_call"] summary').first().click();
  await expect(transcript.locator('[data-kind="tool_call"] pre').first()).toContainText('npm test -- login');
  await transcript.scrollIntoViewIfNeeded();
  await screenshot(page, 'drawer-transcript');
});
