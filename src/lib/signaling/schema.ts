/**
 * The signaling protocol: one zod schema module shared by the server (which validates every incoming event
 * against it) and the browser client (which gets its types from it). Pure TypeScript, no DOM and no Node APIs,
 * so it type-checks and runs on both sides.
 *
 * client → server: `join(room, { v, name? })`, `leave(room)`, `message(room, data, to?)`
 * server → client: `joined(room, id, info)`, `otherjoin(room, id, info)`, `full(room)`, `leaved(room, id, info)`,
 *                  `bye(room, id, info)`, `message(room, data, from)`, `iceservers(room, info)`, `error(info)`
 * docs/signaling.md describes all of it for people writing another client.
 * The first two arguments are the design notes' protocol; the trailing object is this product's extension.
 */
import '../zodCsp.ts'
import { z } from 'zod'

/**
 * Protocol versions this schema describes, sent as `v` in every `join` (a server that speaks neither refuses the join
 * with an `error` of code `version`):
 * - 1: one-to-one. A room holds two people; `message(room, data)` goes to the other one.
 * - 2: group calls. A room holds up to four people in a full mesh; every `message(room, data, to)` names the peer it
 *   is for. A v1 member in a room keeps it at two people, so v1 and v2 clients can still call each other one-to-one.
 */
export const PROTOCOL_VERSIONS = [1, 2] as const
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number]
/** The newest version. */
export const PROTOCOL_VERSION = 2 satisfies ProtocolVersion

/** The most people in one room (a full mesh: every pair runs its own peer connection). */
export const MAX_ROOM_SIZE = 4

/** How many people a room may hold for a member that joined with version `v`. */
export function roomCapacity(v: ProtocolVersion): number {
  return v === 1 ? 2 : MAX_ROOM_SIZE
}

/**
 * Room ids must be unguessable, since knowing one is all it takes to join: 22 to 64 URL-safe characters, so at least
 * 128 random bits when made as `createRoomId` makes them (16 random bytes, base64url). Short hand-picked names are
 * refused: they can be guessed and the room squatted.
 */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{22,64}$/
export const RoomId = z
  .string()
  .regex(ROOM_ID_PATTERN, 'room id must be 22-64 characters of A-Z a-z 0-9 _ - (make one with 16 random bytes)')
export type RoomId = z.infer<typeof RoomId>

/**
 * The secret a browser tab holds (sessionStorage) to prove it is the same peer after a reload or a dropped
 * connection. It is only ever sent to the server in the handshake; others see the public `PeerId` derived from it.
 */
export const PeerKey = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/, 'peer key must be 22-64 URL-safe characters')
export type PeerKey = z.infer<typeof PeerKey>

/** Public peer id (derived by the server from the peer key); compare two of them to pick the polite peer. */
export const PeerId = z.string().regex(/^[A-Za-z0-9_-]{16}$/)
export type PeerId = z.infer<typeof PeerId>

/**
 * Random per page load (per RTCPeerConnection lifetime). A peer that comes back with the same instance only lost
 * its signaling connection; a new instance means it reloaded and its old peer connection is gone.
 */
export const InstanceId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'instance id must be 8-64 URL-safe characters')
export type InstanceId = z.infer<typeof InstanceId>

// C0/C1 controls and the bidi overrides that could make a name render as something else.
const UNSAFE_NAME_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/
export const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .refine((s) => !UNSAFE_NAME_CHARS.test(s), 'name must not contain control characters')
export type DisplayName = z.infer<typeof DisplayName>

/** Handshake `auth` of every connection (socket.io-client sends it again on each reconnection). */
export const HandshakeAuth = z.strictObject({ peerKey: PeerKey, instance: InstanceId })
export type HandshakeAuth = z.infer<typeof HandshakeAuth>

export const JoinOptions = z.strictObject({ v: z.union([z.literal(1), z.literal(2)]), name: DisplayName.optional() })
export type JoinOptions = z.infer<typeof JoinOptions>

/** Generous for real SDP (a Chromium offer with audio, video, simulcast and a data channel is ~10 KB). */
export const MAX_SDP_LENGTH = 48 * 1024
/** Engine-level cap on one incoming frame; bigger frames close the connection before any parsing. */
export const MAX_PAYLOAD_BYTES = 64 * 1024

/** An offer or an answer: what `RTCSessionDescription.toJSON()` gives (rollback never travels). */
export const SessionDescription = z.strictObject({
  type: z.enum(['offer', 'answer']),
  sdp: z.string().min(1).max(MAX_SDP_LENGTH),
})
export type SessionDescription = z.infer<typeof SessionDescription>

/** What `RTCIceCandidate.toJSON()` gives; `null` as the candidate marks the end of candidates. */
export const IceCandidate = z.strictObject({
  candidate: z.string().max(2048),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(1023).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
})
export type IceCandidate = z.infer<typeof IceCandidate>

export const SignalData = z.discriminatedUnion('type', [
  SessionDescription,
  z.strictObject({ type: z.literal('candidate'), candidate: IceCandidate.nullable() }),
])
export type SignalData = z.infer<typeof SignalData>

/** Same shape as the DOM's RTCIceServer, so it can go straight into `new RTCPeerConnection({ iceServers })`. */
export const IceServer = z.strictObject({
  urls: z.array(z.string().regex(/^(stun|stuns|turn|turns):/)).min(1),
  username: z.string().optional(),
  credential: z.string().optional(),
})
export type IceServer = z.infer<typeof IceServer>

