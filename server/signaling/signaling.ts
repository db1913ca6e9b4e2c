/**
 * The signaling server: socket.io with rooms of two (protocol v1) or up to four (v2, a full mesh), attached to any Node HTTP(S) server (the production
 * server in server/index.ts, or Vite's dev server through server/vitePlugin.ts).
 *
 * Every incoming event goes through one per-connection queue: rate limit, then schema validation, then the
 * handler. The queue keeps a connection's events in order (an offer is relayed before its candidates, a `join`
 * completes before the `message` sent after it) even when the room store is remote (Redis). Every refused event is
 * answered with an `error` event (code and message), and counted in the event log rather than logged one by one.
 *
 * Memory stays bounded whatever clients do: events queue at most MAX_PENDING deep per connection, frames are capped
 * at MAX_PAYLOAD_BYTES, and a reader whose queued output passes `maxQueuedBytes` is cut off.
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
  PROTOCOL_VERSIONS,
  roomCapacity,
  type ClientToServerEvents,
  type InstanceId,
  type ErrorCode,
  type JoinOptions,
  type LeaveReason,
  type PeerId,
  type ProtocolVersion,
  type RoomId,
  type ServerToClientEvents,
  type SignalData,
} from '../../src/lib/signaling/schema.ts'
import type { SignalingConfig } from '../config.ts'
import { createEventLog, type EventLog } from '../logSummary.ts'
import { iceServersFor, type IceServerList } from './iceServers.ts'
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
  /** The protocol version of the last `join` (1: one-to-one, 2: group). */
  version: ProtocolVersion
}

type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>
type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>

/** Per-connection bookkeeping that never leaves this process. */
interface Connection {
  chain: Promise<void>
  /** The disconnect cleanup ran; anything still arriving is ignored. */
  closed: boolean
  /** Disconnected for abuse: what it still has queued is dropped unhandled. */
  abusive: boolean
  pending: number
  /** Refusals that were the client's fault (invalid, version, rate limit, not in room). */
  faults: number
  /** `error` replies sent in the current window, and when it started. */
  errorReplies: number
  errorWindowStart: number
  /** Renews the TURN credentials of a seated peer. */
  turnTimer: NodeJS.Timeout | undefined
  ip: string
  log: Logger
}

/** Events waiting in one connection's queue beyond which new ones are refused (the rate limit bounds it too). */
const MAX_PENDING = 32
/** Events waiting beyond which the client is flooding: it is disconnected without handling any more of them. */
const FLOOD_PENDING = 64
/** A client that sent this many refused events is broken or hostile: disconnect it. */
const MAX_FAULTS = 50
/** Consumed points, as a multiple of the limit, at which a client that ignores rate limiting is disconnected. */
const HARD_RATE_FACTOR = 2
/** `error` replies per connection per rate-limit window; a client flooding with bad events gets no more than this. */
const MAX_ERROR_REPLIES = 20
/** What an `unavailable` error suggests waiting before a retry. */
const RETRY_MS = 2000
/** How often every local socket's queued output is checked (relays check their recipient at once as well). */
const SWEEP_MS = 500

/** Refusals that count against the client (a room being full or Redis being down is nobody's fault). */
const FAULTS = new Set<ErrorCode>(['invalid', 'version', 'rate-limited', 'not-in-room'])

export interface SignalingStats {
  /** Open connections on this process. */
  connections: number
  /** Connections that are members of a room. */
  members: number
  /** Disconnected members waiting for their grace period to end. */
  awaitingReap: number
  /** Peers holding TURN credentials minted by this process that have not expired. */
  turnCredentials: number
}

export interface Signaling {
  io: IoServer
  store: RoomStore
  /** Counted refusals and errors (also logged as periodic summaries). */
  events: EventLog
  /** Cheap counters for health checks and leak tests. */
  stats(): SignalingStats
  close(): Promise<void>
}

