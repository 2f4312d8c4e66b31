/** Prints one soak scenario's figures as an indented block (they are what `npm run soak` is for). */
export function printFigures(title: string, figures: Record<string, unknown>): void {
  const lines = Object.entries(figures).map(
    ([key, value]) => `  ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
  process.stdout.write(`\n[soak] ${title}\n${lines.join('\n')}\n`);
}
