import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs'
import { join, sep } from 'node:path'
import type { Socket } from 'node:net'
import { lookup as mimeType } from 'mrmime'
import type { Logger } from 'pino'
import sirv from 'sirv'
import type { HttpLimits, ServerConfig } from './config.ts'
import { parseRange } from './http/range.ts'

/**
 * Cross-origin isolation (SharedArrayBuffer), so ffmpeg.wasm can run its multi-thread core. Everything the app
 * loads is same-origin, so `require-corp` blocks nothing of ours; a background picked by URL from another site
 * must send CORS or CORP headers.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const

/**
 * What the built app needs, and nothing more:
 * - scripts and workers from this origin only; `'wasm-unsafe-eval'` lets WebAssembly compile (MediaPipe, ffmpeg.wasm)
 *   without allowing `eval`; `blob:` workers are what ffmpeg.wasm and gif.js may start;
 * - `https:` images, media and fetches: a background can be picked by URL from another site (it must send CORS or
 *   CORP headers anyway, see ISOLATION_HEADERS); `blob:`/`data:` are our own object URLs and thumbnails;
 * - signaling is a WebSocket to this same origin (`'self'` covers ws:/wss: of it);
 * - no plugins, no `<base>` rewriting, forms only to ourselves, and no framing at all (a page that asks for the camera
 *   must not be framed by another site: clickjacking).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self'",
  "img-src 'self' data: blob: https:",
  "media-src 'self' data: blob: https: mediastream:",
  "connect-src 'self' data: blob: https:",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** Sent with every HTTP response of the production server (not by the Vite dev server, whose HMR needs inline code). */
export const SECURITY_HEADERS = {
  ...ISOLATION_HEADERS,
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  // For browsers without CSP frame-ancestors.
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // Camera, microphone and screen capture for this origin only; nothing else the app does not use.
  'Permissions-Policy': 'camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const

export interface TlsCredentials {
  cert: string
  key: string
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxConnections: 10_000,
  maxConnectionsPerIp: 100,
}

/** Source maps stay on the build machine: they would hand out the whole source. */
const SOURCE_MAP = /\.map$/i

interface IndexedFile {
  abs: string
  size: number
  mtime: Date
}

/**
 * The uncompressed files of the build, for Range requests (served here: sirv's own range handling trusts the header,
 * and a malformed one used to throw out of the request handler). Like sirv in production mode, the list is read once
 * at start-up, without dotfiles and source maps.
 */
function indexFiles(dir: string): Map<string, IndexedFile> {
  const files = new Map<string, IndexedFile>()
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const abs = join(entry.parentPath, entry.name)
    const rel = abs.slice(dir.length).split(sep).join('/')
    if (/(^|\/)\./.test(rel) || SOURCE_MAP.test(rel) || /\.(gz|br)$/.test(rel)) continue
    const stats = statSync(abs)
    files.set(rel.startsWith('/') ? rel : `/${rel}`, { abs, size: stats.size, mtime: stats.mtime })
  }
  return files
}

/** The request's path, decoded; null when it cannot be decoded. */
function pathnameOf(req: IncomingMessage): string | null {
  const raw = (req.url ?? '/').split('?')[0]!.split('#')[0]!
  try {
    return decodeURI(raw)
  } catch {
    return null
  }
}

const cacheControl = (pathname: string) =>
  // Hashed build assets never change; index.html must always be revalidated.
  pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'

export interface StaticHandlerOptions {
  /** Where a failing request is reported (it is answered 500 either way). */
  log?: Pick<Logger, 'error'>
}

