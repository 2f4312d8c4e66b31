import path from 'node:path';
import prettier from 'prettier';
import { z } from 'zod';
import * as fieldRules from '../shared/fieldRules';
import { createTaskInputSchema } from '../shared/taskInput';

/**
 * Writes a zod schema of shared/ as a plain function: what zod's parse of it returns, or `undefined` where
 * zod refuses the input (the caller then lets zod say why). `switchyard create` checks its input so
 * without zod being set up or a schema being built, ~15 ms of every create (performance issue 17,
 * target 4c), and the schema stays the one definition of the rules: the function is generated from the
 * schema's definition (`npm run generate:checks`), test/input-checks.test.ts fails while the checked-in
 * file differs from what this writes, and feeds the same hostile inputs to both. A refinement or a
 * transform is called, not copied: it must be exported by shared/fieldRules.ts. Whatever zod feature a
 * compiled schema uses that this does not know stops the generator; nothing is guessed.
 */

interface CompiledCheck {
  /** Where the generated module goes, from the repository's root. */
  file: string;
  schema: z.ZodType;
  /** The schema's export and module, for the generated function's type. */
  schemaName: string;
  schemaModule: string;
  functionName: string;
}

export const COMPILED_CHECKS: CompiledCheck[] = [
  {
    file: 'shared/createTaskInputCheck.generated.ts',
    schema: createTaskInputSchema,
    schemaName: 'createTaskInputSchema',
    schemaModule: './taskInput',
    functionName: 'checkCreateTaskInput',
  },
];

/** What the generator reads of zod's own objects (zod/v4/core: `_zod.def` and what a parse consults). */
interface ZodNode {
  _zod: {
    def: {
      type: string;
      checks?: ZodCheck[];
      shape?: Record<string, ZodNode>;
      catchall?: ZodNode;
      innerType?: ZodNode;
      in?: ZodNode;
      out?: ZodNode;
      element?: ZodNode;
      transform?: (value: unknown) => unknown;
      defaultValue?: unknown;
      coerce?: boolean;
    };
    optin?: 'optional' | 'defaulted';
    optout?: 'optional';
    values?: Set<unknown>;
    traits: Set<string>;
  };
}

interface ZodCheck {
  _zod: {
    def: {
      check: string;
      when?: (payload: unknown) => boolean;
      abort?: boolean;
      tx?: (value: unknown) => unknown;
      fn?: (value: unknown) => unknown;
      minimum?: number;
      maximum?: number;
      format?: string;
      pattern?: RegExp;
      value?: unknown;
      inclusive?: boolean;
    };
  };
}

const node = (schema: unknown): ZodNode => schema as ZodNode;

/** zod's own string overwrites, recognized by their source (zod writes each as a one-line arrow). */
const OVERWRITES = new Map(
  (['trim', 'toLowerCase', 'toUpperCase'] as const).map((method) => {
    const check = node(z.string()[method]())._zod.def.checks?.[0];
    return [String(check?._zod.def.tx), `value = value.${method}();`];
  }),
);

/** The `when` zod gives a length check: it runs on any value with a length, which a string or array has. */
const LENGTH_WHEN = String(node(z.string().max(1))._zod.def.checks?.[0]?._zod.def.when);

class Unsupported extends Error {}

class Writer {
  private readonly functions = new Map<ZodNode, string>();
  private readonly rulesUsed = new Set<string>();
  private readonly constants: string[] = [];
  private readonly bodies: string[] = [];
  usesCodePoints = false;

  rules(): string[] {
    return [...this.rulesUsed].sort();
  }

  text(): string {
    return [...this.constants, ...this.bodies].join('\n');
  }

  private ruleName(fn: unknown, what: string): string {
    const entry = Object.entries(fieldRules).find(([, exported]) => exported === fn);
    if (!entry)
      throw new Unsupported(
        `${what} ${String(fn).slice(0, 80)} is not exported by shared/fieldRules.ts: the generated check must call it, not copy it`,
      );
    this.rulesUsed.add(entry[0]);
    return entry[0];
  }

  private constant(kind: 'PATTERN' | 'VALUES', code: string): string {
    const name = `${kind}_${this.constants.length + 1}`;
    this.constants.push(`const ${name} = ${code};`);
    return name;
  }

  /** The name of a function taking any value and returning what zod's parse of `schema` does, or REFUSED. */
  functionFor(schema: ZodNode, path: string): string {
    const known = this.functions.get(schema);
    if (known) return known;
    const name = `check${this.functions.size}`;
    this.functions.set(schema, name);
    const lines = this.body(schema, path);
    this.bodies.push(
      `/** ${path || 'the input'} (${schema._zod.def.type}) */\nfunction ${name}(input: unknown): unknown {\n${lines.map((line) => `  ${line}`).join('\n')}\n}\n`,
    );
    return name;
  }

