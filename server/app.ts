import { createServer, type RequestListener, type Server } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import { existsSync } from 'node:fs'
import sirv from 'sirv'
import type { ServerConfig } from './config.ts'

/**
 * Cross-origin isolation (SharedArrayBuffer), so ffmpeg.wasm can run its multi-thread core. Everything the app
 * loads is same-origin, so `require-corp` blocks nothing of ours; a background picked by URL from another site
 * must send CORS or CORP headers.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const

export interface TlsCredentials {
  cert: string
  key: string
}

/** Serves the built app; unknown paths get index.html so deep links such as /gallery work on reload. */
export function createStaticHandler(staticDir: string): RequestListener {
  if (!existsSync(staticDir)) {
    throw new Error(`No built app in ${staticDir}. Run "npm run build" first (npm start does it for you).`)
  }
  const serveStatic = sirv(staticDir, {
    single: true,
    gzip: true,
    brotli: true,
    etag: true,
    setHeaders(res, pathname) {
      // Hashed build assets never change; index.html must always be revalidated.
      if (pathname.startsWith('/assets/')) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable')
      else res.setHeader('Cache-Control', 'no-cache')
    },
  })
  return (req, res) => {
    res.setHeader('X-Content-Type-Options', 'nosniff')
    for (const [name, value] of Object.entries(ISOLATION_HEADERS)) res.setHeader(name, value)
    serveStatic(req, res, () => {
      res.statusCode = 404
      res.end('Not found')
    })
  }
}

/**
 * The one HTTP(S) server of a deployment: it serves the built app and signaling (attached by server/index.ts)
 * on the same origin, so the app needs no configuration to find its signaling endpoint.
 */
export function createAppServer(config: Pick<ServerConfig, 'staticDir'>, tls?: TlsCredentials): Server | HttpsServer {
  const handler = createStaticHandler(config.staticDir)
  return tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createServer(handler)
}
