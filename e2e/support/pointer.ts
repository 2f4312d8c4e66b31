import type { Locator, Page } from '@playwright/test';

/** A real pointer drag: press, pass dnd-kit's 5 px activation distance, glide, release. */
export async function drag(
  page: Page,
  card: Locator,
  target: Locator,
  options: { beforeDrop?: () => Promise<void> } = {},
) {
  const from = await card.boundingBox();
  const to = await target.boundingBox();
  if (!from || !to) throw new Error('card or target is not on screen');
  const startX = from.x + from.width / 2;
  const startY = from.y + Math.min(from.height / 2, 20);
  await page.mouse.move(startX, startY);
  await page.mouse.down();
  await page.mouse.move(startX + 8, startY + 8);
  await page.mouse.move(to.x + to.width / 2, to.y + Math.min(to.height / 2, 40), { steps: 10 });
  await options.beforeDrop?.();
  await page.mouse.up();
}
