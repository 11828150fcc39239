// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'coverage/**', 'frappe-app/**/*.py', 'web-portal/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    // The domain core stays pure: no I/O, no clock, no adapters.
    files: ['sidecar/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'http', 'https', 'net', 'child_process', 'express', 'ioredis', 'bullmq', 'axios', 'frappe-js-sdk', 'pino', 'googleapis'], message: 'The domain core does no I/O: pass data in as arguments.' },
          { group: ['**/erp/**', '**/http/**', '**/queue/**', '**/calendar/**', '**/config/**', '**/redis/**'], message: 'The domain core must not import adapters.' },
        ],
      }],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: '"now" is an argument of the domain, never read from the clock.' },
        { object: 'DateTime', property: 'now', message: '"now" is an argument of the domain, never read from the clock.' },
        { object: 'Math', property: 'random', message: 'The domain core is deterministic.' },
      ],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: '"now" is an argument of the domain, never read from the clock.' },
        { selector: "MemberExpression[object.name='process']", message: 'The domain core reads no environment.' },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.cjs', 'jest.config.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
  },
);