export interface SignalingOptions {
  config: SignalingConfig
  log: Logger
  /** Room store override (tests); by default Redis when `config.redisUrl` is set, else in memory. */
  store?: RoomStore
  /** Shared with the HTTP server's refusals, so one summary line covers both. @default a new one */
  events?: EventLog
  /** A connection from this address was closed for abuse (the HTTP server may block the address for a while). */
  onAbuse?: (ip: string) => void
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
/** One member's own socket.io room, for messages addressed `to` it (works across processes through the adapter). */
const memberKey = (room: RoomId, id: PeerId) => `room:${room}:${id}`

interface EngineInternals {
  writeBuffer?: Array<{ data?: unknown; options?: { wsPreEncodedFrame?: unknown } }>
  transport?: { socket?: { bufferedAmount?: number; terminate?: () => void } }
}

const size = (d: unknown) => (typeof d === 'string' ? d.length : d instanceof Uint8Array || d instanceof ArrayBuffer ? d.byteLength : 0)

/**
 * Bytes held for `socket` that the network has not taken yet: engine.io's write buffer (a broadcast packet holds its
 * text and its ready-made WebSocket frame) plus what the WebSocket has queued.
 */
export function queuedBytes(socket: Socket): number {
  const conn = socket.conn as unknown as EngineInternals
  let n = conn.transport?.socket?.bufferedAmount ?? 0
  for (const packet of conn.writeBuffer ?? []) n += size(packet.data) + size(packet.options?.wsPreEncodedFrame)
  return n
}

export async function attachSignaling(httpServer: HttpServer | HttpsServer | Http2SecureServer, options: SignalingOptions): Promise<Signaling> {
  const { config, log } = options
  const events = options.events ?? createEventLog(log, config.logSummaryS * 1000)
  const ownEvents = !options.events
  let redis: RedisConnection | undefined
  if (config.redisUrl && !options.store) {
    redis = await connectRedis(config.redisUrl, log, {
      onError: (role, err) => events.note('redis error', { role, err }, 'error'),
      onReady: () => {},
    })
  }
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
      events.note('connection rejected', { reason, ip: req.socket.remoteAddress, origin: req.headers.origin }),
    ),
    destroyUpgrade: !options.shareUpgrades,
    ...(redis ? { adapter: redis.adapter } : {}),
  })

  const limiter = new RateLimiterMemory({ points: config.rateLimitEvents, duration: config.rateLimitWindowS })
  const turn = config.turn
  const mintLimiter = turn ? new RateLimiterMemory({ points: turn.mintsPerIp, duration: turn.mintWindowS }) : undefined
  /** The live TURN credentials of each peer, reused on reconnects and re-joins so they do not count again. */
  const minted = new Map<PeerId, IceServerList>()
  const connections = new Map<string, Connection>()
  /** Members whose socket is connected to this process; their leases are renewed here. */
  const attached = new Map<string, MemberRef>()
  const reapTimers = new Set<NodeJS.Timeout>()
  let closing = false

  // --- handshake -------------------------------------------------------------------------------------------
  io.use((socket, next) => {
    const auth = HandshakeAuth.safeParse(socket.handshake.auth)
    if (!auth.success) {
      events.note('handshake rejected', { ip: socket.handshake.address, reason: summarize(auth.error) })
      return next(new Error('invalid auth'))
    }
    socket.data.peerId = peerIdFromKey(auth.data.peerKey)
    socket.data.instance = auth.data.instance
    socket.data.room = undefined
    socket.data.name = undefined
    socket.data.version = 1
    next()
  })

  io.on('connection', (socket) => {
    const conn: Connection = {
      chain: Promise.resolve(),
      closed: false,
      abusive: false,
      pending: 0,
      faults: 0,
      errorReplies: 0,
      errorWindowStart: Date.now(),
      turnTimer: undefined,
      ip: socket.handshake.address,
      log: log.child({ sid: socket.id, peer: socket.data.peerId }),
    }
    connections.set(socket.id, conn)
    conn.log.debug({ ip: conn.ip }, 'connected')
    // Every event goes through our own queue; nothing is registered with socket.on, so `next` is never called.
    socket.use((packet) => {
      if (conn.closed || conn.abusive) return
      if (conn.pending >= FLOOD_PENDING) return disconnectAbusive(socket, conn, 'disconnected: flooding')
      if (conn.pending >= MAX_PENDING) return refuse(socket, conn, 'rate-limited', 'Too many events at once; slow down.', eventName(packet[0]))
      enqueue(conn, () => handle(socket, conn, packet))
    })
    socket.on('disconnect', (reason) => {
      stopTurnRenewal(conn)
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
      .catch((err: unknown) => events.note('event handler failed', { err, sid: conn.log.bindings().sid }, 'error'))
      .finally(() => conn.pending--)
  }

  /**
   * Refuses an event: tells the client why (`error`), counts it, and disconnects a client whose refusals are its own
   * fault once there are MAX_FAULTS of them.
   */
  function refuse(
    socket: IoSocket,
    conn: Connection,
    code: ErrorCode,
    message: string,
    event: string,
    extra: { room?: RoomId; retryInMs?: number; detail?: string } = {},
  ): void {
    events.note(`refused: ${code}`, { sid: socket.id, peer: socket.data.peerId, ip: conn.ip, event, reason: (extra.detail ?? message).slice(0, 300) })
    const now = Date.now()
    if (now - conn.errorWindowStart > config.rateLimitWindowS * 1000) {
      conn.errorWindowStart = now
      conn.errorReplies = 0
    }
    if (conn.errorReplies++ < MAX_ERROR_REPLIES && socket.connected) {
      const { detail: _detail, ...rest } = extra
      socket.emit('error', { code, message, event, ...rest })
    }
    if (!FAULTS.has(code)) return
    conn.faults++
    if (conn.faults === MAX_FAULTS) disconnectAbusive(socket, conn, 'disconnected: too many refused events')
  }

  /** Closes an abusive connection at once (nothing more it sent is handled) and reports its address. */
  function disconnectAbusive(socket: IoSocket, conn: Connection, kind: string): void {
    if (!socket.connected) return
    conn.abusive = true
    events.note(kind, { sid: socket.id, ip: conn.ip })
    options.onAbuse?.(conn.ip)
    socket.disconnect(true)
  }

  // Events received before a disconnect are still handled (a `leave` sent as the tab closes counts); the queued
  // disconnect handler runs after them.
  async function handle(socket: IoSocket, conn: Connection, packet: unknown[]): Promise<void> {
    if (conn.closed || conn.abusive) return
    const [rawEvent, ...args] = packet
    const event = eventName(rawEvent)
    try {
      await limiter.consume(socket.id)
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res
      refuse(socket, conn, 'rate-limited', `Too many events: at most ${config.rateLimitEvents} per ${config.rateLimitWindowS} s. Slow down.`, event)
      if (res.consumedPoints >= config.rateLimitEvents * HARD_RATE_FACTOR) disconnectAbusive(socket, conn, 'disconnected: rate limit ignored')
      return
    }
    try {
      switch (rawEvent) {
        case 'join': {
          const v = (args[1] as { v?: unknown } | undefined)?.v
          if (!(PROTOCOL_VERSIONS as readonly unknown[]).includes(v)) {
            const said = v === undefined ? 'no version' : `version ${JSON.stringify(v).slice(0, 20)}`
            return refuse(
              socket,
              conn,
              'version',
              `This server speaks signaling protocol ${PROTOCOL_VERSIONS.join(' or ')}, the join gave ${said}. Reload the page (or update the client).`,
              event,
            )
          }
          const parsed = ClientEventArgs.join.safeParse(args)
          if (!parsed.success) return invalid(socket, conn, event, parsed.error)
          return await join(socket, conn, ...parsed.data)
        }
        case 'leave': {
          const parsed = ClientEventArgs.leave.safeParse(args)
          if (!parsed.success) return invalid(socket, conn, event, parsed.error)
          return await leave(socket, conn, ...parsed.data)
        }
        case 'message': {
          const parsed = ClientEventArgs.message.safeParse(args)
          if (!parsed.success) return invalid(socket, conn, event, parsed.error)
          const [room, data, to] = parsed.data
          if (to === undefined && socket.data.version !== 1) {
            const message = 'Invalid message: name its recipient (message(room, data, to), protocol version 2).'
            return refuse(socket, conn, 'invalid', message, event, { detail: 'invalid message: no `to` (v2)' })
          }
          if (to === socket.data.peerId) return refuse(socket, conn, 'invalid', 'Invalid message: it is addressed to yourself.', event)
          return relay(socket, conn, room, data, to)
        }
        default:
          return refuse(socket, conn, 'invalid', `Unknown event ${JSON.stringify(event)}: the events are join, leave and message.`, event)
      }
    } catch (err) {
      // The room store failed (Redis away): nothing was changed, the client may try again.
      events.note('event failed', { sid: socket.id, event, err }, 'error')
      refuse(socket, conn, 'unavailable', 'The server could not do this just now (its shared storage is unreachable). Retrying shortly.', event, {
        retryInMs: RETRY_MS,
      })
    }
  }

  function invalid(socket: IoSocket, conn: Connection, event: string, error: z.ZodError): void {
    const detail = summarize(error)
    refuse(socket, conn, 'invalid', `Invalid ${event}: ${detail}`, event, { detail: `invalid ${event}: ${detail}` })
  }

  // --- TURN credentials --------------------------------------------------------------------------------------
  /** ICE servers for a seated peer: the live TURN credentials it holds, or new ones if its address may mint more. */
  async function iceFor(socket: IoSocket, conn: Connection, room: RoomId, renewing: boolean): Promise<IceServerList> {
    const { peerId } = socket.data
    if (!turn || !mintLimiter) return iceServersFor(config, peerId)
    const now = Date.now()
    const held = minted.get(peerId)
    if (!renewing && held && held.expiresAt! - now > (turn.ttlSeconds * 1000) / 2) return held
    if (!renewing) {
      try {
        await mintLimiter.consume(conn.ip)
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res
        refuse(
          socket,
          conn,
          'turn-limit',
          'No relay (TURN) credentials this time: too many were requested from your network address. Direct connections still work; try again later.',
          'join',
          { room },
        )
        return iceServersFor({ stunUrls: config.stunUrls, turn: undefined }, peerId)
      }
    }
    const list = iceServersFor(config, peerId, now)
    minted.set(peerId, list)
    return list
  }

  /** Sends fresh credentials at 80 % of the current ones' lifetime, for as long as the socket stays seated in `room`. */
  function scheduleTurnRenewal(socket: IoSocket, conn: Connection, room: RoomId, expiresAt: number | null): void {
    stopTurnRenewal(conn)
    if (!turn || expiresAt === null) return
    const inMs = Math.max(1000, expiresAt - Date.now() - turn.ttlSeconds * 200)
    conn.turnTimer = setTimeout(() => {
      conn.turnTimer = undefined
      enqueue(conn, async () => {
        if (conn.closed || !socket.connected || socket.data.room !== room) return
        const list = await iceFor(socket, conn, room, true)
        socket.emit('iceservers', room, { iceServers: list.iceServers, iceServersExpireAt: list.expiresAt })
        scheduleTurnRenewal(socket, conn, room, list.expiresAt)
      })
    }, inMs)
    conn.turnTimer.unref()
  }

  function stopTurnRenewal(conn: Connection): void {
    clearTimeout(conn.turnTimer)
    conn.turnTimer = undefined
  }

  // --- handlers --------------------------------------------------------------------------------------------
  async function join(socket: IoSocket, conn: Connection, room: RoomId, options: JoinOptions): Promise<void> {
    const { peerId, instance } = socket.data
    if (socket.data.room !== undefined && socket.data.room !== room) await leaveCurrent(socket, conn, 'left')
    const result = await store.claim({
      room,
      id: peerId,
      socketId: socket.id,
      name: options.name,
      instance,
      leaseMs: config.leaseMs,
      capacity: roomCapacity(options.v),
    })
    for (const id of result.expired) io.to(roomKey(room)).emit('bye', room, id, { reason: 'timeout' })
    if (result.status === 'full') {
      socket.emit('full', room)
      const why =
        result.capacity < roomCapacity(options.v)
          ? `This call is one-to-one (someone in it uses an app that only does one-to-one calls) and already has ${result.capacity} people.`
          : `This call already has ${result.capacity} people.`
      refuse(socket, conn, 'full', why, 'join', { room })
      return
    }
    const { previous } = result
    if (previous && previous.socketId !== socket.id) evict(previous.socketId, room, peerId)
    socket.data.room = room
    socket.data.name = options.name
    socket.data.version = options.v
    // Disconnected while the claim was in flight: the queued disconnect handler detaches the slot.
    if (!socket.connected) return
    attached.set(socket.id, { room, id: peerId, socketId: socket.id })
    socket.join([roomKey(room), memberKey(room, peerId)])
    // Credentials only now that the socket holds a seat.
    const ice = await iceFor(socket, conn, room, false)
    if (!socket.connected || socket.data.room !== room) return
    socket.emit('joined', room, peerId, {
      peers: result.peers,
      iceServers: ice.iceServers,
      iceServersExpireAt: ice.expiresAt,
      resumed: previous !== null,
    })
    scheduleTurnRenewal(socket, conn, room, ice.expiresAt)
    if (previous?.socketId !== socket.id) {
      const info = { instance, resumed: previous !== null, ...(options.name === undefined ? {} : { name: options.name }) }
      socket.to(roomKey(room)).emit('otherjoin', room, peerId, info)
    }
    conn.log.debug({ room, resumed: previous !== null, peers: result.peers.length }, 'joined')
  }

  async function leave(socket: IoSocket, conn: Connection, room: RoomId): Promise<void> {
    if (socket.data.room !== room) return refuse(socket, conn, 'not-in-room', 'You are not in this room.', 'leave', { room })
    await leaveCurrent(socket, conn, 'left')
    conn.log.debug({ room }, 'left')
  }

  async function leaveCurrent(socket: IoSocket, conn: Connection, reason: LeaveReason): Promise<void> {
    const room = socket.data.room
    if (room === undefined) return
    const { peerId } = socket.data
    socket.data.room = undefined
    attached.delete(socket.id)
    stopTurnRenewal(conn)
    leaveRoomKeys(socket, room)
    const removed = await store.release({ room, id: peerId, socketId: socket.id })
    socket.emit('leaved', room, peerId, { reason })
    if (removed) io.to(roomKey(room)).emit('bye', room, peerId, { reason })
  }

  function leaveRoomKeys(socket: IoSocket, room: RoomId): void {
    socket.leave(roomKey(room))
    socket.leave(memberKey(room, socket.data.peerId))
  }

  /**
   * Relays `data` to the member `to` of `room` (its own socket.io room), or, from a version 1 client, to everyone
   * else in the room (which then holds at most one other person). A recipient that is not in the room, or is away,
   * does not get it: nothing is queued for later (a resumed peer re-sends what matters).
   */
  function relay(socket: IoSocket, conn: Connection, room: RoomId, data: SignalData, to: PeerId | undefined): void {
    if (socket.data.room !== room) {
      return refuse(socket, conn, 'not-in-room', 'Join the room before sending messages to it.', 'message', { room })
    }
    const key = to === undefined ? roomKey(room) : memberKey(room, to)
    let localRecipient = false
    for (const id of io.sockets.adapter.rooms.get(key) ?? []) {
      if (id === socket.id) continue
      localRecipient = true
      const other = io.sockets.sockets.get(id)
      if (other && queuedBytes(other) > config.maxQueuedBytes) return cutOff(other)
    }
    // `socket.to` excludes the sender, and only seated members are in these rooms.
    if (!redis || redis.ready()) {
      socket.to(key).emit('message', room, data, socket.data.peerId)
    } else if (localRecipient) {
      // Redis is away: the other member is on this process, so it can still be reached.
      socket.to(key).local.emit('message', room, data, socket.data.peerId)
    } else {
      refuse(
        socket,
        conn,
        'unavailable',
        'The person this message is for is connected to another server and the link between the servers is down: it was not delivered. Retrying shortly.',
        'message',
        { room, retryInMs: RETRY_MS },
      )
    }
  }

  /** A reader that stopped reading (or reads too slowly): drop its connection now, queued output and all. */
  function cutOff(socket: IoSocket): void {
    const conn = connections.get(socket.id)
    events.note('disconnected: reader too slow', { sid: socket.id, ip: conn?.ip, queued: queuedBytes(socket), cap: config.maxQueuedBytes })
    const ws = (socket.conn as unknown as EngineInternals).transport?.socket
    // A polite close would wait for the queue to drain, which is exactly what never happens.
    if (ws?.terminate) ws.terminate()
    else socket.disconnect(true)
  }

  const sweepTimer = setInterval(() => {
    for (const socket of io.sockets.sockets.values()) if (queuedBytes(socket) > config.maxQueuedBytes) cutOff(socket)
  }, SWEEP_MS)
  sweepTimer.unref()

  async function onDisconnect(socket: IoSocket, conn: Connection, reason: string): Promise<void> {
    stopTurnRenewal(conn)
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
            log.debug({ room: ref.room, peer: ref.id }, 'peer did not come back')
            io.to(roomKey(ref.room)).emit('bye', ref.room, ref.id, { reason: 'timeout' })
          } else if (r.status === 'pending') scheduleReap(ref, r.retryInMs)
        })
        .catch((err: unknown) => {
          // The store is away: try again later (the lease bounds how long the seat is held anyway).
          events.note('reap failed', { err, room: ref.room }, 'error')
          scheduleReap(ref, RETRY_MS)
        })
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
      stopTurnRenewal(conn)
      leaveRoomKeys(socket, room)
      conn.log.debug({ room }, 'replaced by a newer connection of the same peer')
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
    const now = Date.now()
    for (const [id, list] of minted) if (list.expiresAt !== null && list.expiresAt <= now) minted.delete(id)
    const refs = [...attached.values()]
    if (refs.length === 0) return
    store
      .renew(refs, config.leaseMs)
      .then((ok) => refs.forEach((ref, i) => ok[i] || onLost(ref)))
      .catch((err: unknown) => events.note('lease renewal failed', { err }, 'error'))
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
      stopTurnRenewal(conn)
      leaveRoomKeys(socket, ref.room)
      events.note('membership lost', { sid: socket.id, room: ref.room })
      socket.emit('leaved', ref.room, ref.id, { reason: 'expired' })
    })
  }

  log.info(
    {
      store: redis ? 'redis' : 'memory',
      origins: config.allowedOrigins ?? 'same-origin+loopback',
      stun: config.stunUrls.length,
      turn: config.turn ? config.turn.urls.length : 0,
      maxQueuedBytes: config.maxQueuedBytes,
    },
    'signaling ready',
  )

  return {
    io,
    store,
    events,
    stats: () => ({ connections: connections.size, members: attached.size, awaitingReap: reapTimers.size, turnCredentials: minted.size }),
    async close() {
      closing = true
      clearInterval(renewTimer)
      clearInterval(sweepTimer)
      for (const t of reapTimers) clearTimeout(t)
      reapTimers.clear()
      for (const c of connections.values()) stopTurnRenewal(c)
      // Local sockets only: with Redis, io.disconnectSockets would reach every process.
      io.local.disconnectSockets(true)
      // Disconnect cleanups are queued on the next turn (see 'disconnect' above); let them land, then wait for
      // them, so that seats are detached (kept for the grace period) before the store goes away.
      await new Promise((resolve) => setImmediate(resolve))
      await Promise.allSettled([...connections.values()].map((c) => c.chain))
      await new Promise<void>((resolve) => io.close(() => resolve()))
      await store.close()
      await redis?.close()
      if (ownEvents) events.close()
    },
  }
}

/** A client event's name for messages and logs (whatever the client sent as the name). */
function eventName(raw: unknown): string {
  return String(raw).slice(0, 40)
}

function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`)
    .join('; ')
}
