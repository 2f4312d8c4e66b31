import { z } from 'zod';

/**
 * A CLI process parses its command's input once, so zod runs its interpreted parsers there (`jitless`,
 * zod's own option: the same schemas and checks). By default the first parse of each object schema
 * writes a parser's source and compiles it with `new Function`, which no code cache holds: work that
 * pays off over many parses in a long-lived process, not over one (performance issue 17, target 4c).
 * zod reads the option when a schema is built: call this before the modules holding the schemas load.
 * A module of its own, imported when needed: `list` starts without zod.
 */
export function parseWithoutCompiling(): void {
  z.config({ jitless: true });
}
