import { describe, expect, it } from 'vitest';
import { jsonArrayElement, type JsonLayout } from '../../shared/jsonArrayElement';
import { jsonText, printJson, printJsonArray, type Output } from './output';

/** What reaches standard output, as the CLI's entry point writes it (out adds a newline, write does not). */
function capture(layout: JsonLayout = 'pretty'): { output: Output; pieces: string[]; text(): string } {
  const pieces: string[] = [];
  const output: Output = {
    out: (text) => pieces.push(`${text}\n`),
    err: () => undefined,
    write: (text) => pieces.push(text),
    jsonLayout: () => layout,
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
  const layouts: JsonLayout[] = ['pretty', 'lines'];
  it.each(layouts.flatMap((layout) => shapes.map(([name, items]) => [layout, name, items] as const)))(
    'writes exactly what printJson writes (%s): %s',
    (layout, _name, items) => {
      const whole = capture(layout);
      printJson(whole.output, items);
      const pieces = capture(layout);
      printJsonArray(
        pieces.output,
        items.map((item) => jsonArrayElement(item, layout)),
      );
      expect(pieces.text()).toBe(whole.text());
    },
  );

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
        yield jsonArrayElement({ id: `t_${produced}`, body: 'x'.repeat(200) }, 'pretty');
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

describe('jsonText', () => {
  const value = [
    { id: 't_1', body: 'two\nlines', tags: ['a', 'b'], at: null },
    [],
    'text',
    7,
    null,
    undefined,
  ];

  it('indents as JSON.stringify(value, null, 2) does for a terminal', () => {
    expect(jsonText(value, 'pretty')).toBe(JSON.stringify(value, null, 2));
    expect(jsonText({ a: [1] }, 'pretty')).toBe(JSON.stringify({ a: [1] }, null, 2));
  });

  it('writes an array one compact element a line for a program, the same JSON value', () => {
    const text = jsonText(value, 'lines');
    expect(text.split('\n')).toEqual([
      '[',
      '{"id":"t_1","body":"two\\nlines","tags":["a","b"],"at":null},',
      '[],',
      '"text",',
      '7,',
      'null,',
      'null',
      ']',
    ]);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
    expect(jsonText([], 'lines')).toBe('[]');
    // Holes are null, as JSON.stringify writes them.
    // eslint-disable-next-line no-sparse-arrays
    expect(jsonText([1, , 3], 'lines')).toBe('[\n1,\nnull,\n3\n]');
  });

  it('writes anything else compact on one line for a program', () => {
    const task = { id: 't_1', nested: { a: [1, { b: 'c' }] } };
    expect(jsonText(task, 'lines')).toBe(JSON.stringify(task));
    expect(jsonText('text', 'lines')).toBe('"text"');
  });
});
