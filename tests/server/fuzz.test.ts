/**
 * Fuzz: thousands of malformed, oversized and out-of-room events from many short-lived connections, while two
 * honest calls run. The server must stay up, drop everything invalid, leak nothing (connections, rooms, room
 * records, heap) and let nothing reach another room.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SignalingSocket } from '../../src/lib/signaling/client.ts'
import { createPeerKey, createRoomId, joinOptions } from '../../src/lib/signaling/client.ts'
import { MAX_PAYLOAD_BYTES, type SignalData } from '../../src/lib/signaling/schema.ts'
import type { MemoryRoomStore } from '../../server/signaling/roomStore.ts'
import { connectClient, eventually, joinAs, next, record, sleep, startInProcess, type InProcessServer } from './support/signaling.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const GRACE_MS = 150
let server: InProcessServer
beforeAll(async () => {
  server = await startInProcess({ peerGraceMs: GRACE_MS, rateLimitEvents: 100, rateLimitWindowS: 10 })
})
afterAll(() => server.close())

/** Deterministic PRNG (mulberry32), so a failure can be replayed with the printed seed. */
function prng(seed: number) {
  let a = seed >>> 0
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(rand() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  return { rand, int, pick }
}
type Rng = ReturnType<typeof prng>

function junkValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 6 : 9)) {
    case 0:
      return r.int(2) ? null : undefined
    case 1:
      return r.pick([0, -1, 1e308, Number.MAX_SAFE_INTEGER, 3.14, NaN])
    case 2:
      return r.pick(['', 'x', 'a'.repeat(r.int(5000)), '\u0000\u202e', '__proto__', 'room:abc', '../../etc'])
    case 3:
      return r.int(2)
    case 4:
      return Buffer.alloc(r.int(2048), 7)
    case 5:
      return r.pick([true, false])
    case 6:
      return Array.from({ length: r.int(20) }, () => junkValue(r, depth + 1))
    case 7:
      return Object.fromEntries(
        Array.from({ length: r.int(8) }, (_, i) => [
          r.pick(['type', 'sdp', 'candidate', '__proto__', 'constructor', `k${i}`]),
          junkValue(r, depth + 1),
        ]),
      )
    default:
      return JSON.parse('{"__proto__":{"polluted":1},"type":"offer","sdp":"v=0"}')
  }
}

const validOffer: SignalData = { type: 'offer', sdp: 'v=0\r\n' }
const V = joinOptions({ v: 1 })

/** One hostile event: [event, ...args], or a raw string to write under the socket.io parser. */
function fuzzEvent(r: Rng, honestRooms: string[], ownRoom: string): unknown[] | string {
  const someRoom = () => r.pick([...honestRooms, ownRoom, createRoomId(), 'short', 'x'.repeat(200), 42, null, { room: ownRoom }])
  // Frames that end the connection (oversized, unparsable) are rarer, so most connections live for many events.
  const roll = r.int(100)
  if (roll === 0) return ['message', ownRoom, { type: 'offer', sdp: 'x'.repeat(MAX_PAYLOAD_BYTES + r.int(10_000)) }] // oversized frame
  if (roll === 1)
    return r.pick([
      '2["message",{',
      '2[]',
      '2[{}]',
      '2["join"',
      '5-["x"]',
      '9',
      '2["join",' + '['.repeat(5000),
      '2/other,["join","abcdefgh"]',
    ])
  switch (r.int(12)) {
    case 0:
      return ['join', someRoom(), junkValue(r)]
    case 1:
      return ['join', r.pick(honestRooms), r.pick([V, {}])] // valid (or without a version), but the room is full
    case 2:
      return ['join', ownRoom, V] // valid: exercises join/leave/disconnect state
    case 3:
      return ['leave', someRoom()]
    case 4:
      return ['message', r.pick(honestRooms), validOffer] // valid payload, not a member: must never arrive
    case 5:
      return ['message', someRoom(), junkValue(r)]
    case 6:
      return ['leave', ownRoom]
    case 7:
      return ['message', ownRoom, { type: 'offer', sdp: 's'.repeat(49_200 + r.int(10_000)) }] // fits the frame, not the schema
    case 8:
      return [r.pick(['hello', 'constructor', '__proto__', 'toString', 'JOIN', 'join ', 'bye', 'full', 'otherjoin']), someRoom()]
    case 9:
      return ['message', ownRoom, validOffer] // valid if joined
    case 10:
      return r.pick([
        '2["join","abcdefgh",{"name":"' + 'n'.repeat(100) + '"}]',
        '2["message","abcdefgh",{"type":"offer","sdp":"v=0"},1,2]',
        '2["leave"]',
      ])
    default:
      return [
        r.pick(['', 'x'.repeat(r.int(300)), 0, 7, 1e308, 'message\u0000', '💥']),
        ...Array.from({ length: r.int(4) }, () => junkValue(r)),
      ]
  }
}

let sent = 0

