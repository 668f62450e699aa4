import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import { readdirSync } from 'node:fs';

// Every folder under src/features is a feature; a new one (devices, jobs) is fenced in as soon as it exists.
const features = readdirSync(`${import.meta.dirname}/src/features`, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/**
 * Who may import whom (issue 19): core < http < audit < features < worker < main, and only main knows every
 * feature. Paths are resolved, so a rule holds however deep the importing file sits. Type imports count too:
 * knowing a layer's types is knowing the layer.
 */
const boundaries = [
  {
    target: 'src/core',
    from: ['src/http', 'src/audit', 'src/features', 'src/worker', 'src/main'],
    message: 'src/core is shared by everyone and imports nothing outside src/core.',
  },
  {
    target: 'src/http',
    from: ['src/audit', 'src/features', 'src/worker', 'src/main'],
    message: 'src/http is the shell: it imports only src/core; features plug into it from src/main.',
  },
  {
    target: 'src/audit',
    from: ['src/features', 'src/worker', 'src/main'],
    message: 'src/audit imports only src/core and src/http.',
  },
  ...features.flatMap((feature) => [
    {
      target: `src/features/${feature}`,
      from: 'src/features',
      except: [`./${feature}`],
      message: 'A feature imports src/core, src/http plugins and schemas, src/audit and its own folder, not another feature.',
    },
    {
      target: `src/features/${feature}`,
      from: 'src/http',
      except: ['./plugins', './schemas'],
      message: 'A feature uses the HTTP plugins and schemas; the app and server are the shell that src/main puts together.',
    },
    {
      target: `src/features/${feature}`,
      from: ['src/worker', 'src/main'],
      message: 'A feature does not know the worker or the entry points; they know it.',
    },
  ]),
  {
    target: 'src/worker',
    from: ['src/http', 'src/main'],
    message: 'src/worker imports src/core, src/audit and the features only.',
  },
  {
    target: 'device',
    from: ['src', 'build'],
    message: 'Code under device/ runs on the appliance and never imports the control plane or the build side.',
  },
  {
    target: 'build',
    from: 'src',
    message: 'The build side (build/) does not import the control plane (src/).',
  },
];

export default tseslint.config(
  // test/lint/fixtures/ breaks the rules on purpose; test/lint/boundaries.test.ts lints it.
  {
    ignores: [
      'node_modules/',
      'data/',
      'out/',
      'artifacts/',
      'coverage/',
      '.build/',
      'build/dagger/sdk/',
      'device/dist/',
      'test/lint/fixtures/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Workflow state is declared before the handlers that read it and assigned once later.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Fastify plugins and Temporal activities are async by contract even when their body is not.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['src/main/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
  {
    // Tests assert on parsed JSON replies field by field; typing every reply would add nothing.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['src/**', 'build/**', 'device/**', 'test/lint/fixtures/**'],
    plugins: { 'import-x': importX },
    settings: {
      // Imports name the emitted .js file and the source beside it is .ts; the cycle check reads only these extensions.
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: boundaries }],
      // A cycle through type-only imports is erased at run time and is not reported. Packages cannot import
      // this code back, so they are not walked (walking them cost more than all other rules together).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['src/**/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // Anything but @temporalio/workflow (and the plain definitions of @temporalio/common it rests on),
              // a file beside this one, or a file in another workflows/ folder.
              regex: '^(?!@temporalio/(?:workflow|common)$)(?!\\./)(?!(?:\\.\\./)+(?:.+/)?workflows/)',
              message:
                'Workflow code is replayed and must stay deterministic: it imports @temporalio/workflow, types and other workflow files only; do I/O in activities.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
