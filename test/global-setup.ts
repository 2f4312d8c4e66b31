import { execFileSync } from 'node:child_process';

/** CLI tests run the bundled `switchyard` as a child process, so build it once before them. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-node.mjs'], { stdio: 'inherit' });
}
