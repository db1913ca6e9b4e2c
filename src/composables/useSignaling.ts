/**
 * The signaling connection of a call page: one socket.io socket (WebSocket only) with the tab's peer key, its
 * status for the UI, and room membership that survives reconnections. socket.io reconnects by itself with
 * exponential backoff (0.5 s up to 5 s, randomized); every reconnection joins the room again, and the server gives
 * the same peer its seat back (`resumed`). The socket is closed when the caller's scope is disposed.
 */
import { onScopeDispose, ref, shallowRef, type Ref, type ShallowRef } from 'vue'
import {
  createInstanceId,
  createSignalingClient,
  getOrCreatePeerKey,
  joinOptions as withVersion,
  type JoinRequest,
  type SignalingSocket,
} from '@/lib/signaling/client'
import type { InstanceId, RoomId, ServerToClientEvents } from '@/lib/signaling/schema'

/**
 * - `connecting`: first connection under way;
 * - `connected`;
 * - `reconnecting`: the connection dropped (or the first one failed) and socket.io is retrying;
 * - `unreachable`: still retrying, but nothing for `unreachableAfterMs`: time to tell the user;
 * - `closed`: closed on purpose (left the call, or another tab took this seat over).
 */
export type SignalingStatus = 'connecting' | 'connected' | 'reconnecting' | 'unreachable' | 'closed'

export interface UseSignalingOptions {
  /** Signaling origin. @default import.meta.env.VITE_SIGNALING_URL, else this page's origin */
  url?: string
  /** Where the tab's peer key lives (a reload must find it again). @default sessionStorage */
  storage?: Pick<Storage, 'getItem' | 'setItem'>
  /** This page load's instance id. @default a new random one */
  instance?: InstanceId
  /** How long without a connection before the status says `unreachable`. @default 4000 */
  unreachableAfterMs?: number
}

type Listener<E extends keyof ServerToClientEvents> = ServerToClientEvents[E]

export interface UseSignalingReturn {
  socket: ShallowRef<SignalingSocket>
  status: Ref<SignalingStatus>
  /** The last connection error, for the troubleshooting text ("xhr poll error", "invalid auth", …). */
  lastError: Ref<string | null>
  instance: InstanceId
  /** The room joined (and re-joined after every reconnection), or null. */
  room: Ref<RoomId | null>
  /** Joins `room` now (connecting first if the socket was closed), and again on every reconnection. */
  join(room: RoomId, options?: JoinRequest): void
  /** Sends `join` again for the current room (the server answers `joined`). */
  rejoin(): void
  /** Leaves the room (frees the seat at once) and stops re-joining. */
  leave(): void
  /** Stops re-joining without telling the server (the room refused us: `full`, `replaced`). */
  forget(): void
  /** Closes the socket for good. */
  close(): void
  /** Subscribes to a server event for the lifetime of the caller's scope; returns an unsubscribe function. */
  on<E extends keyof ServerToClientEvents>(event: E, listener: Listener<E>): () => void
}

export function useSignaling(options: UseSignalingOptions = {}): UseSignalingReturn {
  const instance = options.instance ?? createInstanceId()
  const storage = options.storage ?? sessionStorage
  const url = options.url ?? (import.meta.env.VITE_SIGNALING_URL || undefined)
  const unreachableAfter = options.unreachableAfterMs ?? 4000
  const socket = shallowRef(createSignalingClient({ url, peerKey: getOrCreatePeerKey(storage), instance }))
  const status = ref<SignalingStatus>('connecting')
  const lastError = ref<string | null>(null)
  const room = ref<RoomId | null>(null)
  let joinOptions: JoinRequest = {}
  let unreachableTimer: ReturnType<typeof setTimeout> | undefined
  const off: Array<() => void> = []

  function armUnreachable() {
    if (unreachableTimer !== undefined) return
    unreachableTimer = setTimeout(() => {
      unreachableTimer = undefined
      if (status.value === 'reconnecting' || status.value === 'connecting') status.value = 'unreachable'
    }, unreachableAfter)
  }
  function disarmUnreachable() {
    clearTimeout(unreachableTimer)
    unreachableTimer = undefined
  }

  const s = socket.value
  const emitJoin = () => {
    if (room.value && s.connected) s.emit('join', room.value, withVersion(joinOptions))
  }
  s.on('connect', () => {
    disarmUnreachable()
    status.value = 'connected'
    lastError.value = null
    emitJoin()
  })
  s.on('connect_error', (err) => {
    lastError.value = err.message
    // socket.io keeps retrying unless the server refused the handshake itself (err.data is set by the server).
    if (status.value !== 'unreachable') status.value = status.value === 'connecting' ? 'connecting' : 'reconnecting'
    armUnreachable()
  })
  s.on('disconnect', (reason) => {
    if (reason === 'io client disconnect') {
      status.value = 'closed'
      disarmUnreachable()
      return
    }
    // The server closed this connection on purpose. socket.io does not retry those: after we gave the room up
    // (another tab took our seat over) that is right; otherwise (rate limit, say) the call must go on, so retry.
    if (reason === 'io server disconnect' && !room.value) {
      status.value = 'closed'
      disarmUnreachable()
      return
    }
    status.value = 'reconnecting'
    armUnreachable()
    if (reason === 'io server disconnect') setTimeout(() => room.value && !s.connected && s.connect(), 1000)
  })
  armUnreachable()

  onScopeDispose(() => {
    disarmUnreachable()
    for (const remove of off.splice(0)) remove()
    const r = room.value
    room.value = null
    // Leaving the page through the app (another route) frees the seat at once; a reload never gets here.
    if (r && s.connected) s.emit('leave', r)
    s.disconnect()
  })

  return {
    socket,
    status,
    lastError,
    instance,
    room,
    join(r, o = {}) {
      room.value = r
      joinOptions = o
      if (s.connected) emitJoin()
      else {
        if (status.value === 'closed') status.value = 'connecting'
        // Joins on `connect`; harmless while socket.io is already reconnecting.
        s.connect()
      }
    },
    rejoin: emitJoin,
    leave() {
      const r = room.value
      room.value = null
      if (r && s.connected) s.emit('leave', r)
    },
    forget() {
      room.value = null
    },
    close() {
      room.value = null
      s.disconnect()
    },
    on(event, listener) {
      // socket.io's typed `on` cannot take a generic event name; the listener type is checked by our signature.
      const target = s as unknown as { on(e: string, l: unknown): void; off(e: string, l: unknown): void }
      target.on(event, listener)
      const remove = () => target.off(event, listener)
      off.push(remove)
      return remove
    },
  }
}
