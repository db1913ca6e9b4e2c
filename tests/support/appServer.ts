import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface RunningServer {
  url: string
  process: ChildProcess
  stop(): Promise<void>
}

/**
 * Builds the app with Vite into a folder of this run's own (not dist/), so a test run never serves half of
 * another build. The folder is passed on in MEDIA_STUDIO_TEST_DIST, which the test workers inherit.
 */
export function buildApp(): string {
  const outDir = (process.env.MEDIA_STUDIO_TEST_DIST ??= mkdtempSync(join(tmpdir(), 'media-studio-dist-')))
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], { stdio: 'inherit' })
  return outDir
}

/**
 * A second build of the same source into its own folder, with extra environment (e.g. MEDIA_STUDIO_BUILD, which
 * names the build: a "new version" for the update tests).
 */
export function buildAppVariant(env: Record<string, string>): string {
  const outDir = mkdtempSync(join(tmpdir(), 'media-studio-dist-variant-'))
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  })
  return outDir
}

/** Starts the real server (the code `npm start` runs) on a free port and waits for its "listening" line. */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  // Node itself (not npx) so that stopping the child stops the server, and nothing is left holding the port.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', STATIC_DIR: process.env.MEDIA_STUDIO_TEST_DIST ?? 'dist', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let buffered = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited early with code ${code}`)))
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString()
      const m = buffered.match(/"url":"(https?:[^"]+)"/)
      if (m) resolve(m[1]!)
    })
  })
  child.stdout!.resume()
  return {
    url,
    process: child,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}
