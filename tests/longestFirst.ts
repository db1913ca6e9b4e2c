import { statSync } from 'node:fs'
import { relative } from 'node:path'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * Seconds each long test file took when it last ran with another beside it (the full `npm test` on the 2-core
 * machine, 2026-12-08). Used where vitest has no timing of its own for a file (a clean clone, as in CI); files not
 * listed count as short. A file that becomes long belongs here.
 */
const MEASURED_S: Record<string, number> = {
  'tests/e2e/a11y.test.ts': 220,
  'tests/e2e/call-network.test.ts': 113,
  'tests/e2e/recording.test.ts': 100,
  'tests/e2e/update.test.ts': 99,
  'tests/e2e/firefox.test.ts': 98,
  'tests/e2e/call.test.ts': 97,
  'tests/browser/vb.firefox.test.ts': 95,
  'tests/browser/vb.test.ts': 80,
  'tests/e2e/offline-firefox.test.ts': 78,
  'tests/e2e/record-ui.test.ts': 67,
  'tests/browser/touchup.test.ts': 67,
  'tests/e2e/call-group.test.ts': 62,
  'tests/e2e/capture.test.ts': 60,
  'tests/e2e/offline.test.ts': 59,
  'tests/e2e/call-second-client.test.ts': 52,
  'tests/e2e/recording-long.test.ts': 45,
  'tests/e2e/call-firefox.test.ts': 41,
  'tests/browser/vb.webkit.test.ts': 37,
  'tests/browser/looks.test.ts': 29,
}

/**
 * Two test files run at once (vitest.config.ts), across projects. The run ends when its last file does, so the
 * longest files start first and the short ones fill in at the end: by vitest's own record of each file's last
 * duration where it has one, else by MEASURED_S, else (short files) the larger first.
 */
export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root
    const weight = (spec: TestSpecification) => {
      const file = relative(root, spec.moduleId)
      const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${file}`)?.duration
      return cached !== undefined ? cached / 1000 : (MEASURED_S[file] ?? 0)
    }
    const size = (spec: TestSpecification) => statSync(spec.moduleId).size
    return [...files].sort((a, b) => weight(b) - weight(a) || size(b) - size(a))
  }
}
