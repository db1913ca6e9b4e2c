import type {} from 'vitest'
import type { TestProject } from 'vitest/node'
import { buildApp, startServer, type RunningServer } from '../support/appServer.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string
  }
}

let server: RunningServer | undefined

/** Builds the app once and serves it with the real server (npm start's code path) on a free port. */
export async function setup(project: TestProject) {
  if (!process.env.E2E_SKIP_BUILD) buildApp()
  server = await startServer()
  project.provide('baseURL', server.url)
}

export async function teardown() {
  await server?.stop()
}
