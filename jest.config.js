/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  moduleNameMapper: {
    '^tributary$': '<rootDir>/src/index.ts',
    '^tributary/testing$': '<rootDir>/src/testing/index.ts',
  },
  testTimeout: 20000,
};
