// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Which library may import what (the layering, no cycles) is checked by dependency-cruiser:
// .dependency-cruiser.js, run by `npm run lint` after ESLint.

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
    files: ['**/*.spec.ts', 'test/**/*.ts', '**/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
