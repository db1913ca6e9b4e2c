import type {} from 'vitest'
import type { TestProject } from 'vitest/node'
import { buildApp, startServer, type RunningServer } from '../support/appServer.ts'
import { buildHarness } from './recording/serveHarness.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string
  }
}

let server: RunningServer | undefined

/**
 * Builds the app once and serves it with the real server (npm start's code path) on a free port; builds the
 * recording engine's harness page once for the files that use it (each would otherwise build its own).
 */
export async function setup(project: TestProject) {
  if (!process.env.E2E_SKIP_BUILD) buildApp()
  await buildHarness()
  process.env.RECORDING_HARNESS_PREBUILT = '1'
  server = await startServer()
  project.provide('baseURL', server.url)
}

export async function teardown() {
  await server?.stop()
}