  private body(schema: ZodNode, path: string): string[] {
    const def = schema._zod.def;
    if (def.coerce) throw new Unsupported(`${path}: coercion`);
    const checks = def.checks ?? [];
    const typed = (test: string): string[] => {
      const overwrites = checks.some((check) => check._zod.def.check === 'overwrite');
      return [
        `if (${test}) return REFUSED;`,
        `${overwrites ? 'let' : 'const'} value = input;`,
        ...checks.flatMap((check) => this.check(check, def.type, path)),
        'return value;',
      ];
    };
    const noChecks = (): void => {
      if (checks.length > 0) throw new Unsupported(`${path}: checks on a ${def.type}`);
    };
    switch (def.type) {
      case 'string':
        return typed(`typeof input !== 'string'`);
      case 'number':
        return typed(`typeof input !== 'number' || !Number.isFinite(input)`);
      case 'boolean':
        return typed(`typeof input !== 'boolean'`);
      case 'enum': {
        noChecks();
        if (![...(schema._zod.values ?? [])].every((each) => typeof each === 'string'))
          throw new Unsupported(`${path}: an enum of values other than strings`);
        const values = this.constant(
          'VALUES',
          `new Set<unknown>(${JSON.stringify([...(schema._zod.values ?? [])])})`,
        );
        return [`return ${values}.has(input) ? input : REFUSED;`];
      }
      case 'array': {
        const element = this.functionFor(def.element as ZodNode, `${path}[]`);
        return [
          'if (!Array.isArray(input)) return REFUSED;',
          'const value: unknown[] = new Array(input.length);',
          'for (let index = 0; index < input.length; index++) {',
          `  const item = ${element}(input[index]);`,
          '  if (item === REFUSED) return REFUSED;',
          '  value[index] = item;',
          '}',
          ...checks.flatMap((check) => this.check(check, def.type, path)),
          'return value;',
        ];
      }
      case 'object':
        return this.object(schema, path);
      case 'optional': {
        noChecks();
        const inner = def.innerType as ZodNode;
        const innerCheck = this.functionFor(inner, path);
        // zod: an optional around a defaulted schema lets the default fill an absent value.
        return inner._zod.optin === 'defaulted'
          ? [
              'if (input === undefined) {',
              `  const filled = ${innerCheck}(undefined);`,
              '  return filled === REFUSED ? undefined : filled;',
              '}',
              `return ${innerCheck}(input);`,
            ]
          : ['if (input === undefined) return undefined;', `return ${innerCheck}(input);`];
      }
      case 'nullable':
        noChecks();
        return [
          'if (input === null) return null;',
          `return ${this.functionFor(def.innerType as ZodNode, path)}(input);`,
        ];
      case 'default': {
        noChecks();
        const fallback = this.literal(def.defaultValue, path);
        return [
          `if (input === undefined) return ${fallback};`,
          `const value = ${this.functionFor(def.innerType as ZodNode, path)}(input);`,
          `return value === undefined ? ${fallback} : value;`,
        ];
      }
      case 'pipe':
        noChecks();
        return [
          `const left = ${this.functionFor(def.in as ZodNode, path)}(input);`,
          'if (left === REFUSED) return REFUSED;',
          `return ${this.functionFor(def.out as ZodNode, path)}(left);`,
        ];
      case 'transform':
        noChecks();
        return [
          `return (${this.ruleName(def.transform, `${path}: the transform`)} as (value: unknown) => unknown)(input);`,
        ];
      default:
        throw new Unsupported(`${path}: a ${def.type} schema`);
    }
  }

  /** A default's value, written as a literal so each parse gets its own copy (zod's is a shallow clone). */
  private literal(value: unknown, path: string): string {
    const scalar = value === null || ['string', 'number', 'boolean'].includes(typeof value);
    const empty = (Array.isArray(value) && value.length === 0) || JSON.stringify(value) === '{}';
    if (!(scalar || empty) || (typeof value === 'number' && !Number.isFinite(value)))
      throw new Unsupported(`${path}: a default that is not a plain literal`);
    return JSON.stringify(value);
  }

