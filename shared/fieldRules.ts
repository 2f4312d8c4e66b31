import { BODY_MAX_BYTES } from './constants';

// The rules of the field schemas (shared/fieldSchemas.ts) that are code rather than a length, a pattern
// or a range: zod calls them as refinements and transforms, and the checks generated from those schemas
// (scripts/inputChecks.ts) call the same functions by name. A module without zod, so such a check runs
// without zod being set up (performance issue 17, target 4c). A refinement of a compiled schema that is
// not exported here stops the generator.

export const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

/** A lone UTF-16 surrogate cannot be stored as UTF-8: SQLite would hand back other text than was accepted. */
export const isWellFormed = (text: string): boolean => !/\p{Surrogate}/u.test(text);

// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
export const hasNoControlCharacters = (text: string): boolean => !/[\u0000-\u0008\u000b-\u001f]/.test(text);

export const hasNoNul = (text: string): boolean => !text.includes('\u0000');

export const fitsBodyLimit = (body: string): boolean => utf8Bytes(body) <= BODY_MAX_BYTES;

/**
 * scratch (a fresh folder per task), dir:<absolute path>, worktree:<absolute path of a git repo>,
 * or repo (a worktree of the board's or lane's repository, docs/architecture.md §9).
 */
export const isWorkspaceSpec = (spec: string): boolean =>
  spec === 'scratch' || spec === 'repo' || /^(dir|worktree):\/./.test(spec);

export const toLowerCase = (text: string): string => text.toLowerCase();