/** Serves the built app; unknown paths get index.html so deep links such as /gallery work on reload. */
export function createStaticHandler(staticDir: string, options: StaticHandlerOptions = {}): RequestListener {
  if (!existsSync(staticDir)) {
    throw new Error(`No built app in ${staticDir}. Run "npm run build" first (npm start does it for you).`)
  }
  const serveStatic = sirv(staticDir, {
    single: true,
    gzip: true,
    brotli: true,
    etag: true,
    setHeaders(res, pathname) {
      res.setHeader('Cache-Control', cacheControl(pathname))
    },
  })
  const files = indexFiles(staticDir)
  const etagOf = (f: IndexedFile) => `W/"${f.size}-${f.mtime.getTime()}"` // sirv's format, so If-Range matches either

  /** Answers a Range request for a file of the build; false when the path is not one (the SPA fallback answers). */
  function serveRange(req: IncomingMessage, res: ServerResponse, pathname: string, header: string): boolean {
    const base = pathname.replace(/\/+$/, '')
    const file = files.get(base) ?? files.get(`${base}.html`) ?? files.get(`${base}/index.html`)
    if (!file) return false
    const ifRange = req.headers['if-range']
    if (ifRange !== undefined && ifRange !== etagOf(file) && ifRange !== file.mtime.toUTCString()) return false
    res.setHeader('Accept-Ranges', 'bytes')
    const range = parseRange(header, file.size)
    if (!range) {
      res.statusCode = 416
      res.setHeader('Content-Range', `bytes */${file.size}`)
      res.end()
      return true
    }
    let type = mimeType(file.abs) ?? 'application/octet-stream'
    if (type === 'text/html') type += ';charset=utf-8'
    res.writeHead(206, {
      'Content-Type': type,
      'Content-Length': range.end - range.start + 1,
      'Content-Range': `bytes ${range.start}-${range.end}/${file.size}`,
      'Last-Modified': file.mtime.toUTCString(),
      ETag: etagOf(file),
      'Cache-Control': cacheControl(pathname),
    })
    if (req.method === 'HEAD') {
      res.end()
      return true
    }
    const stream = createReadStream(file.abs, range)
    stream.once('error', (err) => fail(req, res, err))
    stream.pipe(res)
    return true
  }

  function fail(req: IncomingMessage, res: ServerResponse, err: unknown) {
    options.log?.error({ err, method: req.method, url: req.url?.slice(0, 200) }, 'request failed')
    if (!res.headersSent) {
      res.statusCode = 500
      res.setHeader('Content-Type', 'text/plain; charset=utf-8')
      res.end('Internal server error')
    } else res.destroy()
  }

  function handle(req: IncomingMessage, res: ServerResponse) {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value)
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405
      res.setHeader('Allow', 'GET, HEAD')
      res.end('Method not allowed')
      return
    }
    const pathname = pathnameOf(req)
    if (pathname === null) {
      res.statusCode = 400
      res.end('Bad request')
      return
    }
    if (SOURCE_MAP.test(pathname)) {
      res.statusCode = 404
      res.end('Not found')
      return
    }
    const range = req.headers.range
    if (range !== undefined) {
      if (serveRange(req, res, pathname, range)) return
      // Not a file of the build (the SPA fallback), or If-Range says it changed: the whole thing, as a 200.
      delete req.headers.range
    }
    // sirv pipes a file stream into the response without listening for its errors (a file deleted since start-up):
    // an unhandled stream error would end the process. It is this request's failure only.
    res.once('pipe', (source: NodeJS.ReadableStream) => source.once('error', (err) => fail(req, res, err)))
    serveStatic(req, res, () => {
      res.statusCode = 404
      res.end('Not found')
    })
  }

  return (req, res) => {
    try {
      handle(req, res)
    } catch (err) {
      // Nothing a request does may end the process: answer 500, log it, keep serving.
      fail(req, res, err)
    }
  }
}

export type RefusalReason = 'total' | 'per-ip' | 'abuse'

/**
 * Refuses TCP connections over the total or per-address cap, or from an address `isBlocked` names (see
 * abuseGuard.ts), before any byte is read.
 */
export function limitConnections(
  server: Server | HttpsServer,
  limits: Pick<HttpLimits, 'maxConnections' | 'maxConnectionsPerIp'>,
  onRefused: (why: RefusalReason, address: string) => void,
  isBlocked: (address: string) => boolean = () => false,
): { open: () => number } {
  const perIp = new Map<string, number>()
  let open = 0
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown'
    const mine = perIp.get(address) ?? 0
    const why: RefusalReason | null =
      open >= limits.maxConnections ? 'total' : mine >= limits.maxConnectionsPerIp ? 'per-ip' : isBlocked(address) ? 'abuse' : null
    if (why) {
      onRefused(why, address)
      socket.destroy()
      return
    }
    open++
    perIp.set(address, mine + 1)
    socket.once('close', () => {
      open--
      const n = (perIp.get(address) ?? 1) - 1
      if (n > 0) perIp.set(address, n)
      else perIp.delete(address)
    })
  })
  return { open: () => open }
}

export interface AppServerOptions {
  log?: Pick<Logger, 'error' | 'warn'>
  /** Told about every refused connection (counted and summed up by the caller's logging). */
  onConnectionRefused?: (why: RefusalReason, address: string) => void
  /** Addresses refused for now because they keep abusing (signaling reports them). */
  isBlocked?: (address: string) => boolean
}

/**
 * The one HTTP(S) server of a deployment: it serves the built app and signaling (attached by server/index.ts)
 * on the same origin, so the app needs no configuration to find its signaling endpoint.
 */
export function createAppServer(
  config: Pick<ServerConfig, 'staticDir'> & { http?: HttpLimits },
  tls?: TlsCredentials,
  options: AppServerOptions = {},
): Server | HttpsServer {
  const limits = config.http ?? DEFAULT_HTTP_LIMITS
  const handler = createStaticHandler(config.staticDir, { log: options.log })
  // Node answers 408 and closes a request whose headers (or body) are not in by then; it checks once a second.
  const timeouts = { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: 1000 }
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key, ...timeouts }, handler) : createServer(timeouts, handler)
  limitConnections(server, limits, options.onConnectionRefused ?? (() => {}), options.isBlocked)
  return server
}
