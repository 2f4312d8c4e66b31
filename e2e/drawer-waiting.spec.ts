import { expect, setDispatcherSettings, test, writeAgentProfile } from './support/switchyard';

/**
 * docs/architecture.md §7 drawer: "Waiting because" says when in the drawer's own words. For a
 * task in backoff it showed the core's stored detail as it is, "backoff until
 * 2026-12-05T15:22:17.043Z" (UTC, milliseconds), under a "Next attempt" line in local time.
 */
test('the drawer says until when a task waits in backoff as its other times, not as ISO', async ({
  page,
  home,
  openBoard,
}) => {
  // A failure waits a minute before its next attempt.
  setDispatcherSettings(home, { backoffBaseMs: 60_000, backoffMaxMs: 60_000 });
  writeAgentProfile(home, 'flaky', 'exit1.mjs');
  const app = await openBoard();
  const task = await app.createTask('Flaky build', { assignee: 'flaky' });
  await expect.poll(async () => (await app.task(task.id)).skipReason, { timeout: 15_000 }).toBe('backoff');

  await page.getByTestId(`card-${task.id}`).click();
  const facts = page.getByTestId('drawer').locator('.facts');
  const nextAttempt = facts.locator('.fact', { hasText: 'Next attempt' }).locator('dd');
  const waiting = facts.locator('.fact', { hasText: 'Waiting because' }).locator('dd');
  await expect(nextAttempt).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  await expect(waiting).toHaveText(`backoff until ${await nextAttempt.textContent()}`);
});
