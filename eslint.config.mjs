// ESLint flat config: correctness rules from typescript-eslint, the layering as import rules, and
// nothing about layout (Prettier owns formatting; eslint-config-prettier comes last to keep it so).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Import sources are matched as written, so a layer is any specifier that climbs out of the
// importing folder into it ("../bot/x", "../../src/bot/x"). Files under src/<layer>/ sit one level
// deep today; a nested folder would need its own entry.
const layer = (...names) => `^(?:\\.\\./)+(?:src/)?(?:${names.join('|')})(?:/|$)`;

const FRAMEWORK = {
  regex: '^(?:botbuilder|botframework-|restify(?:/|$)|@azure/|adaptivecards|better-sqlite3|pino(?:/|$))',
  message: 'Frameworks and SDKs stay at the edge (bot, http, storage, identity, defender).',
};

const COMPOSITION_ROOT = {
  regex: layer('app', 'index'),
  message: 'Only the composition root wires things; nothing imports it.',
};

/** One config object per layer: flat config replaces a rule's options per file, so layers must not overlap. */
const boundary = (folder, patterns) => ({
  name: `layers/${folder}`,
  files: [`src/${folder}/**/*.ts`],
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...patterns, COMPOSITION_ROOT] }] },
});

export default defineConfig(
  {
    ignores: ['node_modules/', 'dist/', 'build/', 'coverage/', '.e2e-build/', '.data/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    name: 'project/typescript',
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Type-aware rules, picked for bugs rather than taste (the whole recommendedTypeChecked set is mostly
      // no-unsafe-* noise on JSON fixtures here).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-base-to-string': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Fakes and fixtures read loosely typed JSON on purpose, and serve HTTP with async handlers.
    name: 'project/tests',
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    // The start and build scripts are plain CommonJS run by Node before anything is compiled.
    name: 'project/node-scripts',
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    name: 'project/no-console',
    files: ['src/**/*.ts'],
    ignores: ['src/tools/**'],
    rules: { 'no-console': 'error' },
  },

  // The layering (see ARCHITECTURE.md). Tests are exempt: nothing below matches test/.
  boundary('domain', [
    {
      regex: layer('bot', 'cards', 'storage', 'defender', 'identity', 'http', 'commands', 'config', 'logger', 'tools'),
      message: 'The domain is the bottom layer: it imports only itself, errors and its ports (not even types from above).',
    },
    FRAMEWORK,
  ]),
  boundary('commands', [
    {
      regex: layer('bot', 'cards', 'storage', 'defender', 'identity', 'http', 'config', 'logger', 'tools', 'app', 'index', 'errors'),
      message: 'Commands are a pure grammar: they import only src/domain and themselves.',
    },
    FRAMEWORK,
  ]),
  boundary('cards', [
    {
      regex: layer('bot', 'storage', 'defender', 'identity', 'http'),
      message: 'Cards render data; they never reach into the bot, storage, Defender, identity or HTTP.',
    },
  ]),
  ...['defender', 'identity', 'storage'].map((folder) =>
    boundary(folder, [
      {
        regex: layer('bot', 'cards', 'http'),
        message: 'Port implementations never import the bot, cards or HTTP layers.',
      },
    ]),
  ),
  boundary('bot', [
    {
      regex: layer('defender', 'identity', 'storage'),
      allowTypeImports: true,
      message: 'The bot takes implementations through its Deps; only src/app.ts and src/index.ts wire concrete classes (type-only imports are fine).',
    },
  ]),
  boundary('http', []),

  prettier,
);
