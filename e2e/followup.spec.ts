import { claudeLikeProfile } from '../test/helpers/agents';
import { expect, screenshot, test, writeProfileJson } from './support/switchyard';

/**
 * Issue 13, follow-ups: "Send follow-up…" in the drawer of a done task starts a run that resumes the
 * agent's own session (a fake Claude Code that refuses sessions it does not know), and the drawer's
 * run history shows the follow-up with the session it resumed.
 */
test('a follow-up from the drawer resumes the agent session and shows in the run history', async ({
  page,
  home,
  openBoard,
}) => {
  writeProfileJson(home, 'claude', JSON.stringify(claudeLikeProfile()));
  const app = await openBoard();
  const task = await app.createTask('Fix the login test', { assignee: 'claude' });
  const doneCard = page.getByTestId('cell-claude-done').getByTestId(`card-${task.id}`);
  await expect(doneCard).toBeVisible({ timeout: 20_000 });
  const [first] = (await app.show(task.id)).runs;

  await doneCard.click();
  const drawer = page.getByTestId('drawer');
  await drawer.getByTestId('action-followup').click();
  await drawer.getByTestId('action-text').fill('Also cover the expired-token case');
  await drawer.getByTestId('action-submit').click();

  await expect
    .poll(async () => (await app.show(task.id)).runs.map((run) => run.outcome))
    .toEqual(['completed', 'completed']);
  const second = (await app.show(task.id)).runs[1];
  const session = (first as unknown as { agentSession: string }).agentSession;
  await expect(drawer.getByTestId(`run-followup-${second?.id}`)).toHaveText(
    `↪ follow-up (resumed session ${session.slice(0, 8)}): Also cover the expired-token case`,
  );
  await expect(drawer.getByTestId('drawer-transcript')).toContainText(
    `Resumed ${session}: Also cover the expired-token case`,
  );
  await expect(drawer.getByTestId('drawer-events')).toContainText('followup');
  await drawer.getByTestId('drawer-runs').scrollIntoViewIfNeeded();
  await screenshot(page, 'drawer-followup');
});
