/**
 * Server configuration, read once from the environment and the command line and validated, so a typo fails at
 * start-up with a clear message instead of surfacing as a broken call later.
 */
import { parseArgs } from 'node:util'
import { z } from 'zod'

export interface TlsFiles {
  kind: 'files'
  certFile: string
  keyFile: string
}
/** `--https` without TLS_CERT/TLS_KEY: generate (and cache) a self-signed certificate for LAN testing. */
export interface TlsSelfSigned {
  kind: 'self-signed'
}

export interface TurnConfig {
  urls: string[]
  /** coturn's `static-auth-secret`; stays on the server. */
  secret: string
  /** Lifetime of the credentials handed to browsers, in seconds; renewed while the peer is seated. */
  ttlSeconds: number
  /** At most this many credentials minted per client IP address per `mintWindowS` (reconnects reuse a live one). */
  mintsPerIp: number
  mintWindowS: number
}

/** Limits of the HTTP(S) server itself (static files and WebSocket upgrades alike). */
export interface HttpLimits {
  /** A request whose headers are not complete by then is answered 408 and closed. */
  headersTimeoutMs: number
  /** The same for the whole request. */
  requestTimeoutMs: number
  /** Open TCP connections, in all and from one address; more are closed at once. */
  maxConnections: number
  maxConnectionsPerIp: number
}

export interface SignalingConfig {
  /**
   * Origins (scheme://host[:port]) allowed to open a signaling connection besides the server's own origin.
   * `undefined` (ALLOWED_ORIGINS unset) allows loopback origins (http(s)://localhost, 127.0.0.1, [::1], any port);
   * `'*'` allows every origin.
   */
  allowedOrigins: string[] | '*' | undefined
  stunUrls: string[]
  turn: TurnConfig | undefined
  redisUrl: string | undefined
  /** How long a disconnected peer keeps its slot, so a reload or a network blip gets it back. */
  peerGraceMs: number
  /** Membership lease in the room store, renewed while connected; bounds how long a crashed process's peers linger. */
  leaseMs: number
  /** Per-connection event budget: `rateLimitEvents` events per `rateLimitWindowS` seconds. */
  rateLimitEvents: number
  rateLimitWindowS: number
  /**
   * Output queued for one socket (not yet taken by the network) beyond which the reader is too slow and is dropped.
   * Counted as text plus its ready WebSocket frame, so 512 KiB (the default) is about 1 MB of memory.
   */
  maxQueuedBytes: number
  /** Refusals are counted and logged as one summary per this many seconds (plus the first of each kind). */
  logSummaryS: number
}

export interface ServerConfig {
  port: number
  host: string
  /** Folder with the built app (vite build). */
  staticDir: string
  tls: TlsFiles | TlsSelfSigned | undefined
  logLevel: string
  http: HttpLimits
  signaling: SignalingConfig
}

const list = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
const int = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((s) => (s === undefined || s === '' ? fallback : Number(s)))
    .pipe(z.number().int().min(min).max(max))

const originPattern = /^https?:\/\/[^/\s]+$/