/** What a peer knows about another member of its room. */
export const PeerInfo = z.strictObject({ id: PeerId, name: DisplayName.optional(), instance: InstanceId })
export type PeerInfo = z.infer<typeof PeerInfo>

export const JoinedInfo = z.strictObject({
  /** The other members, if any (some may be away: their slots are kept while they reconnect). */
  peers: z.array(PeerInfo).max(MAX_ROOM_SIZE - 1),
  iceServers: z.array(IceServer),
  /** Unix ms after which the TURN credentials in `iceServers` stop working for new allocations. */
  iceServersExpireAt: z.number().nullable(),
  /** This peer already held the slot (reconnect or reload); false for a fresh join. */
  resumed: z.boolean(),
})
export type JoinedInfo = z.infer<typeof JoinedInfo>

export const OtherJoinInfo = z.strictObject({
  name: DisplayName.optional(),
  instance: InstanceId,
  /** The peer held the slot already: same instance = signaling reconnect, new instance = reload. */
  resumed: z.boolean(),
})
export type OtherJoinInfo = z.infer<typeof OtherJoinInfo>

/**
 * Why a peer is out of the room:
 * - left: it sent `leave`;
 * - timeout: it disconnected and did not come back within the grace period;
 * - replaced: the same peer joined again from another connection (a duplicated tab), this one is dropped;
 * - expired: the server lost its membership record (a lease ran out), join again.
 */
export const LeaveReason = z.enum(['left', 'timeout', 'replaced', 'expired'])
export type LeaveReason = z.infer<typeof LeaveReason>
export const LeaveInfo = z.strictObject({ reason: LeaveReason })
export type LeaveInfo = z.infer<typeof LeaveInfo>

/** Fresh ICE servers (TURN credentials renewed while the peer is seated); replaces what `joined` gave. */
export const IceServersInfo = z.strictObject({ iceServers: z.array(IceServer), iceServersExpireAt: z.number().nullable() })
export type IceServersInfo = z.infer<typeof IceServersInfo>

/**
 * Why the server refused an event (or could not do it):
 * - invalid: the event or its arguments do not match this schema (unknown event, bad room id, extra keys, …);
 * - version: `join` without `v`, or with a version this server does not speak;
 * - rate-limited: over the per-connection event budget (a client that keeps going is disconnected);
 * - not-in-room: `message` or `leave` for a room this connection has not joined;
 * - full: the room is full: four people, or two when one of them (or the joiner) speaks version 1 (also sent as `full`);
 * - unavailable: the server cannot do it right now (its Redis is down): retry after `retryInMs`;
 * - turn-limit: no TURN credentials this time (too many from this address); the join itself succeeded.
 */
export const ErrorCode = z.enum(['invalid', 'version', 'rate-limited', 'not-in-room', 'full', 'unavailable', 'turn-limit'])
export type ErrorCode = z.infer<typeof ErrorCode>
export const SignalingError = z.strictObject({
  code: ErrorCode,
  /** For people: what happened and what to do. */
  message: z.string(),
  /** The client event it answers (`join`, `leave`, `message`, or the unknown name). */
  event: z.string().optional(),
  room: RoomId.optional(),
  /** `unavailable`: try again after this long. */
  retryInMs: z.number().int().optional(),
})
export type SignalingError = z.infer<typeof SignalingError>

/** Argument tuples of the client events, which the server validates one by one. */
export const ClientEventArgs = {
  join: z.tuple([RoomId, JoinOptions]),
  leave: z.tuple([RoomId]),
  /** `to` (the recipient's id) is required from version 2 clients; version 1 clients leave it out. */
  message: z.tuple([RoomId, SignalData, PeerId.optional()]),
} as const
export type ClientEventName = keyof typeof ClientEventArgs

export interface ClientToServerEvents {
  join: (room: RoomId, options: JoinOptions) => void
  leave: (room: RoomId) => void
  message: (room: RoomId, data: SignalData, to?: PeerId) => void
}

export interface ServerToClientEvents {
  /** You are in `room` as `id`. */
  joined: (room: RoomId, id: PeerId, info: JoinedInfo) => void
  /** Another peer joined (or came back): start or restart negotiation with it. */
  otherjoin: (room: RoomId, id: PeerId, info: OtherJoinInfo) => void
  /** The room is full (see `roomCapacity`). */
  full: (room: RoomId) => void
  /** You are out of `room` (after your `leave`, or because another connection of yours replaced this one). */
  leaved: (room: RoomId, id: PeerId, info: LeaveInfo) => void
  /** Another peer is gone; its seat is free for someone new. */
  bye: (room: RoomId, id: PeerId, info: LeaveInfo) => void
  /** Signaling data from another member of `room` (`from`), addressed to you. */
  message: (room: RoomId, data: SignalData, from: PeerId) => void
  /** New ICE servers for future gathering (TURN credentials renewed before `iceServersExpireAt`). */
  iceservers: (room: RoomId, info: IceServersInfo) => void
  /** An event of yours was refused, or could not be carried out (see ErrorCode). */
  error: (info: SignalingError) => void
}

// Compile-time check that the event map and the runtime schemas describe the same arguments.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type ArgsOf<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>
const _argsMatch: { [E in ClientEventName]: Same<z.infer<(typeof ClientEventArgs)[E]>, ArgsOf<E>> } = {
  join: true,
  leave: true,
  message: true,
}
void _argsMatch
