// @ts-check
// One runner for every kind of test; each kind is a project, so `npx jest --selectProjects unit` runs one kind.

/** @type {import('jest').Config['transform']} */
const transform = {
  // Type errors are caught once by `npm run typecheck`; ts-jest only transpiles, which keeps runs fast.
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
};

/** @param {string} name @param {import('jest').Config} [extra] @returns {import('jest').Config} */
const project = (name, extra = {}) => ({
  displayName: name,
  rootDir: __dirname,
  testEnvironment: 'node',
  transform,
  testMatch: [`<rootDir>/tests/${name}/**/*.test.ts`],
  moduleFileExtensions: ['ts', 'js', 'json'],
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  // Two cores: integration tests start servers and Redis connections, so parallelism stays modest.
  maxWorkers: 2,
  // A global option (jest ignores it per project); tests that start processes give their own, longer one.
  testTimeout: 30_000,
  projects: [
    project('unit'),
    project('integration'),
    project('contract'),
    project('e2e'),
  ],
};
