/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  moduleNameMapper: {
    '^tributary$': '<rootDir>/src/index.ts',
    '^tributary/testing$': '<rootDir>/src/testing/index.ts',
    '^tributary/hosting$': '<rootDir>/hosting/index.ts',
    '^tributary/sinks/(.*)$': '<rootDir>/sinks/$1/index.ts',
    '^tributary/flows/(.*)$': '<rootDir>/flows/$1/index.ts',
    '^tributary/sources/service-bus$': '<rootDir>/sources/service-bus/index.ts',
    '^tributary/sources/sql-server-cdc$': '<rootDir>/sources/sql-server-cdc/index.ts',
    '^tributary/azure$': '<rootDir>/azure/index.ts',
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 20000,
};
