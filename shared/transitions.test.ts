import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TASK_STATUSES, type TaskStatus } from './domain';
import { checkLink, checkMove, initialStatus, shouldPromote, statusAfterLink } from './transitions';

/**
 * The expected manual moves, written out independently of the implementation's table (docs/architecture.md §2):
 * nothing moves into running, nothing "moves" to where it already is, and the rest as listed.
 */
const EXPECTED_TARGETS: Record<TaskStatus, readonly TaskStatus[]> = {
  triage: ['todo', 'ready', 'blocked', 'done', 'archived'],
  todo: ['triage', 'ready', 'blocked', 'done', 'archived'],
  ready: ['triage', 'todo', 'blocked', 'done', 'archived'],
  running: ['triage', 'todo', 'ready', 'blocked', 'done', 'archived'],
  blocked: ['triage', 'todo', 'ready', 'done', 'archived'],
  done: ['triage', 'todo', 'ready', 'archived'],
  archived: ['triage', 'todo', 'ready'],
};

const ALL_PAIRS = TASK_STATUSES.flatMap((from) => TASK_STATUSES.map((to) => [from, to] as const));

describe('checkMove: all 7×7 manual moves', () => {
  it('covers every pair', () => {
    expect(ALL_PAIRS).toHaveLength(49);
  });

  describe.each(ALL_PAIRS)('%s → %s', (from, to) => {
    const expectedAllowed = EXPECTED_TARGETS[from].includes(to);

    it(`is ${expectedAllowed ? 'allowed' : 'refused'} when the parents are done`, () => {
      const verdict = checkMove(from, to, { parentsDone: true });
      if (expectedAllowed) {
        expect(verdict).toEqual({ allowed: true, stopsWorker: from === 'running' });
      } else {
        expect(verdict.allowed).toBe(false);
        if (!verdict.allowed) expect(verdict.reason).toMatch(/\S/);
      }
    });

    it(`is ${expectedAllowed && to !== 'ready' ? 'allowed' : 'refused'} with unfinished parents`, () => {
      const verdict = checkMove(from, to, { parentsDone: false });
      if (expectedAllowed && to !== 'ready') {
        expect(verdict).toEqual({ allowed: true, stopsWorker: from === 'running' });
      } else {
        expect(verdict.allowed).toBe(false);
      }
    });
  });

  it('never lets anyone move a task into running, with a reason that names the claim', () => {
    for (const from of TASK_STATUSES) {
      for (const parentsDone of [true, false]) {
        const verdict = checkMove(from, 'running', { parentsDone });
        expect(verdict.allowed).toBe(false);
        if (!verdict.allowed && from !== 'running') expect(verdict.reason).toMatch(/claim/);
      }
    }
  });

  it('refuses a move to the same status, saying so', () => {
    for (const status of TASK_STATUSES) {
      const verdict = checkMove(status, status, { parentsDone: true });
      expect(verdict).toEqual({ allowed: false, reason: `the task is already ${status}` });
    }
  });

  it('refuses ready while parents are unfinished, and explains why', () => {
    const verdict = checkMove('todo', 'ready', { parentsDone: false });
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.reason).toMatch(/parents/);
  });

  it('reports stopsWorker for every move out of running and for no other move', () => {
    for (const [from, to] of ALL_PAIRS) {
      const verdict = checkMove(from, to, { parentsDone: true });
      if (verdict.allowed) expect(verdict.stopsWorker).toBe(from === 'running');
    }
    const outOfRunning = TASK_STATUSES.filter(
      (to) => checkMove('running', to, { parentsDone: true }).allowed,
    );
    expect(outOfRunning).toEqual(['triage', 'todo', 'ready', 'blocked', 'done', 'archived']);
  });
});

describe('initialStatus', () => {
  it('starts a task in ready by default, or todo while a parent is unfinished', () => {
    expect(initialStatus(undefined, { parentsDone: true })).toBe('ready');
    expect(initialStatus(undefined, { parentsDone: false })).toBe('todo');
  });

  it('holds a requested ready (or todo) task in todo while a parent is unfinished', () => {
    expect(initialStatus('ready', { parentsDone: false })).toBe('todo');
    expect(initialStatus('todo', { parentsDone: false })).toBe('todo');
    expect(initialStatus('ready', { parentsDone: true })).toBe('ready');
    expect(initialStatus('todo', { parentsDone: true })).toBe('todo');
  });

  it('keeps any other requested status', () => {
    for (const status of ['triage', 'blocked', 'done', 'archived'] as const) {
      expect(initialStatus(status, { parentsDone: true })).toBe(status);
      expect(initialStatus(status, { parentsDone: false })).toBe(status);
    }
  });

  it('refuses to create a running task', () => {
    expect(() => initialStatus('running', { parentsDone: true })).toThrow(/claimed/);
  });
});

