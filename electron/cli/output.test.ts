import { describe, expect, it } from 'vitest';
import { jsonArrayElement } from '../../shared/jsonArrayElement';
import { printJson, printJsonArray, type Output } from './output';

/** What reaches standard output, as the CLI's entry point writes it (out adds a newline, write does not). */
function capture(): { output: Output; pieces: string[]; text(): string } {
  const pieces: string[] = [];
  const output: Output = {
    out: (text) => pieces.push(`${text}\n`),
    err: () => undefined,
    write: (text) => pieces.push(text),
  };
  return { output, pieces, text: () => pieces.join('') };
}

describe('printJsonArray', () => {
  const shapes: [string, unknown[]][] = [
    ['no items', []],
    ['one flat object', [{ id: 't_1', title: 'one', priority: 3, done: false, at: null }]],
    [
      'strings with line breaks, quotes and non-ASCII',
      [{ body: 'line 1\nline 2\r\n\t"quoted" \\ — ü 😀' }, { body: '' }],
    ],
    ['nested arrays and objects', [{ a: [1, [2, { b: [] }]], c: {} }, [], 'text', 7, null]],
  ];
  it.each(shapes)('writes exactly what printJson writes: %s', (_name, items) => {
    const whole = capture();
    printJson(whole.output, items);
    const pieces = capture();
    printJsonArray(pieces.output, items.map(jsonArrayElement));
    expect(pieces.text()).toBe(whole.text());
  });

  it('writes a long list in pieces as the items come, not as one text at the end', () => {
    const total = 2_000;
    let produced = 0;
    const producedAtWrite: number[] = [];
    const out = capture();
    const counting: Output = {
      ...out.output,
      write: (text) => {
        producedAtWrite.push(produced);
        out.pieces.push(text);
      },
    };
    function* tasks(): Generator<string> {
      for (; produced < total;) {
        produced += 1;
        yield jsonArrayElement({ id: `t_${produced}`, body: 'x'.repeat(200) });
      }
    }
    printJsonArray(counting, tasks());
    // 2,000 items of ~240 characters: several pieces, the first written long before the last item.
    expect(out.pieces.length).toBeGreaterThan(4);
    expect(producedAtWrite[0]).toBeLessThan(total / 2);
    expect(Math.max(...out.pieces.map((piece) => piece.length))).toBeLessThan(80 * 1024);
    const parsed = JSON.parse(out.text()) as { id: string }[];
    expect(parsed).toHaveLength(total);
    expect(parsed[total - 1]?.id).toBe(`t_${total}`);
  });
});
