/**
 * The signaling server: socket.io with two-person rooms, attached to any Node HTTP(S) server (the production
 * server in server/index.ts, or Vite's dev server through server/vitePlugin.ts).
 *
 * Every incoming event goes through one per-connection queue: rate limit, then schema validation, then the
 * handler. The queue keeps a connection's events in order (an offer is relayed before its candidates, a `join`
 * completes before the `message` sent after it) even when the room store is remote (Redis).
 */
import { createHash } from 'node:crypto'
import type { Server as HttpServer } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import type { Http2SecureServer } from 'node:http2'
import type { Logger } from 'pino'
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import { Server, type Socket } from 'socket.io'
import type { z } from 'zod'
import {
  ClientEventArgs,
  HandshakeAuth,
  MAX_PAYLOAD_BYTES,
  type ClientToServerEvents,
  type InstanceId,
  type JoinOptions,
  type LeaveReason,
  type PeerId,
  type RoomId,
  type ServerToClientEvents,
  type SignalData,
} from '../../src/lib/signaling/schema.ts'
import type { SignalingConfig } from '../config.ts'
import { iceServersFor } from './iceServers.ts'
import { originGuard } from './origin.ts'
import { connectRedis, type RedisConnection } from './redis.ts'
import { MemoryRoomStore, type MemberRef, type RoomStore } from './roomStore.ts'
import { RedisRoomStore } from './redisRoomStore.ts'

/** Events between server processes (through the Redis adapter). */
interface InterServerEvents {
  /** The slot of `id` in `room` moved to another connection: drop `socketId` if you hold it. */
  evict: (socketId: string, room: RoomId, id: PeerId) => void
}

interface SocketData {
  peerId: PeerId
  instance: InstanceId
  room: RoomId | undefined
  name: string | undefined
}

type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>
type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>

/** Per-connection bookkeeping that never leaves this process. */
interface Connection {
  chain: Promise<void>
  /** The disconnect cleanup ran; anything still arriving is ignored. */
  closed: boolean
  pending: number
  drops: number
  unlogged: number
  log: Logger
}

/** Events waiting in one connection's queue beyond which new ones are dropped (the rate limit bounds it too). */
const MAX_PENDING = 32
/** Drops logged one by one per connection; later ones are counted and summed up at disconnect (no log floods). */
const LOGGED_DROPS = 5
/** A client that sent this many invalid events is broken or hostile: disconnect it. */
const MAX_DROPS = 50
/** Consumed points, as a multiple of the limit, at which a client that ignores rate limiting is disconnected. */
const HARD_RATE_FACTOR = 2

export interface SignalingStats {
  /** Open connections on this process. */
  connections: number
  /** Connections that are members of a room. */
  members: number
  /** Disconnected members waiting for their grace period to end. */
  awaitingReap: number
}

export interface Signaling {
  io: IoServer
  store: RoomStore
  /** Cheap counters for health checks and leak tests. */
  stats(): SignalingStats
  close(): Promise<void>
}

export interface SignalingOptions {
  config: SignalingConfig
  log: Logger
  /** Room store override (tests); by default Redis when `config.redisUrl` is set, else in memory. */
  store?: RoomStore
  /**
   * Leave Vite's (or any other) WebSocket upgrades on the same server alone.
   * @default false (engine.io closes unknown upgrades)
   */
  shareUpgrades?: boolean
}

/** Public id: a hash of the secret peer key, so knowing someone's id does not let you take their slot. */
export function peerIdFromKey(peerKey: string): PeerId {
  return createHash('sha256').update(`media-studio/peer-id/${peerKey}`).digest('base64url').slice(0, 16)
}

const roomKey = (room: RoomId) => `room:${room}` // prefixed: a room id must never name a socket's own room

