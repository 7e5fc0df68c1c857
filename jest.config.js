/** Jest runs TypeScript sources directly (swc, native ESM); workspace packages resolve to src/ via the "mcpgw-source" condition. */
const ci = process.env.CI === 'true';

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironmentOptions: { customExportConditions: ['mcpgw-source', 'node', 'node-addons'] },
  testMatch: ['<rootDir>/{apps,packages,tests}/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // Cross-process tests start real processes; keep CPU for them on a 2-core machine.
  maxWorkers: ci ? 2 : '50%',
  testTimeout: 30_000,
};
