/**
 * Helpers for signaling tests: servers (in-process or real child processes), real socket.io clients built with the
 * app's own client factory, and small awaitable event helpers.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { createLogger } from '../../../server/logger.ts'
import type { SignalingConfig } from '../../../server/config.ts'
import { attachSignaling, type Signaling } from '../../../server/signaling/signaling.ts'
import {
  createInstanceId,
  createPeerKey,
  createSignalingClient,
  joinOptions,
  type SignalingSocket,
} from '../../../src/lib/signaling/client.ts'
import type { ProtocolVersion, ServerToClientEvents } from '../../../src/lib/signaling/schema.ts'

export const ROOT = new URL('../../../', import.meta.url).pathname

export function testConfig(overrides: Partial<SignalingConfig> = {}): SignalingConfig {
  return {
    allowedOrigins: undefined,
    stunUrls: [],
    turn: undefined,
    redisUrl: undefined,
    peerGraceMs: 2000,
    leaseMs: 30_000,
    rateLimitEvents: 1000,
    rateLimitWindowS: 10,
    maxQueuedBytes: 512 * 1024,
    logSummaryS: 60,
    ...overrides,
  }
}

export interface LogRecord {
  level: number
  msg: string
  reason?: string
  [key: string]: unknown
}

export interface InProcessServer {
  url: string
  http: Server
  signaling: Signaling
  logs: LogRecord[]
  close(): Promise<void>
}

/** Signaling on a plain HTTP server on a free loopback port, in this process, with its logs captured. */
export async function startInProcess(overrides: Partial<SignalingConfig> = {}): Promise<InProcessServer> {
  const logs: LogRecord[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as LogRecord)
      cb()
    },
  })
  const http = createServer((_req, res) => res.end('static'))
  const signaling = await attachSignaling(http, { config: testConfig(overrides), log: createLogger('debug', sink) })
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const { port } = http.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, http, signaling, logs, close: () => signaling.close() }
}

export interface ClientOptions {
  peerKey?: string
  instance?: string
  extraHeaders?: Record<string, string>
  reconnection?: boolean
}

/** A real client from the app's factory (WebSocket only, auth in the handshake). */
export function connectClient(url: string, options: ClientOptions = {}): SignalingSocket {
  const socket = createSignalingClient({
    url,
    peerKey: options.peerKey ?? createPeerKey(),
    instance: options.instance ?? createInstanceId(),
    autoConnect: false,
    reconnectionDelayMax: 200,
  })
  socket.io.reconnectionDelay(50)
  socket.io.reconnection(options.reconnection ?? true)
  if (options.extraHeaders) socket.io.opts.extraHeaders = options.extraHeaders
  socket.connect()
  return socket
}

export async function connected(socket: SignalingSocket, timeoutMs = 5000): Promise<void> {
  if (socket.connected) return
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve())
      socket.once('connect_error', (err) => reject(err))
    }),
    timeoutMs,
    'connect',
  )
}

type Ev = keyof ServerToClientEvents
export type Args<E extends Ev> = Parameters<ServerToClientEvents[E]>

/** The arguments of the next `event` on `socket`. */
export function next<E extends Ev>(socket: SignalingSocket, event: E, timeoutMs = 5000): Promise<Args<E>> {
  return withTimeout(
    new Promise<Args<E>>((resolve) => {
      const listener = (...args: unknown[]) => resolve(args as Args<E>)
      ;(socket as unknown as { once(e: string, l: (...a: unknown[]) => void): void }).once(event, listener)
    }),
    timeoutMs,
    `event ${event}`,
  )
}

/** Every server event a socket receives, in order. */
export function record(socket: SignalingSocket): Array<[string, unknown[]]> {
  const seen: Array<[string, unknown[]]> = []
  socket.onAny((event: string, ...args: unknown[]) => seen.push([event, args]))
  return seen
}

/**
 * Connects and joins `room` (protocol version `v`: 1, one-to-one, unless told; the server tests were written for it
 * and group calls say `v: 2`); resolves with what `joined` said.
 */
export async function joinAs(url: string, room: string, options: ClientOptions & { name?: string; v?: ProtocolVersion } = {}) {
  const socket = connectClient(url, options)
  await connected(socket)
  const joined = next(socket, 'joined')
  socket.emit('join', room, joinOptions({ ...(options.name === undefined ? {} : { name: options.name }), v: options.v ?? 1 }))
  const [, id, info] = await joined
  return { socket, id, info }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** Polls `check` until it returns true. */
export async function eventually(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(20)
  }
}

export function closeAll(...sockets: SignalingSocket[]): void {
  for (const s of sockets) s.disconnect()
}

// --- real server processes -------------------------------------------------------------------------------------

export interface ServerProcess {
  url: string
  /** The Node process running server/index.ts (not a wrapper), for /proc measurements and kill -9. */
  pid: number
  child: ChildProcess
  output: () => string
  stop(signal?: NodeJS.Signals): Promise<void>
}

let staticDir: string | undefined
/** A tiny built-app stand-in, so server tests do not need `vite build`. */
export function fakeStaticDir(): string {
  if (!staticDir) {
    staticDir = mkdtempSync(join(tmpdir(), 'media-studio-static-'))
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Media Studio test</title>')
  }
  return staticDir
}

/** Starts `server/index.ts` (what `npm start` runs) as its own Node process and waits for its "listening" line. */
export async function spawnServer(env: Record<string, string> = {}, args: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', STATIC_DIR: fakeStaticDir(), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const url = await withTimeout(
    new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`server exited early with code ${code}:\n${out}`)))
      child.stdout!.on('data', () => {
        const m = out.match(/"url":"(https?:[^"]+)"/)
        if (m) resolve(m[1]!)
      })
    }),
    20_000,
    'server to listen',
  )
  return {
    url: url.replace('localhost', '127.0.0.1'),
    pid: child.pid!,
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill(signal)
      await exited
    },
  }
}

/** Resident set size of a process, from /proc (Linux). */
export function rssMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)
  if (!m) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(m[1]) / 1024
}

export async function freePort(): Promise<number> {
  const s = createServer()
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address() as AddressInfo
  await new Promise((r) => s.close(r))
  return port
}