export async function attachSignaling(httpServer: HttpServer | HttpsServer | Http2SecureServer, options: SignalingOptions): Promise<Signaling> {
  const { config, log } = options
  let redis: RedisConnection | undefined
  if (config.redisUrl && !options.store) redis = await connectRedis(config.redisUrl, log)
  const store: RoomStore =
    options.store ??
    (redis
      ? new RedisRoomStore(redis.pub, { maxLeaseMs: Math.max(config.leaseMs, config.peerGraceMs) })
      : new MemoryRoomStore())

  const io: IoServer = new Server(httpServer, {
    // WebSocket only: no long-polling means no sticky sessions behind a load balancer, and one code path.
    transports: ['websocket'],
    maxHttpBufferSize: MAX_PAYLOAD_BYTES,
    serveClient: false,
    // A connection that completed the transport handshake but never joined the namespace is dropped quickly.
    connectTimeout: 10_000,
    allowRequest: originGuard(config.allowedOrigins, (reason, req) =>
      log.warn({ reason, ip: req.socket.remoteAddress, origin: req.headers.origin }, 'connection rejected'),
    ),
    destroyUpgrade: !options.shareUpgrades,
    ...(redis ? { adapter: redis.adapter } : {}),
  })

  const limiter = new RateLimiterMemory({ points: config.rateLimitEvents, duration: config.rateLimitWindowS })
  const connections = new Map<string, Connection>()
  /** Members whose socket is connected to this process; their leases are renewed here. */
  const attached = new Map<string, MemberRef>()
  const reapTimers = new Set<NodeJS.Timeout>()
  let closing = false

  // --- handshake -------------------------------------------------------------------------------------------
  io.use((socket, next) => {
    const auth = HandshakeAuth.safeParse(socket.handshake.auth)
    if (!auth.success) {
      log.warn({ ip: socket.handshake.address, reason: summarize(auth.error) }, 'handshake rejected')
      return next(new Error('invalid auth'))
    }
    socket.data.peerId = peerIdFromKey(auth.data.peerKey)
    socket.data.instance = auth.data.instance
    socket.data.room = undefined
    socket.data.name = undefined
    next()
  })

  io.on('connection', (socket) => {
    const conn: Connection = {
      chain: Promise.resolve(),
      closed: false,
      pending: 0,
      drops: 0,
      unlogged: 0,
      log: log.child({ sid: socket.id, peer: socket.data.peerId }),
    }
    connections.set(socket.id, conn)
    conn.log.debug({ ip: socket.handshake.address }, 'connected')
    // Every event goes through our own queue; nothing is registered with socket.on, so `next` is never called.
    socket.use((packet) => {
      if (conn.pending >= MAX_PENDING) return drop(socket, conn, 'too many queued events')
      enqueue(conn, () => handle(socket, conn, packet))
    })
    socket.on('disconnect', (reason) => {
      // socket.io reports a close at once but hands over packets read just before it on the next tick: wait for
      // those, so that a `leave` sent as a tab closes is handled, and nothing is handled after the cleanup.
      setImmediate(() =>
        enqueue(conn, async () => {
          conn.closed = true
          await onDisconnect(socket, conn, reason)
          connections.delete(socket.id)
          void limiter.delete(socket.id)
        }),
      )
    })
  })

  function enqueue(conn: Connection, task: () => Promise<void> | void): void {
    conn.pending++
    conn.chain = conn.chain
      .then(task)
      .catch((err: unknown) => conn.log.error({ err }, 'event handler failed'))
      .finally(() => conn.pending--)
  }

  function drop(socket: IoSocket, conn: Connection, reason: string): void {
    conn.drops++
    if (conn.drops <= LOGGED_DROPS) conn.log.warn({ reason: reason.slice(0, 300) }, 'event dropped')
    else conn.unlogged++
    if (conn.drops === MAX_DROPS && socket.connected) {
      conn.log.warn({ drops: conn.drops }, 'too many invalid events, disconnecting')
      socket.disconnect(true)
    }
  }

  // Events received before a disconnect are still handled (a `leave` sent as the tab closes counts); the queued
  // disconnect handler runs after them.
  async function handle(socket: IoSocket, conn: Connection, packet: unknown[]): Promise<void> {
    if (conn.closed) return
    try {
      await limiter.consume(socket.id)
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res
      drop(socket, conn, 'rate limit exceeded')
      if (res.consumedPoints >= config.rateLimitEvents * HARD_RATE_FACTOR && socket.connected) {
        conn.log.warn({ consumed: res.consumedPoints }, 'rate limit ignored, disconnecting')
        socket.disconnect(true)
      }
      return
    }
    const [event, ...args] = packet
    switch (event) {
      case 'join': {
        const parsed = ClientEventArgs.join.safeParse(args)
        if (!parsed.success) return drop(socket, conn, `invalid join: ${summarize(parsed.error)}`)
        return join(socket, conn, ...parsed.data)
      }
      case 'leave': {
        const parsed = ClientEventArgs.leave.safeParse(args)
        if (!parsed.success) return drop(socket, conn, `invalid leave: ${summarize(parsed.error)}`)
        return leave(socket, conn, ...parsed.data)
      }
      case 'message': {
        const parsed = ClientEventArgs.message.safeParse(args)
        if (!parsed.success) return drop(socket, conn, `invalid message: ${summarize(parsed.error)}`)
        return relay(socket, conn, ...parsed.data)
      }
      default:
        return drop(socket, conn, `unknown event ${JSON.stringify(String(event).slice(0, 40))}`)
    }
  }

  // --- handlers --------------------------------------------------------------------------------------------
  async function join(socket: IoSocket, conn: Connection, room: RoomId, options: JoinOptions = {}): Promise<void> {
    const { peerId, instance } = socket.data
    if (socket.data.room !== undefined && socket.data.room !== room) await leaveCurrent(socket, 'left')
    const result = await store.claim({ room, id: peerId, socketId: socket.id, name: options.name, instance, leaseMs: config.leaseMs })
    for (const id of result.expired) io.to(roomKey(room)).emit('bye', room, id, { reason: 'timeout' })
    if (result.status === 'full') {
      conn.log.info({ room }, 'room full')
      socket.emit('full', room)
      return
    }
    const { previous } = result
    if (previous && previous.socketId !== socket.id) evict(previous.socketId, room, peerId)
    socket.data.room = room
    socket.data.name = options.name
    // Disconnected while the claim was in flight: the queued disconnect handler detaches the slot.
    if (!socket.connected) return
    attached.set(socket.id, { room, id: peerId, socketId: socket.id })
    socket.join(roomKey(room))
    const ice = iceServersFor(config, peerId)
    socket.emit('joined', room, peerId, {
      peers: result.peers,
      iceServers: ice.iceServers,
      iceServersExpireAt: ice.expiresAt,
      resumed: previous !== null,
    })
    if (previous?.socketId !== socket.id) {
      const info = { instance, resumed: previous !== null, ...(options.name === undefined ? {} : { name: options.name }) }
      socket.to(roomKey(room)).emit('otherjoin', room, peerId, info)
    }
    conn.log.info({ room, resumed: previous !== null, peers: result.peers.length }, 'joined')
  }

  async function leave(socket: IoSocket, conn: Connection, room: RoomId): Promise<void> {
    if (socket.data.room !== room) return drop(socket, conn, 'leave: not in this room')
    await leaveCurrent(socket, 'left')
    conn.log.info({ room }, 'left')
  }

  async function leaveCurrent(socket: IoSocket, reason: LeaveReason): Promise<void> {
    const room = socket.data.room
    if (room === undefined) return
    const { peerId } = socket.data
    socket.data.room = undefined
    attached.delete(socket.id)
    socket.leave(roomKey(room))
    const removed = await store.release({ room, id: peerId, socketId: socket.id })
    socket.emit('leaved', room, peerId, { reason })
    if (removed) io.to(roomKey(room)).emit('bye', room, peerId, { reason })
  }

  function relay(socket: IoSocket, conn: Connection, room: RoomId, data: SignalData): void {
    if (socket.data.room !== room) return drop(socket, conn, 'message: not a member of this room')
    // `to` excludes the sender, and only members are in the room: the one other peer gets it.
    socket.to(roomKey(room)).emit('message', room, data, socket.data.peerId)
  }

  async function onDisconnect(socket: IoSocket, conn: Connection, reason: string): Promise<void> {
    if (conn.unlogged > 0) conn.log.warn({ count: conn.unlogged }, 'more events dropped (not logged one by one)')
    conn.log.debug({ reason }, 'disconnected')
    const room = socket.data.room
    if (room === undefined) return
    socket.data.room = undefined
    attached.delete(socket.id)
    const ref = { room, id: socket.data.peerId, socketId: socket.id }
    // Keep the slot for a while: a reload or a network blip comes back as the same peer and resumes.
    if (await store.detach(ref, config.peerGraceMs)) scheduleReap(ref, config.peerGraceMs)
  }

  function scheduleReap(ref: MemberRef, delayMs: number): void {
    if (closing) return
    const timer = setTimeout(() => {
      reapTimers.delete(timer)
      store
        .reap(ref)
        .then((r) => {
          if (r.status === 'removed') {
            log.info({ room: ref.room, peer: ref.id }, 'peer did not come back')
            io.to(roomKey(ref.room)).emit('bye', ref.room, ref.id, { reason: 'timeout' })
          } else if (r.status === 'pending') scheduleReap(ref, r.retryInMs)
        })
        .catch((err: unknown) => log.error({ err, room: ref.room }, 'reap failed'))
    }, delayMs + 10)
    reapTimers.add(timer)
  }

  /** The slot moved to another connection of the same peer: drop the old one, wherever it is. */
  function evict(socketId: string, room: RoomId, id: PeerId): void {
    const local = io.sockets.sockets.get(socketId)
    if (local) evictLocal(local, room, id)
    else if (redis) io.serverSideEmit('evict', socketId, room, id)
  }

  function evictLocal(socket: IoSocket, room: RoomId, id: PeerId): void {
    const conn = connections.get(socket.id)
    if (!conn) return
    enqueue(conn, () => {
      if (socket.data.room !== room || socket.data.peerId !== id) return
      socket.data.room = undefined
      attached.delete(socket.id)
      socket.leave(roomKey(room))
      conn.log.info({ room }, 'replaced by a newer connection of the same peer')
      socket.emit('leaved', room, id, { reason: 'replaced' })
      socket.disconnect(true)
    })
  }

  io.on('evict', (socketId, room, id) => {
    const local = io.sockets.sockets.get(socketId)
    if (local) evictLocal(local, room, id)
  })

  // --- leases ----------------------------------------------------------------------------------------------
  const renewTimer = setInterval(() => {
    const refs = [...attached.values()]
    if (refs.length === 0) return
    store
      .renew(refs, config.leaseMs)
      .then((ok) => refs.forEach((ref, i) => ok[i] || onLost(ref)))
      .catch((err: unknown) => log.error({ err }, 'lease renewal failed'))
  }, Math.max(250, Math.floor(config.leaseMs / 3)))
  renewTimer.unref()

  /** The store no longer lists a connected member (its lease ran out while this process stalled, say). */
  function onLost(ref: MemberRef): void {
    const socket = io.sockets.sockets.get(ref.socketId)
    const conn = socket && connections.get(socket.id)
    if (!socket || !conn) return
    enqueue(conn, () => {
      if (socket.data.room !== ref.room) return
      socket.data.room = undefined
      attached.delete(socket.id)
      socket.leave(roomKey(ref.room))
      conn.log.warn({ room: ref.room }, 'membership lost')
      socket.emit('leaved', ref.room, ref.id, { reason: 'expired' })
    })
  }

  log.info(
    {
      store: redis ? 'redis' : 'memory',
      origins: config.allowedOrigins ?? 'same-origin+loopback',
      stun: config.stunUrls.length,
      turn: config.turn ? config.turn.urls.length : 0,
    },
    'signaling ready',
  )

  return {
    io,
    store,
    stats: () => ({ connections: connections.size, members: attached.size, awaitingReap: reapTimers.size }),
    async close() {
      closing = true
      clearInterval(renewTimer)
      for (const t of reapTimers) clearTimeout(t)
      reapTimers.clear()
      // Local sockets only: with Redis, io.disconnectSockets would reach every process.
      io.local.disconnectSockets(true)
      // Disconnect cleanups are queued on the next turn (see 'disconnect' above); let them land, then wait for
      // them, so that seats are detached (kept for the grace period) before the store goes away.
      await new Promise((resolve) => setImmediate(resolve))
      await Promise.allSettled([...connections.values()].map((c) => c.chain))
      await new Promise<void>((resolve) => io.close(() => resolve()))
      await store.close()
      await redis?.close()
    },
  }
}

function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`)
    .join('; ')
}
