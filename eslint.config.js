import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Workflow code is replayed; any I/O or Node built-in would make replays diverge.
const forbiddenInWorkflows = [
  ...builtinModules.flatMap((m) => [m, `node:${m}`]),
  'better-sqlite3',
  'fastify',
  'pino',
  'jose',
  'zx',
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'out/', 'artifacts/', 'coverage/', '.build/', 'dagger/sdk/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Fastify plugins and Temporal activities are async by contract even when their body is not.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: forbiddenInWorkflows.map((name) => ({
            name,
            message: 'Workflows must stay deterministic: do I/O in activities/.',
            allowTypeImports: true,
          })),
          patterns: [
            {
              group: ['**/lib/db/**', '**/lib/temporal/**', '**/lib/logging/**', '**/api/**'],
              message: 'Workflows must stay deterministic: do I/O in activities/.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
