// Three tiers by file suffix; `npm test` runs all of them.
const moduleNameMapper = {
  '^@baseliner/event-store/testing$': '<rootDir>/libs/event-store/src/testing',
  '^@baseliner/(.*)$': '<rootDir>/libs/$1/src',
};
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
};
const project = (displayName, testMatch, extra = {}) => ({
  displayName,
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform,
  moduleNameMapper,
  testMatch,
  ...extra,
});

module.exports = {
  // One directory per run, marked in the environment of every process a test starts; the teardown
  // stops the run's shared Kafka broker and anything else still running (test/support/global-setup.ts).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  projects: [
    project('unit', ['<rootDir>/{apps,libs,test,dashboards,deploy}/**/*.unit.spec.ts']),
    project('int', ['<rootDir>/{apps,libs,test,dashboards,deploy}/**/*.int.spec.ts']),
    project('e2e', ['<rootDir>/{apps,libs,test,dashboards,deploy}/**/*.e2e.spec.ts']),
  ],
};
