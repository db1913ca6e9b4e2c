/**
 * Who holds the seats of each room. The store is the single source of truth for capacity, so the check and the
 * claim happen in one atomic step (one synchronous function here, one Lua script in Redis) and cannot race.
 *
 * Every member has a lease. Connected members get theirs renewed by the process that holds their socket; a member
 * whose socket disconnected keeps its slot for the grace period only. A crashed process renews nothing, so its
 * members expire on their own and the room does not stay "full" forever.
 */
import type { InstanceId, PeerId, PeerInfo, RoomId } from '../../src/lib/signaling/schema.ts'
import { MAX_ROOM_SIZE } from '../../src/lib/signaling/schema.ts'

export interface ClaimRequest {
  room: RoomId
  id: PeerId
  socketId: string
  name: string | undefined
  instance: InstanceId
  leaseMs: number
  /**
   * The most people this joiner accepts in the room (2 for a one-to-one client, 4 for a group client). The room
   * holds no more than the smallest limit among its members and the joiner, so a one-to-one member keeps it at two.
   */
  capacity: number
}

export type ClaimResult = {
  /** Members whose lease had run out; they were removed and the room should hear `bye` for them. */
  expired: PeerId[]
} & (
  | {
      status: 'full'
      /** The room's limit that refused the joiner. */
      capacity: number
    }
  | {
      status: 'joined'
      /** The slot this peer held already (another or the same connection), or null for a fresh join. */
      previous: { socketId: string; instance: InstanceId } | null
      /** The other current members. */
      peers: PeerInfo[]
    }
)

export interface MemberRef {
  room: RoomId
  id: PeerId
  socketId: string
}

/** `removed`; or the member is not ours to remove (`gone`); or its lease has `retryInMs` left. */
export type ReapResult = { status: 'removed' } | { status: 'gone' } | { status: 'pending'; retryInMs: number }

export interface RoomStore {
  claim(req: ClaimRequest): Promise<ClaimResult>
  /** Explicit leave: removes the member if `socketId` still holds its slot. */
  release(ref: MemberRef): Promise<boolean>
  /** The socket disconnected: keep the slot for `graceMs`, no longer renewed. False if the slot is not ours. */
  detach(ref: MemberRef, graceMs: number): Promise<boolean>
  /** After the grace period: remove the member if it is still detached under `socketId`. */
  reap(ref: MemberRef): Promise<ReapResult>
  /** Extends the leases of connected members; `false` for each one whose slot was lost (expired or taken over). */
  renew(refs: MemberRef[], leaseMs: number): Promise<boolean[]>
  close(): Promise<void>
}

interface MemberRecord {
  socketId: string
  capacity: number
  name: string | undefined
  instance: InstanceId
  /** Unix ms. */
  lease: number
  detached: boolean
}

/** Single-process store; the same semantics as the Redis store, with `now` injectable for tests. */
export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<RoomId, Map<PeerId, MemberRecord>>()

  constructor(private readonly now: () => number = Date.now) {}

  async claim(req: ClaimRequest): Promise<ClaimResult> {
    const now = this.now()
    let members = this.rooms.get(req.room)
    if (!members) {
      members = new Map()
      this.rooms.set(req.room, members)
    }
    const expired: PeerId[] = []
    for (const [id, rec] of members) {
      if (rec.lease <= now) {
        members.delete(id)
        expired.push(id)
      }
    }
    const existing = members.get(req.id)
    const peers: PeerInfo[] = []
    let capacity = Math.min(req.capacity, MAX_ROOM_SIZE)
    for (const [id, rec] of members) {
      if (id === req.id) continue
      capacity = Math.min(capacity, rec.capacity)
      peers.push(rec.name === undefined ? { id, instance: rec.instance } : { id, name: rec.name, instance: rec.instance })
    }
    // Also for a peer that holds a seat already: one that comes back speaking version 1 into a room of three is refused.
    if (peers.length + 1 > capacity) {
      if (members.size === 0) this.rooms.delete(req.room)
      return { status: 'full', capacity, expired }
    }
    members.set(req.id, {
      socketId: req.socketId,
      capacity: req.capacity,
      name: req.name,
      instance: req.instance,
      lease: now + req.leaseMs,
      detached: false,
    })
    return {
      status: 'joined',
      expired,
      previous: existing ? { socketId: existing.socketId, instance: existing.instance } : null,
      peers,
    }
  }

  async release(ref: MemberRef): Promise<boolean> {
    const rec = this.owned(ref)
    if (!rec) return false
    this.remove(ref)
    return true
  }

  async detach(ref: MemberRef, graceMs: number): Promise<boolean> {
    const rec = this.owned(ref)
    if (!rec) return false
    rec.lease = this.now() + graceMs
    rec.detached = true
    return true
  }

  async reap(ref: MemberRef): Promise<ReapResult> {
    const rec = this.owned(ref)
    if (!rec || !rec.detached) return { status: 'gone' }
    const left = rec.lease - this.now()
    if (left > 0) return { status: 'pending', retryInMs: left }
    this.remove(ref)
    return { status: 'removed' }
  }

  async renew(refs: MemberRef[], leaseMs: number): Promise<boolean[]> {
    const now = this.now()
    return refs.map((ref) => {
      const rec = this.owned(ref)
      if (!rec || rec.detached || rec.lease <= now) return false
      rec.lease = now + leaseMs
      return true
    })
  }

  async close(): Promise<void> {
    this.rooms.clear()
  }

  /** Rooms with at least one member record (for tests and memory checks). */
  get size(): number {
    return this.rooms.size
  }

  private owned(ref: MemberRef): MemberRecord | undefined {
    const rec = this.rooms.get(ref.room)?.get(ref.id)
    return rec && rec.socketId === ref.socketId ? rec : undefined
  }

  private remove(ref: MemberRef): void {
    const members = this.rooms.get(ref.room)
    if (!members) return
    members.delete(ref.id)
    if (members.size === 0) this.rooms.delete(ref.room)
  }
}
