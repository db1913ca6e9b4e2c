/**
 * The recording engine's test page: tests/e2e/recording/harness.html built with the app's own Vite config (so the
 * media-assets plugin, workers and lazy chunks are exactly what the app ships), served on loopback. With
 * `isolated: true` the server sends the headers the app server sends (the COOP/COEP pair, so the page is cross-origin
 * isolated and ffmpeg's multi-thread core is used, and the Content-Security-Policy the exports must work under).
 */
import { createServer, type Server } from 'node:http'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import sirv from 'sirv'
import { SECURITY_HEADERS } from '../../../server/app.ts'
import { createHash } from 'node:crypto'

const ROOT = new URL('../../../', import.meta.url).pathname
// One build per checkout: two worktrees testing at once must not serve each other's build.
export const HARNESS_DIR = join(tmpdir(), `media-studio-recording-harness-${createHash('sha1').update(ROOT).digest('hex').slice(0, 8)}`)

let built: Promise<void> | null = null

/** Builds the harness once per process (set RECORDING_HARNESS_PREBUILT=1 to reuse an earlier build). */
export function buildHarness(): Promise<void> {
  built ??= (async () => {
    if (process.env.RECORDING_HARNESS_PREBUILT && existsSync(join(HARNESS_DIR, 'tests/e2e/recording/harness.html'))) return
    const { build } = await import('vite')
    await build({
      configFile: join(ROOT, 'vite.config.ts'),
      root: ROOT,
      logLevel: 'warn',
      build: {
        outDir: HARNESS_DIR,
        emptyOutDir: true,
        sourcemap: false,
        rollupOptions: { input: join(ROOT, 'tests/e2e/recording/harness.html') },
      },
    })
  })()
  return built
}

export interface HarnessServer {
  /** URL of the harness page. */
  url: string
  /** URL of one of `files`. */
  fileUrl(name: string): string
  close(): Promise<void>
}

/**
 * `files` maps names to local files the page may fetch at `/files/<name>` (recordings made by native ffmpeg that a
 * test injects into the chunk store).
 */
export async function serveHarness(opts: { isolated?: boolean; files?: Record<string, string> } = {}): Promise<HarnessServer> {
  await buildHarness()
  const serve = sirv(HARNESS_DIR, { dev: true, etag: true })
  const server: Server = createServer((req, res) => {
    if (opts.isolated) for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value)
    const file = req.url?.startsWith('/files/') ? opts.files?.[decodeURIComponent(req.url.slice('/files/'.length))] : undefined
    if (file) {
      res.setHeader('Content-Type', 'application/octet-stream')
      res.setHeader('Content-Length', String(statSync(file).size))
      createReadStream(file).pipe(res)
      return
    }
    serve(req, res, () => {
      res.statusCode = 404
      res.end('Not found')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://localhost:${port}/tests/e2e/recording/harness.html`,
    fileUrl: (name: string) => `http://localhost:${port}/files/${encodeURIComponent(name)}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
