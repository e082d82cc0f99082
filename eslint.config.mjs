// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The pure libraries hold the rules and the numbers: no framework, no drivers, no I/O.
const pureLibraryImports = {
  patterns: [
    { group: ['@nestjs/*'], message: 'Keep Nest out of the pure libraries (contracts, domain, analytics).' },
    { group: ['better-sqlite3', 'kafkajs', '@kurrent/*', 'prom-client', 'fastify', '@fastify/*'], message: 'Drivers and servers belong in adapters.' },
    { group: ['node:*', 'fs', 'fs/*', 'net', 'http', 'https', 'child_process', 'os', 'path', 'crypto', 'zlib'], message: 'No I/O in the pure libraries: pass data and the clock in.' },
    { group: ['@baseliner/event-store', '@baseliner/platform', '@baseliner/control', '@baseliner/intake'], message: 'Pure libraries depend only on other pure libraries.' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'reports/', 'data/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // No consistent-type-imports: Nest's dependency injection needs constructor types imported as values.
    },
  },
  {
    files: ['libs/contracts/**/*.ts', 'libs/domain/**/*.ts', 'libs/analytics/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', pureLibraryImports] },
  },
  {
    // The SDK ships on its own: nothing from the service.
    files: ['libs/sdk/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@nestjs/*', '@baseliner/*'], message: 'The SDK is a standalone package.' }] }],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', '**/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-restricted-imports': 'off' },
  },
);
