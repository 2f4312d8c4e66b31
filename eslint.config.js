// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * The core's layers (docs/architecture.md): data flows one way, store → config → commands → workers →
 * dispatch → api / import, and the hosts (desktop, cli, server) sit on top. A layer may import the
 * layers before it, never one after it, never a host, never Electron.
 */
const CORE_LAYERS = ['store', 'config', 'commands', 'workers', 'dispatch', 'api', 'import'];
const HOSTS = ['desktop', 'cli', 'server'];
const NOT_IN_CORE = { name: 'electron', message: 'electron/core runs in plain Node: no Electron.' };

function layerRules() {
  const hostPatterns = HOSTS.map((host) => ({
    regex: `^(\\.\\./)+${host}(/|$)`,
    message: `electron/core never imports a host (electron/${host}).`,
  }));
  const layerConfigs = CORE_LAYERS.map((layer, index) => ({
    files: [`electron/core/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NOT_IN_CORE],
          patterns: [
            ...hostPatterns,
            ...CORE_LAYERS.slice(index + 1).map((later) => ({
              regex: `^\\.\\./${later}(/|$)`,
              message: `electron/core/${layer} sits below ${later}: it may not import it.`,
            })),
          ],
        },
      ],
    },
  }));
  return [
    {
      files: ['electron/core/*.ts', 'shared/**/*.ts'],
      rules: { 'no-restricted-imports': ['error', { paths: [NOT_IN_CORE] }] },
    },
    ...layerConfigs,
  ];
}

/**
 * `a.push(...b)` passes every item of b as an argument: a few hundred thousand overflow the call
 * stack (a tick on a 1,000,000-task board failed that way). shared/arrays.ts `appendAll` appends.
 */
const NO_SPREAD_INTO_PUSH = {
  selector: 'CallExpression[callee.property.name=/^(push|unshift)$/] > SpreadElement',
  message: 'Spreading into push/unshift overflows the stack on big arrays: use appendAll (shared/arrays.ts).',
};

/** SQL lives in electron/core/store only: everything else calls a named store function. */
const SQL_ONLY_IN_STORE = {
  files: ['electron/**/*.ts', 'electron/**/*.tsx'],
  ignores: ['electron/core/store/**'],
  rules: {
    'no-restricted-syntax': [
      'error',
      NO_SPREAD_INTO_PUSH,
      {
        selector: "CallExpression[callee.property.name='prepare']",
        message: 'SQL belongs in electron/core/store: call (or add) a named function there.',
      },
      {
        selector: "CallExpression[callee.name='cachedStatement']",
        message: 'SQL belongs in electron/core/store: call (or add) a named function there.',
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'release/', 'coverage/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The `switchyard` entry is CommonJS on purpose (bin/switchyard.cjs: no ESM loader at start).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...layerRules(),
  // Every file; SQL_ONLY_IN_STORE repeats it because a later config replaces the rule, not extends it.
  { rules: { 'no-restricted-syntax': ['error', NO_SPREAD_INTO_PUSH] } },
  SQL_ONLY_IN_STORE,
  {
    // shared/ is imported by the renderer too: no Node built-ins.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'child_process', 'better-sqlite3', 'electron'],
              message: 'shared/ has no Node.',
            },
          ],
        },
      ],
    },
  },
);
