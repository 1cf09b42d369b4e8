// Lint rules that keep the architecture honest: dependencies point inward, no package reaches
// into another's sources, promises are awaited, type-only imports say so.
import tseslint from 'typescript-eslint';

/** Who may import whom (ADR 0001). Listed packages are forbidden for files under `files`. */
const BOUNDARIES = [
  { files: ['packages/model/src/**'], forbidden: ['@skyport/*'], why: 'the model is the innermost package and imports no other' },
  { files: ['packages/core/src/**'], forbidden: ['@skyport/store', '@skyport/api', '@skyport/client', '@skyport/cli', '@skyport/server', '@skyport/driver-*', '@skyport/conformance'], why: 'the core knows drivers and the store only through its ports' },
  { files: ['packages/drivers/*/src/**'], ignores: ['packages/drivers/skyport/src/**'], forbidden: ['@skyport/store', '@skyport/store/*', '@skyport/api', '@skyport/client', '@skyport/cli', '@skyport/server', '@skyport/driver-*'], why: 'a driver never imports another driver, the store or a front end' },
  // Federation's cloud is a Skyport broker, whose typed client is its SDK (as the AWS SDK is the
  // ec2 driver's): the one driver allowed @skyport/client, so the wire code is not written twice.
  { files: ['packages/drivers/skyport/src/**'], forbidden: ['@skyport/store', '@skyport/store/*', '@skyport/api', '@skyport/cli', '@skyport/server', '@skyport/driver-*'], why: 'a driver never imports another driver, the store or a front end (federation may use the REST client)' },
  { files: ['packages/ssh-keys/src/**'], forbidden: ['@skyport/core', '@skyport/store', '@skyport/store/*', '@skyport/api', '@skyport/client', '@skyport/cli', '@skyport/server', '@skyport/driver-*'], why: 'a leaf utility for drivers: it knows only the model' },
  { files: ['packages/api/src/**'], forbidden: ['@skyport/store', '@skyport/driver-*', '@skyport/server', '@skyport/cli'], why: 'front ends talk to the core only' },
  { files: ['packages/ec2/src/**'], ignores: ['packages/ec2/src/**/*.test.ts', 'packages/ec2/src/testing/**'], forbidden: ['@skyport/store', '@skyport/store/*', '@skyport/driver-*', '@skyport/api', '@skyport/client', '@skyport/cli', '@skyport/server'], why: 'front ends talk to the core only (its tests start the whole server)' },
  { files: ['packages/client/src/**', 'packages/cli/src/**'], forbidden: ['@skyport/core', '@skyport/store', '@skyport/api', '@skyport/driver-*'], why: 'the client and CLI speak REST only' },
  { files: ['packages/store/src/**'], forbidden: ['@skyport/api', '@skyport/driver-*', '@skyport/server'], why: 'the store implements a core port and nothing else' },
  { files: ['packages/scale-pg/src/**'], ignores: ['packages/scale-pg/src/**/*.test.ts'], forbidden: ['@skyport/store', '@skyport/store/*', '@skyport/api', '@skyport/driver-*', '@skyport/server', '@skyport/client', '@skyport/cli'], why: 'the scale-out adapters implement core ports (JobQueue, EventBus) over PostgreSQL and nothing else' },
  { files: ['apps/portal/src/**'], forbidden: ['@skyport/core', '@skyport/store', '@skyport/store/*', '@skyport/api', '@skyport/ec2', '@skyport/cli', '@skyport/server', '@skyport/driver-*', '@skyport/conformance'], why: 'the portal speaks REST only, through @skyport/client' },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.test-tmp/**', '.skyport/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.base],
    // One program over sources, tests and benchmarks (tsconfig.check.json), so tests are linted too.
    languageOptions: { parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['@skyport/*/src', '@skyport/*/src/*', '../../*/src/*', '../../../*/src/*'], message: "import a package by its name, never from its src/" }] }],
    },
  },
  // The portal's browser code is its own program (DOM, JSX, bundler resolution).
  { files: ['apps/portal/src/**/*.{ts,tsx}'], languageOptions: { parserOptions: { project: './apps/portal/tsconfig.json' } } },
  ...BOUNDARIES.map(({ files, ignores, forbidden, why }) => ({
    files,
    ...(ignores === undefined ? {} : { ignores }),
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: forbidden, message: why }, { group: ['@skyport/*/src', '@skyport/*/src/*'], message: 'import a package by its name, never from its src/' }] }],
    },
  })),
);
