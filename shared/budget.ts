/**
 * docs/architecture.md §10 budgets: a lane's spend "today" is the spend of runs started since local midnight; the
 * budget resets at the next one. One definition for the dispatcher, the lane view and the CLI.
 */
export interface BudgetDay {
  /** Local midnight that began today. */
  start: number;
  /** The next local midnight: when a spent budget is free again. */
  resetAt: number;
}

export function budgetDay(now: number): BudgetDay {
  const start = new Date(now);
  start.setHours(0, 0, 0, 0);
  const next = new Date(start);
  next.setDate(next.getDate() + 1);
  return { start: start.getTime(), resetAt: next.getTime() };
}

/** Local midnight six days before today's: "the last 7 days", today included. */
export function sevenDaysStart(now: number): number {
  const start = new Date(budgetDay(now).start);
  start.setDate(start.getDate() - 6);
  return start.getTime();
}

/** Dollars as people read them; small amounts (a single run) keep four decimals. */
export const formatUsd = (amount: number): string =>
  `$${amount !== 0 && Math.abs(amount) < 1 ? amount.toFixed(4) : amount.toFixed(2)}`;
