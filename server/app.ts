import { createServer, type Server } from 'node:http'
import { existsSync } from 'node:fs'
import sirv from 'sirv'
import type { ServerConfig } from './config.ts'

/**
 * The one HTTP server of a deployment: it serves the built app and (later) signaling on the same origin,
 * so the app needs no configuration to find its signaling endpoint.
 */
export function createAppServer(config: ServerConfig): Server {
  if (!existsSync(config.staticDir)) {
    throw new Error(`No built app in ${config.staticDir}. Run "npm run build" first (npm start does it for you).`)
  }
  // `single`: unknown paths get index.html so deep links such as /gallery work on reload.
  const serveStatic = sirv(config.staticDir, {
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
  return createServer((req, res) => {
    res.setHeader('X-Content-Type-Options', 'nosniff')
    serveStatic(req, res, () => {
      res.statusCode = 404
      res.end('Not found')
    })
  })
}
