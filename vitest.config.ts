import { defineConfig, mergeConfig } from 'vitest/config'
import viteConfig from './vite.config.ts'
import LongestFirst from './tests/longestFirst.ts'

// Four kinds of tests, each where it runs for real:
// - unit:    pure modules in Node;
// - server:  the signaling server, started for real, talked to by Node clients;
// - browser: modules loaded by the Vite dev server into real browsers (the virtual background's workers and quality);
// - e2e:     the built app in headless Debian Chromium (and Firefox, WebKitGTK) with fake devices, through the real server.
// Two files at a time, one per core, the longest first (tests/longestFirst.ts). Tests check behaviour, which must hold
// on a busy machine too; speed is measured by `npm run bench`, alone.
export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      maxWorkers: 2,
      sequence: { sequencer: LongestFirst },
      projects: [
        {
          extends: true,
          test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' },
        },
        {
          extends: true,
          test: {
            name: 'server',
            include: ['tests/server/**/*.test.ts'],
            environment: 'node',
            testTimeout: 60_000,
            hookTimeout: 60_000,
          },
        },
        {
          extends: true,
          test: {
            name: 'e2e',
            include: ['tests/e2e/**/*.test.ts'],
            environment: 'node',
            globalSetup: ['tests/e2e/globalSetup.ts'],
            testTimeout: 120_000,
            hookTimeout: 180_000,
          },
        },
        {
          extends: true,
          test: {
            name: 'browser',
            include: ['tests/browser/**/*.test.ts'],
            environment: 'node',
            testTimeout: 180_000,
            hookTimeout: 180_000,
          },
        },
      ],
    },
  }),
)
