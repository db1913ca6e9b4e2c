import { defineConfig, mergeConfig } from 'vitest/config'
import viteConfig from './vite.config.ts'

// Three kinds of tests, each where it runs for real:
// - unit:   pure modules in Node;
// - server: the signaling server, started for real, talked to by Node clients;
// - browser: modules loaded by the Vite dev server into headless Chromium (virtual background workers);
// - e2e:    the built app in headless Debian Chromium with fake devices, through the real server.
// Projects run one after another (groupOrder): on two cores, two Chromiums at once would skew media timing.
export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      projects: [
        {
          extends: true,
          test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', sequence: { groupOrder: 0 } },
        },
        {
          extends: true,
          test: {
            name: 'server',
            sequence: { groupOrder: 1 },
            include: ['tests/server/**/*.test.ts'],
            environment: 'node',
            testTimeout: 60_000,
            hookTimeout: 60_000,
            fileParallelism: false,
          },
        },
        {
          extends: true,
          test: {
            name: 'e2e',
            sequence: { groupOrder: 3 },
            include: ['tests/e2e/**/*.test.ts'],
            environment: 'node',
            globalSetup: ['tests/e2e/globalSetup.ts'],
            testTimeout: 120_000,
            hookTimeout: 180_000,
            // Two cores: one Chromium at a time keeps media timing honest.
            fileParallelism: false,
          },
        },
        {
          // browser: modules that need a real browser (the virtual background's workers and quality),
          // loaded by the Vite dev server into headless Chromium with fake cameras (tests/browser/harnessServer.ts).
          extends: true,
          test: {
            name: 'browser',
            sequence: { groupOrder: 2 },
            include: ['tests/browser/**/*.test.ts'],
            environment: 'node',
            testTimeout: 180_000,
            hookTimeout: 180_000,
            fileParallelism: false,
          },
        },
      ],
    },
  }),
)
