// Two projects: `unit` needs only Node; `kernel` needs the addon and a private network namespace,
// which `npm test` (test/run.js) creates before starting jest.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] };

module.exports = {
  projects: [
    { displayName: 'unit', testEnvironment: 'node', transform, testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { displayName: 'kernel', testEnvironment: 'node', transform, testMatch: ['<rootDir>/test/kernel/**/*.test.ts'] },
  ],
};
