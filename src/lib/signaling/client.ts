/**
 * A typed socket.io client for the signaling server, plus the ids a call needs. No Vue here: the Call composable
 * wraps this, and Node tests and the benchmark use it as it is.
 */
import { io, type Socket } from 'socket.io-client'
import {
  PeerKey,
  type ProtocolVersion,
  type ClientToServerEvents,
  type InstanceId,
  type JoinOptions,
  type PeerId,
  type RoomId,
  type ServerToClientEvents,
} from './schema.ts'

export type SignalingSocket = Socket<ServerToClientEvents, ClientToServerEvents>

/**
 * The protocol version the app's call page speaks: 2, group calls of up to four (a full mesh, one peer connection
 * per other person; see docs/signaling.md). It still calls a version 1 client one-to-one.
 */
export const APP_PROTOCOL_VERSION: ProtocolVersion = 2

/** What a caller chooses about a join; `joinOptions` adds the protocol version unless `v` is given. */
export type JoinRequest = Omit<JoinOptions, 'v'> & { v?: ProtocolVersion }

/** The `join` options on the wire: the protocol version (the app's unless given) plus the caller's choices. */
export function joinOptions(request: JoinRequest = {}): JoinOptions {
  return { ...request, v: request.v ?? APP_PROTOCOL_VERSION }
}

export interface SignalingClientOptions {
  /**
   * Signaling endpoint (origin), e.g. `import.meta.env.VITE_SIGNALING_URL`.
   * @default the page's own origin
   */
  url?: string
  /** This tab's secret; keep it for the tab's lifetime (see `getOrCreatePeerKey`) so a reload resumes the call. */
  peerKey: PeerKey
  /** New for each page load (see `createInstanceId`). */
  instance: InstanceId
  /** @default true */
  autoConnect?: boolean
  /** Longest wait between reconnection attempts, in ms. @default 5000 */
  reconnectionDelayMax?: number
}

/**
 * Opens (unless `autoConnect: false`) a socket to the signaling server.
 * WebSocket only: the server does not offer HTTP long-polling, which is what lets several server processes behind
 * a load balancer share rooms without sticky sessions.
 */
export function createSignalingClient(options: SignalingClientOptions): SignalingSocket {
  const socketOptions = {
    transports: ['websocket'],
    auth: { peerKey: options.peerKey, instance: options.instance },
    autoConnect: options.autoConnect ?? true,
    reconnectionDelay: 500,
    reconnectionDelayMax: options.reconnectionDelayMax ?? 5000,
  }
  return options.url ? io(options.url, socketOptions) : io(socketOptions)
}

/**
 * Joins `room` now (if connected) and again after every reconnection: membership belongs to a connection, and the
 * server keeps the slot for a grace period so the same peer gets it back. Returns a function that leaves the room
 * and stops rejoining.
 */
export function joinRoom(socket: SignalingSocket, room: RoomId, request: JoinRequest = {}): () => void {
  const join = () => socket.emit('join', room, joinOptions(request))
  socket.on('connect', join)
  if (socket.connected) join()
  return () => {
    socket.off('connect', join)
    if (socket.connected) socket.emit('leave', room)
  }
}

/**
 * Perfect negotiation needs exactly one polite peer; both sides compute the same answer from the two public ids,
 * and it stays the same across reloads because ids are derived from the tab's peer key. The polite peer is the one
 * whose id sorts first (plain code-unit comparison, as JavaScript's `<` on strings does).
 */
export function isPolite(myId: PeerId, otherId: PeerId): boolean {
  return myId < otherId
}

/** URL-safe random string of `bytes` random bytes (22 characters for 16 bytes). */
export function randomId(bytes = 16): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes))
  let binary = ''
  for (const b of raw) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** A new unguessable room id (128 random bits), for "new call" links. */
export const createRoomId = (): RoomId => randomId(16)
export const createInstanceId = (): InstanceId => randomId(12)
export const createPeerKey = (): PeerKey => randomId(24)

/** Name of the sessionStorage entry holding this tab's peer key. */
export const PEER_KEY_STORAGE_KEY = 'media-studio:signaling-peer-key'

/**
 * The tab's peer key: sessionStorage survives a reload but not a new tab, which is exactly "the same peer".
 * Note that browsers copy sessionStorage into a duplicated tab; the server then hands the slot to the newest
 * connection and tells the older one `leaved(..., { reason: 'replaced' })`.
 */
export function getOrCreatePeerKey(storage: Pick<Storage, 'getItem' | 'setItem'>): PeerKey {
  const existing = storage.getItem(PEER_KEY_STORAGE_KEY)
  if (existing && PeerKey.safeParse(existing).success) return existing
  const key = createPeerKey()
  storage.setItem(PEER_KEY_STORAGE_KEY, key)
  return key
}