  private object(schema: ZodNode, path: string): string[] {
    const def = schema._zod.def;
    if (def.catchall) throw new Unsupported(`${path}: an object with a catchall`);
    const lines = [
      `if (typeof input !== 'object' || input === null || Array.isArray(input)) return REFUSED;`,
      'const source = input as Record<string, unknown>;',
      'const value: Record<string, unknown> = {};',
    ];
    for (const [key, field] of Object.entries(def.shape ?? {})) {
      if (key === '__proto__') continue;
      const check = this.functionFor(field, path === '' ? key : `${path}.${key}`);
      const { optin, optout } = field._zod;
      lines.push(
        `if (!property(value, source, ${JSON.stringify(key)}, ${check}, ${JSON.stringify(optin)}, ${JSON.stringify(optout)})) return REFUSED;`,
      );
    }
    return [
      ...lines,
      ...(def.checks ?? []).flatMap((check) => this.check(check, def.type, path)),
      'return value;',
    ];
  }

  private check(check: ZodCheck, type: string, path: string): string[] {
    const def = check._zod.def;
    const when = def.when === undefined ? undefined : String(def.when);
    if (when !== undefined && !(when === LENGTH_WHEN && (type === 'string' || type === 'array')))
      throw new Unsupported(`${path}: a ${def.check} check with its own condition`);
    const refuseUnless = (test: string): string[] => [`if (!(${test})) return REFUSED;`];
    const length = (): string => {
      if (type === 'string') {
        this.usesCodePoints = true;
        return 'codePoints(value)';
      }
      return 'value.length';
    };
    switch (def.check) {
      case 'overwrite': {
        const code = OVERWRITES.get(String(def.tx));
        if (type !== 'string' || !code) throw new Unsupported(`${path}: an overwrite ${String(def.tx)}`);
        return [code];
      }
      case 'min_length':
        return refuseUnless(`${length()} >= ${def.minimum}`);
      case 'max_length':
        return refuseUnless(`${length()} <= ${def.maximum}`);
      case 'string_format':
        if (def.format !== 'regex' || !(def.pattern instanceof RegExp))
          throw new Unsupported(`${path}: the string format ${def.format}`);
        if (def.pattern.global || def.pattern.sticky) throw new Unsupported(`${path}: a stateful pattern`);
        return refuseUnless(`${this.constant('PATTERN', String(def.pattern))}.test(value)`);
      case 'number_format':
        if (def.format !== 'safeint') throw new Unsupported(`${path}: the number format ${def.format}`);
        return refuseUnless('Number.isSafeInteger(value)');
      case 'greater_than':
        if (typeof def.value !== 'number') throw new Unsupported(`${path}: a bound that is not a number`);
        return refuseUnless(`value ${def.inclusive ? '>=' : '>'} ${def.value}`);
      case 'less_than':
        if (typeof def.value !== 'number') throw new Unsupported(`${path}: a bound that is not a number`);
        return refuseUnless(`value ${def.inclusive ? '<=' : '<'} ${def.value}`);
      case 'custom':
        return refuseUnless(`${this.ruleName(def.fn, `${path}: the refinement`)}(value)`);
      default:
        throw new Unsupported(`${path}: a ${def.check} check`);
    }
  }
}

/** The text of one generated module, formatted as prettier formats the repository. */
export async function generatedCheck(compiled: CompiledCheck, root: string): Promise<string> {
  const writer = new Writer();
  const top = writer.functionFor(node(compiled.schema), '');
  const type = `z.output<typeof ${compiled.schemaName}>`;
  const text = [
    `// Generated by scripts/inputChecks.ts from ${compiled.schemaName} (shared/${compiled.schemaModule.slice(2)}.ts): do not edit.`,
    '// `npm run generate:checks` writes it again; test/input-checks.test.ts fails while it differs.',
    `import type { z } from 'zod';`,
    `import type { ${compiled.schemaName} } from '${compiled.schemaModule}';`,
    `import { ${writer.rules().join(', ')} } from './fieldRules';`,
    `import { ${['REFUSED', 'property', ...(writer.usesCodePoints ? ['codePoints'] : [])].join(', ')} } from './inputCheckRuntime';`,
    '',
    writer.text(),
    `/**`,
    ` * What zod's parse of ${compiled.schemaName} returns for \`input\`, or undefined where zod refuses it`,
    ` * (parse it with zod then, for zod's message).`,
    ` */`,
    `export function ${compiled.functionName}(input: unknown): ${type} | undefined {`,
    `  const value = ${top}(input);`,
    `  return value === REFUSED ? undefined : (value as ${type});`,
    '}',
    '',
  ].join('\n');
  const file = path.join(root, compiled.file);
  return prettier.format(text, { ...(await prettier.resolveConfig(file)), filepath: file });
}