async function fuzzConnection(url: string, r: Rng, honestRooms: string[], events: number): Promise<void> {
  const s = connectClient(url, { peerKey: r.int(4) ? createPeerKey() : 'fuzzfuzzfuzzfuzzfuzzfuzz', reconnection: false })
  const ok = await Promise.race([
    new Promise<boolean>((res) => s.once('connect', () => res(true))),
    new Promise<boolean>((res) => s.once('connect_error', () => res(false))),
  ])
  if (ok) {
    const ownRoom = `fuzz-${r.int(20)}-room`
    for (let i = 0; i < events && s.connected; i++) {
      const e = fuzzEvent(r, honestRooms, ownRoom)
      if (typeof e === 'string') s.io.engine.write(e)
      else (s.emit as unknown as (...a: unknown[]) => void)(...e)
      sent++
      if (i % 10 === 9) await sleep(1) // let the socket flush, as a real client would
    }
    await sleep(r.int(30))
  }
  s.disconnect()
}

/** Sends at least `totalEvents` events over many connections; returns how many were sent. */
async function fuzz(seed: number, totalEvents: number, honestRooms: string[]): Promise<number> {
  const r = prng(seed)
  const start = sent
  const workers = Array.from({ length: 8 }, async () => {
    while (sent - start < totalEvents) await fuzzConnection(server.url, r, honestRooms, r.pick([10, 40, 40, 80, 160]))
  })
  await Promise.all(workers)
  return sent - start
}

function settle() {
  return eventually(
    () => server.signaling.stats().connections === 4 && server.signaling.stats().awaitingReap === 0,
    5000,
    'fuzz connections to go',
  )
}

function measure() {
  gc()
  gc()
  const { heapUsed, rss } = process.memoryUsage()
  const nsp = server.signaling.io.of('/')
  return {
    heapMb: heapUsed / 2 ** 20,
    rssMb: rss / 2 ** 20,
    sockets: nsp.sockets.size,
    adapterRooms: nsp.adapter.rooms.size,
    roomRecords: (server.signaling.store as MemoryRoomStore).size,
    ...server.signaling.stats(),
  }
}

it('survives thousands of hostile events without leaking or crossing rooms', { timeout: 60_000 }, async () => {
  const room1 = createRoomId()
  const room2 = createRoomId()
  const a = await joinAs(server.url, room1)
  const aHearsB = next(a.socket, 'otherjoin')
  const b = await joinAs(server.url, room1)
  await aHearsB
  const c = await joinAs(server.url, room2)
  const cHearsD = next(c.socket, 'otherjoin')
  const d = await joinAs(server.url, room2)
  await cHearsD
  const honest: SignalingSocket[] = [a.socket, b.socket, c.socket, d.socket]
  const seen = honest.map((s) => record(s))

  // Warm-up round, then the baseline.
  await fuzz(1, 1000, [room1, room2])
  await settle()
  await sleep(GRACE_MS * 2)
  const before = measure()

  const seed = 20261121
  const t0 = Date.now()
  const honestTraffic = (async () => {
    for (let i = 0; i < 20; i++) {
      a.socket.emit('message', room1, { type: 'offer', sdp: `v=0 a${i}` })
      c.socket.emit('message', room2, { type: 'answer', sdp: `v=0 c${i}` })
      await sleep(50)
    }
  })()
  const [events] = await Promise.all([fuzz(seed, 20_000, [room1, room2]), honestTraffic])
  const fuzzMs = Date.now() - t0
  await settle()
  await sleep(GRACE_MS * 2)
  const after = measure()
  const totals = server.signaling.events.totals()
  const dropped = Object.entries(totals).reduce((n, [kind, count]) => n + (kind.startsWith('refused: ') ? count : 0), 0)
  const failures = server.logs.filter((l) => l.level >= 50)
  server.logs.length = 0 // keep the captured logs from counting as server memory in a later run

  console.log(JSON.stringify({ fuzz: { seed, events, dropped, ms: fuzzMs }, before, after }))
  expect(events).toBeGreaterThanOrEqual(20_000)
  expect(dropped).toBeGreaterThan(events * 0.4) // most of it reached validation (or the rate limit) and was refused
  expect(failures).toEqual([]) // no handler ever threw

  // Nothing crossed rooms: each honest peer heard exactly its partner's messages, in order, and nothing else.
  expect(seen[1]).toEqual(Array.from({ length: 20 }, (_, i) => ['message', [room1, { type: 'offer', sdp: `v=0 a${i}` }, a.id]]))
  expect(seen[3]).toEqual(Array.from({ length: 20 }, (_, i) => ['message', [room2, { type: 'answer', sdp: `v=0 c${i}` }, c.id]]))
  // The honest senders only ever hear about their own refused events (none).
  expect(seen[0]).toEqual([])
  expect(seen[2]).toEqual([])
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()

  // Still up and serving: honest peers are connected and a new call works.
  expect(honest.every((s) => s.connected)).toBe(true)
  const e = await joinAs(server.url, createRoomId())
  e.socket.disconnect()

  // Bounded: no leaked connections, socket.io rooms or room records, and no heap growth worth the name.
  expect(after).toMatchObject({ sockets: 4, connections: 4, members: 4, awaitingReap: 0 })
  expect(after.adapterRooms).toBe(before.adapterRooms)
  expect(after.roomRecords).toBe(2)
  expect(after.heapMb - before.heapMb).toBeLessThan(10)
  expect(after.rssMb - before.rssMb).toBeLessThan(64) // this process holds the fuzz clients too; the heap is the server's measure
  for (const s of honest) s.disconnect()
})
