/**
 * Room membership shared by several server processes. Each operation is one Lua script, which Redis runs
 * atomically, so two processes admitting a joiner at the same moment still see each other's claim: the capacity
 * check cannot race. Time comes from Redis (`TIME`), so process clocks need not agree.
 *
 * Layout: one hash per room, `<prefix><room>`, field = public peer id, value = JSON
 * `{ socket, instance, name?, lease, detached?, cap? }` (`cap`: the most people that member accepts in the room; records
 * written before group calls have none and count as 2). The key's own TTL outlives every lease in it, so rooms that
 * everyone abandoned (or whose processes crashed) disappear without a sweeper.
 */
import type { RedisClientType } from 'redis'
import type { InstanceId, PeerId, PeerInfo } from '../../src/lib/signaling/schema.ts'
import { MAX_ROOM_SIZE } from '../../src/lib/signaling/schema.ts'
import type { ClaimRequest, ClaimResult, MemberRef, ReapResult, RoomStore } from './roomStore.ts'

// Shared prologue: current Redis time in ms.
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

/** KEYS[1] room; ARGV id, socketId, name ('' = none), instance, leaseMs, capacity (the joiner's), keyTtlMs */
const CLAIM = `${NOW}
local expired, peers, existing, count = {}, {}, nil, 0
local cap = math.min(tonumber(ARGV[6]), ${MAX_ROOM_SIZE})
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local id, rec = all[i], cjson.decode(all[i + 1])
  if rec.lease <= now then
    redis.call('HDEL', KEYS[1], id)
    expired[#expired + 1] = id
  elseif id == ARGV[1] then
    existing = rec
  else
    count = count + 1
    cap = math.min(cap, rec.cap or 2)
    peers[#peers + 1] = { id = id, name = rec.name, instance = rec.instance }
  end
end
if count + 1 > cap then
  return cjson.encode({ status = 'full', capacity = cap, expired = expired })
end
local rec = { socket = ARGV[2], instance = ARGV[4], lease = now + tonumber(ARGV[5]), cap = tonumber(ARGV[6]) }
if ARGV[3] ~= '' then rec.name = ARGV[3] end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
redis.call('PEXPIRE', KEYS[1], ARGV[7])
local previous = false
if existing ~= nil then previous = { socketId = existing.socket, instance = existing.instance } end
return cjson.encode({ status = 'joined', expired = expired, peers = peers, previous = previous })
`

// Load the member only if ARGV[2] (socket id) still owns it.
const OWNED = `local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return -1 end
local rec = cjson.decode(raw)
if rec.socket ~= ARGV[2] then return -1 end
`

/** KEYS[1] room; ARGV id, socketId → 1 removed, -1 not ours */
const RELEASE = `${OWNED}
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
`

/** KEYS[1] room; ARGV id, socketId, graceMs, keyTtlMs → 1 detached, -1 not ours */
const DETACH = `${NOW}${OWNED}
rec.lease = now + tonumber(ARGV[3])
rec.detached = true
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`

/** KEYS[1] room; ARGV id, socketId → 0 removed, -1 not ours (resumed or gone), N > 0 ms left */
const REAP = `${NOW}${OWNED}
if not rec.detached then return -1 end
if rec.lease > now then return rec.lease - now end
redis.call('HDEL', KEYS[1], ARGV[1])
return 0
`

/** KEYS[1] room; ARGV id, socketId, leaseMs, keyTtlMs → 1 renewed, -1 lost */
const RENEW = `${NOW}${OWNED}
if rec.detached or rec.lease <= now then return -1 end
rec.lease = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`

type ClaimReply =
  | { status: 'full'; capacity: number; expired: PeerId[] | Record<string, never> }
  | {
      status: 'joined'
      expired: PeerId[] | Record<string, never>
      peers: PeerInfo[] | Record<string, never>
      previous: { socketId: string; instance: InstanceId } | false
    }

// Lua's cjson encodes an empty table as {}: normalise to [].
const asArray = <T>(x: T[] | Record<string, never>): T[] => (Array.isArray(x) ? x : [])

export interface RedisRoomStoreOptions {
  prefix?: string
  /** Longest lease or grace period in use; room keys live this long (plus a margin) after their last write. */
  maxLeaseMs: number
}

export class RedisRoomStore implements RoomStore {
  private readonly prefix: string
  private readonly keyTtlMs: string
  private readonly sha = new Map<string, string>()

  constructor(
    private readonly client: RedisClientType,
    options: RedisRoomStoreOptions,
  ) {
    this.prefix = options.prefix ?? 'media-studio:room:'
    this.keyTtlMs = String(options.maxLeaseMs + 60_000)
  }

  async claim(req: ClaimRequest): Promise<ClaimResult> {
    const raw = await this.run(CLAIM, req.room, [
      req.id,
      req.socketId,
      req.name ?? '',
      req.instance,
      String(req.leaseMs),
      String(req.capacity),
      this.keyTtlMs,
    ])
    const reply = JSON.parse(String(raw)) as ClaimReply
    const expired = asArray(reply.expired)
    if (reply.status === 'full') return { status: 'full', capacity: reply.capacity, expired }
    return {
      status: 'joined',
      expired,
      peers: asArray(reply.peers),
      previous: reply.previous === false ? null : reply.previous,
    }
  }

  async release(ref: MemberRef): Promise<boolean> {
    return (await this.run(RELEASE, ref.room, [ref.id, ref.socketId])) === 1
  }

  async detach(ref: MemberRef, graceMs: number): Promise<boolean> {
    return (await this.run(DETACH, ref.room, [ref.id, ref.socketId, String(graceMs), this.keyTtlMs])) === 1
  }

  async reap(ref: MemberRef): Promise<ReapResult> {
    const n = Number(await this.run(REAP, ref.room, [ref.id, ref.socketId]))
    if (n === 0) return { status: 'removed' }
    if (n < 0) return { status: 'gone' }
    return { status: 'pending', retryInMs: n }
  }

  async renew(refs: MemberRef[], leaseMs: number): Promise<boolean[]> {
    // Issued in the same tick, node-redis pipelines these into a few round trips.
    const replies = await Promise.all(
      refs.map((ref) => this.run(RENEW, ref.room, [ref.id, ref.socketId, String(leaseMs), this.keyTtlMs])),
    )
    return replies.map((r) => r === 1)
  }

  async close(): Promise<void> {
    // The client belongs to the caller (it is shared with the socket.io adapter).
  }

  /** EVALSHA, loading the script on first use or after a Redis restart (NOSCRIPT). */
  private async run(script: string, room: string, args: string[]): Promise<unknown> {
    const options = { keys: [this.prefix + room], arguments: args }
    let sha = this.sha.get(script)
    if (!sha) {
      sha = await this.client.scriptLoad(script)
      this.sha.set(script, sha)
    }
    try {
      return await this.client.evalSha(sha, options)
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
      this.sha.delete(script)
      return this.client.eval(script, options)
    }
  }
}
