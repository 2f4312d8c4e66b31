import fs from 'node:fs';
import path from 'node:path';
import { expect, screenshot, test, writeProfileJson } from './support/switchyard';

/**
 * Issue 13, profiles in the app: from the Lanes view a profile is created from a template, edited with
 * the loader's own checks as you type (one message per field), saved to the same profile.json as by
 * hand, refused when the file changed on disk meanwhile (the text kept), duplicated and deleted.
 */
test('profiles: create from a template, edit with validation as you type, duplicate, delete', async ({
  page,
  home,
  openBoard,
}) => {
  writeProfileJson(home, 'existing', JSON.stringify({ command: [process.execPath, '-e', '0'] }));
  await openBoard();
  await page.getByTestId('view-lanes').click();
  await page.getByTestId('new-profile').click();

  const dialog = page.getByTestId('new-profile-dialog');
  await dialog.getByTestId('new-profile-name').fill('Bad Name!');
  await expect(dialog.locator('.form-error')).toContainText('name must be 1–64 characters');
  await dialog.getByTestId('new-profile-name').fill('Reviewer');
  await dialog.getByTestId('new-profile-template-claude').check();
  await dialog.getByTestId('new-profile-create').click();

  const editor = page.getByTestId('profile-editor');
  await expect(editor).toBeVisible();
  const file = path.join(home, 'profiles', 'reviewer', 'profile.json');
  const onDisk = () => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  expect(onDisk()).toMatchObject({
    command: expect.arrayContaining(['claude', '-p']),
    output: 'claude-stream-json',
  });
  const text = editor.getByTestId('profile-text');
  await expect(text).toHaveValue(fs.readFileSync(file, 'utf8'));

  // Two wrong fields at once: one message each, and Save is off.
  const profile = onDisk();
  await text.fill(JSON.stringify({ ...profile, maxConcurrent: 0, output: 'xml' }, null, 2));
  await expect(editor.getByTestId('profile-problem-maxConcurrent')).toHaveText(
    'maxConcurrent must be a whole number, at least 1',
  );
  await expect(editor.getByTestId('profile-problem-output')).toHaveText(
    'output must be one of "text", "claude-stream-json", "codex-json"',
  );
  await expect(editor.getByTestId('profile-save')).toBeDisabled();
  await screenshot(page, 'profile-editor-problems');
  await text.fill(`${JSON.stringify({ ...profile, maxConcurrent: 3 }, null, 2).slice(0, -1)}`);
  await expect(editor.getByTestId('profile-problem-file')).toContainText('invalid JSON');

  // Fixed: saved to the file the loader reads, and the lane view shows it.
  await text.fill(JSON.stringify({ ...profile, maxConcurrent: 3, description: 'Reviews PRs' }, null, 2));
  await expect(editor.getByTestId('profile-valid')).toContainText('3 at a time');
  await editor.getByTestId('profile-save').click();
  await expect(editor.getByTestId('profile-valid')).toContainText('Saved.');
  expect(onDisk()).toMatchObject({ maxConcurrent: 3, description: 'Reviews PRs' });
  // `claude` is not installed here: the lane says so, from the saved file.
  await expect(page.getByTestId('lane-status-reviewer').getByTestId('lane-problem')).toHaveText(
    '`claude` not found on PATH',
  );

  // Someone changes the file on disk: the next save is refused, nothing written, the text kept.
  fs.writeFileSync(file, JSON.stringify({ ...onDisk(), maxConcurrent: 5 }, null, 2));
  await text.fill(JSON.stringify({ ...profile, maxConcurrent: 2, description: 'Mine' }, null, 2));
  await editor.getByTestId('profile-save').click();
  await expect(editor.getByTestId('profile-error')).toContainText('changed on disk since you opened it');
  expect(onDisk()).toMatchObject({ maxConcurrent: 5 });
  await expect(text).toHaveValue(/"Mine"/);
  await screenshot(page, 'profile-editor-conflict');

  // Duplicate: a new lane with the same command, opened in the editor.
  await editor.getByTestId('profile-duplicate').click();
  await editor.getByTestId('profile-copy-name').fill('reviewer-2');
  await editor.getByTestId('profile-copy-create').click();
  await expect(page.getByRole('dialog', { name: 'Profile reviewer-2' })).toBeVisible();
  const copied = JSON.parse(
    fs.readFileSync(path.join(home, 'profiles', 'reviewer-2', 'profile.json'), 'utf8'),
  );
  expect(copied).toMatchObject({ maxConcurrent: 5, output: 'claude-stream-json' });
  await expect(page.getByTestId('lane-status-reviewer-2')).toBeVisible();

  // Delete: the folder goes to profiles/.trash, the lane row goes away.
  await page.getByTestId('profile-delete').click();
  await page.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('profile-editor')).toHaveCount(0);
  expect(fs.existsSync(path.join(home, 'profiles', 'reviewer-2'))).toBe(false);
  expect(
    fs.readdirSync(path.join(home, 'profiles', '.trash')).some((name) => name.startsWith('reviewer-2.')),
  ).toBe(true);
  await expect(page.getByTestId('lane-status-reviewer-2')).toHaveCount(0);
  await screenshot(page, 'lane-view-profiles');

  // A profile folder without profile.json (a broken lane): the editor starts one and saves it new.
  const emptyFile = path.join(home, 'profiles', 'existing', 'profile.json');
  fs.rmSync(emptyFile);
  await expect(page.getByTestId('lane-status-existing').getByTestId('lane-problem')).toHaveText(
    'profile.json: not found',
  );
  await page.getByTestId('edit-profile-existing').click();
  await expect(editor.getByTestId('profile-text')).toHaveValue(/"command"/);
  await expect(editor.getByTestId('profile-delete')).toBeDisabled();
  await editor.getByTestId('profile-text').fill(JSON.stringify({ command: [process.execPath, '-e', '0'] }));
  await editor.getByTestId('profile-save').click();
  await expect(editor.getByTestId('profile-valid')).toContainText('Saved.');
  expect(JSON.parse(fs.readFileSync(emptyFile, 'utf8'))).toEqual({ command: [process.execPath, '-e', '0'] });
  await expect(page.getByTestId('lane-status-existing').locator('.kind-badge')).toHaveText('profile');
});
