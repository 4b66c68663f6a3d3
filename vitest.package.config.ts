import { defineConfig } from 'vitest/config';

// The package tests (npm run test:package): build, pack, install the tarball into a
// scratch app, and check it in every consumer users have.
export default defineConfig({
  test: {
    include: ['test/package/**/*.spec.ts'],
    globalSetup: ['test/package/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