const Env = z
  .object({
    PORT: int(0, 65535, 8080),
    HOST: z.string().default('0.0.0.0'),
    STATIC_DIR: z.string().optional(),
    TLS_CERT: z.string().optional(),
    TLS_KEY: z.string().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ALLOWED_ORIGINS: z.string().optional(),
    STUN_URLS: list.pipe(z.array(z.string().regex(/^stuns?:\S+$/, 'STUN_URLS entries must start with stun: or stuns:'))),
    TURN_URLS: list.pipe(z.array(z.string().regex(/^turns?:\S+$/, 'TURN_URLS entries must start with turn: or turns:'))),
    TURN_SECRET: z.string().optional(),
    TURN_TTL: int(60, 7 * 86400, 3600),
    TURN_MINTS_PER_IP: int(1, 1_000_000, 30),
    TURN_MINT_WINDOW_S: int(1, 86400, 3600),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'REDIS_URL must start with redis:// or rediss://').optional(),
    PEER_GRACE_MS: int(0, 10 * 60_000, 15_000),
    SIGNALING_LEASE_MS: int(1000, 10 * 60_000, 30_000),
    RATE_LIMIT_EVENTS: int(1, 1_000_000, 100),
    RATE_LIMIT_WINDOW_S: int(1, 3600, 10),
    MAX_QUEUED_BYTES: int(64 * 1024, 1024 * 1024 * 1024, 512 * 1024),
    LOG_SUMMARY_S: int(1, 86400, 60),
    HEADERS_TIMEOUT_MS: int(1000, 10 * 60_000, 10_000),
    REQUEST_TIMEOUT_MS: int(1000, 60 * 60_000, 30_000),
    MAX_CONNECTIONS: int(1, 10_000_000, 10_000),
    MAX_CONNECTIONS_PER_IP: int(1, 10_000_000, 100),
  })
  .superRefine((env, ctx) => {
    if (!!env.TLS_CERT !== !!env.TLS_KEY) ctx.addIssue({ code: 'custom', message: 'set both TLS_CERT and TLS_KEY, or neither' })
    if (env.TURN_URLS.length > 0 && !env.TURN_SECRET) ctx.addIssue({ code: 'custom', message: 'TURN_URLS needs TURN_SECRET' })
    if (env.TURN_SECRET && env.TURN_URLS.length === 0) ctx.addIssue({ code: 'custom', message: 'TURN_SECRET needs TURN_URLS' })
    if (env.REQUEST_TIMEOUT_MS < env.HEADERS_TIMEOUT_MS)
      ctx.addIssue({ code: 'custom', message: 'REQUEST_TIMEOUT_MS must not be shorter than HEADERS_TIMEOUT_MS' })
  })

function parseOrigins(raw: string | undefined): SignalingConfig['allowedOrigins'] {
  if (raw === undefined || raw.trim() === '') return undefined
  if (raw.trim() === '*') return '*'
  const origins = raw
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean)
  for (const o of origins) {
    if (!originPattern.test(o)) throw new Error(`ALLOWED_ORIGINS entries must look like https://host[:port], got "${o}"`)
  }
  return origins.map((o) => new URL(o).origin)
}

export function readConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv.slice(2)): ServerConfig {
  const parsed = Env.safeParse(env)
  if (!parsed.success) throw new Error(`Invalid configuration:\n${z.prettifyError(parsed.error)}`)
  const e = parsed.data
  const { values } = parseArgs({ args: argv, options: { https: { type: 'boolean' } }, strict: false, allowPositionals: true })
  const tls: ServerConfig['tls'] =
    e.TLS_CERT && e.TLS_KEY
      ? { kind: 'files', certFile: e.TLS_CERT, keyFile: e.TLS_KEY }
      : values.https === true
        ? { kind: 'self-signed' }
        : undefined
  return {
    port: e.PORT,
    host: e.HOST,
    staticDir: e.STATIC_DIR ?? new URL('../dist', import.meta.url).pathname,
    tls,
    logLevel: e.LOG_LEVEL,
    http: {
      headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      maxConnections: e.MAX_CONNECTIONS,
      maxConnectionsPerIp: e.MAX_CONNECTIONS_PER_IP,
    },
    signaling: {
      allowedOrigins: parseOrigins(e.ALLOWED_ORIGINS),
      stunUrls: e.STUN_URLS,
      turn: e.TURN_SECRET
        ? { urls: e.TURN_URLS, secret: e.TURN_SECRET, ttlSeconds: e.TURN_TTL, mintsPerIp: e.TURN_MINTS_PER_IP, mintWindowS: e.TURN_MINT_WINDOW_S }
        : undefined,
      redisUrl: e.REDIS_URL,
      peerGraceMs: e.PEER_GRACE_MS,
      leaseMs: e.SIGNALING_LEASE_MS,
      rateLimitEvents: e.RATE_LIMIT_EVENTS,
      rateLimitWindowS: e.RATE_LIMIT_WINDOW_S,
      maxQueuedBytes: e.MAX_QUEUED_BYTES,
      logSummaryS: e.LOG_SUMMARY_S,
    },
  }
}
