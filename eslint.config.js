// Lint: typescript-eslint with the type-aware rules that matter in socket handlers (a floating
// promise there is an unhandled rejection), and the layering of DESIGN.md as import rules.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const adapters = ['socket.io', 'socket.io-client', 'express', 'ioredis', 'better-sqlite3', 'pino', 'prom-client', 'nodemailer'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  // Layering (DESIGN.md): the core names no adapter; shared imports only zod; the browser never
  // imports the server.
  {
    files: ['server/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: adapters.map((name) => ({
            name,
            message: 'server/core is adapter-free: no sockets, HTTP, Redis or logging here (DESIGN.md).',
          })),
          patterns: [
            {
              group: ['**/store/**', '**/gateway/**', '**/http/**', '**/app.js', '**/compose.js', '**/config.js'],
              message: 'server/core imports no adapter (DESIGN.md): depend on a port in ports.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^(?!zod$)(?!\\./)', message: 'shared/ imports only zod and its own files (DESIGN.md).' }],
        },
      ],
    },
  },
  {
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/server/**', '../server', '../../server'], message: 'the browser never imports server code (DESIGN.md).' },
          ],
        },
      ],
    },
  },
  prettier,
);