describe('shouldPromote', () => {
  it('promotes a todo task once all of its parents are done', () => {
    expect(shouldPromote('todo', ['done'])).toBe(true);
    expect(shouldPromote('todo', ['done', 'done', 'done'])).toBe(true);
  });

  it('waits while any parent is unfinished', () => {
    for (const other of TASK_STATUSES.filter((s) => s !== 'done')) {
      expect(shouldPromote('todo', ['done', other])).toBe(false);
      expect(shouldPromote('todo', [other])).toBe(false);
    }
  });

  it('leaves a todo task without parents where someone parked it', () => {
    expect(shouldPromote('todo', [])).toBe(false);
  });

  it('only ever promotes todo tasks', () => {
    for (const status of TASK_STATUSES.filter((s) => s !== 'todo')) {
      expect(shouldPromote(status, ['done'])).toBe(false);
    }
  });
});

describe('statusAfterLink', () => {
  it('sends a ready child back to todo when its new parent is unfinished', () => {
    for (const parent of TASK_STATUSES.filter((s) => s !== 'done')) {
      expect(statusAfterLink('ready', parent)).toBe('todo');
    }
  });

  it('keeps a ready child ready under a done parent', () => {
    expect(statusAfterLink('ready', 'done')).toBe('ready');
  });

  it('never changes a child that is not ready', () => {
    for (const child of TASK_STATUSES.filter((s) => s !== 'ready')) {
      for (const parent of TASK_STATUSES) expect(statusAfterLink(child, parent)).toBe(child);
    }
  });
});

/** A tiny in-memory edge set for checkLink, counting how often it is walked. */
function graph(edges: readonly (readonly [string, string])[] = []) {
  const children = new Map<string, string[]>();
  let visits = 0;
  const add = (parent: string, child: string) =>
    children.set(parent, [...(children.get(parent) ?? []), child]);
  for (const [parent, child] of edges) add(parent, child);
  return {
    add,
    childrenOf: (id: string) => {
      visits++;
      return children.get(id) ?? [];
    },
    visits: () => visits,
  };
}

describe('checkLink', () => {
  it('refuses a self-link', () => {
    expect(checkLink('a', 'a', graph().childrenOf)).toEqual({
      allowed: false,
      reason: 'a task cannot depend on itself',
    });
  });

  it('allows a first link', () => {
    expect(checkLink('a', 'b', graph().childrenOf)).toEqual({ allowed: true });
  });

  it('refuses a direct cycle', () => {
    const verdict = checkLink('b', 'a', graph([['a', 'b']]).childrenOf);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.reason).toMatch(/cycle/);
  });

  it('refuses closing a long chain into a cycle', () => {
    const chain = Array.from({ length: 200 }, (_, i) => `n${i}`);
    const g = graph(chain.slice(1).map((id, i) => [chain[i] as string, id] as const));
    expect(checkLink('n199', 'n0', g.childrenOf).allowed).toBe(false);
    expect(checkLink('n150', 'n20', g.childrenOf).allowed).toBe(false);
    // Forward shortcuts along the chain are fine: they add no cycle.
    expect(checkLink('n0', 'n199', g.childrenOf)).toEqual({ allowed: true });
  });

  it('allows diamonds and refuses closing one', () => {
    const g = graph([
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'd'],
    ]);
    expect(checkLink('c', 'd', g.childrenOf)).toEqual({ allowed: true });
    g.add('c', 'd');
    expect(checkLink('a', 'd', g.childrenOf)).toEqual({ allowed: true });
    expect(checkLink('d', 'a', g.childrenOf).allowed).toBe(false);
    expect(checkLink('d', 'b', g.childrenOf).allowed).toBe(false);
  });

  it('visits each task once, even in a graph of stacked diamonds', () => {
    // 30 layers of diamonds: 2^30 paths, 61 tasks. A walk without a visited set would never end.
    const edges: [string, string][] = [];
    for (let layer = 0; layer < 30; layer++) {
      edges.push([`top${layer}`, `l${layer}`], [`top${layer}`, `r${layer}`]);
      edges.push([`l${layer}`, `top${layer + 1}`], [`r${layer}`, `top${layer + 1}`]);
    }
    const g = graph(edges);
    expect(checkLink('outside', 'top0', g.childrenOf)).toEqual({ allowed: true });
    expect(g.visits()).toBeLessThanOrEqual(91);
  });

  it('keeps any graph built through it acyclic (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 11 })), {
          maxLength: 60,
        }),
        (candidates) => {
          const g = graph();
          const accepted: [string, string][] = [];
          for (const [p, c] of candidates) {
            const parent = `t${p}`;
            const child = `t${c}`;
            if (checkLink(parent, child, g.childrenOf).allowed) {
              g.add(parent, child);
              accepted.push([parent, child]);
            }
          }
          // Kahn's algorithm: the accepted edges must admit a topological order.
          const indegree = new Map<string, number>();
          for (let i = 0; i < 12; i++) indegree.set(`t${i}`, 0);
          for (const [, child] of accepted) indegree.set(child, (indegree.get(child) ?? 0) + 1);
          const queue = [...indegree].filter(([, n]) => n === 0).map(([id]) => id);
          let ordered = 0;
          while (queue.length > 0) {
            const id = queue.pop() as string;
            ordered++;
            for (const [parent, child] of accepted) {
              if (parent !== id) continue;
              const left = (indegree.get(child) ?? 0) - 1;
              indegree.set(child, left);
              if (left === 0) queue.push(child);
            }
          }
          return ordered === 12;
        },
      ),
    );
  });
});
