/** The signaling protocol end to end: real server (in this process), real socket.io clients. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SignalingSocket } from '../../src/lib/signaling/client.ts'
import { createPeerKey, createRoomId, joinOptions, joinRoom } from '../../src/lib/signaling/client.ts'
import type { SignalData } from '../../src/lib/signaling/schema.ts'
import {
  connectClient,
  connected,
  eventually,
  joinAs,
  next,
  record,
  sleep,
  startInProcess,
  type InProcessServer,
} from './support/signaling.ts'

const offer: SignalData = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' }
const answer: SignalData = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' }
const candidate: SignalData = {
  type: 'candidate',
  candidate: {
    candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host',
    sdpMid: '0',
    sdpMLineIndex: 0,
    usernameFragment: 'abcd',
  },
}

let server: InProcessServer
const sockets: SignalingSocket[] = []
const track = <T extends { socket: SignalingSocket }>(x: T): T => (sockets.push(x.socket), x)

beforeAll(async () => {
  server = await startInProcess({ peerGraceMs: 400 })
})
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect()
})
afterAll(() => server.close())

describe('protocol', () => {
  it('join, otherjoin, relay both ways, leave and bye', async () => {
    const room = createRoomId()
    const a = track(await joinAs(server.url, room, { name: 'Ada' }))
    expect(a.info).toMatchObject({ peers: [], iceServers: [], iceServersExpireAt: null, resumed: false })
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{16}$/)

    const otherjoin = next(a.socket, 'otherjoin')
    const b = track(await joinAs(server.url, room, { name: 'Bo' }))
    expect(b.info.peers).toEqual([{ id: a.id, name: 'Ada', instance: expect.any(String) }])
    const [r, id, info] = await otherjoin
    expect([r, id, info.name, info.resumed]).toEqual([room, b.id, 'Bo', false])

    const gotOffer = next(b.socket, 'message')
    a.socket.emit('message', room, offer)
    expect(await gotOffer).toEqual([room, offer, a.id])
    const gotAnswer = next(a.socket, 'message')
    b.socket.emit('message', room, answer)
    expect(await gotAnswer).toEqual([room, answer, b.id])
    const gotCandidates = record(a.socket)
    b.socket.emit('message', room, candidate)
    b.socket.emit('message', room, { type: 'candidate', candidate: null })
    await eventually(() => gotCandidates.length === 2)
    expect(gotCandidates.map(([, args]) => args[1])).toEqual([candidate, { type: 'candidate', candidate: null }])

    const bye = next(a.socket, 'bye')
    const leaved = next(b.socket, 'leaved')
    b.socket.emit('leave', room)
    expect(await leaved).toEqual([room, b.id, { reason: 'left' }])
    expect(await bye).toEqual([room, b.id, { reason: 'left' }])

    // The room is ready for someone new.
    const c = track(await joinAs(server.url, room))
    expect(c.info.peers.map((p) => p.id)).toEqual([a.id])
  })

  it('gives a third joiner `full`', async () => {
    const room = createRoomId()
    track(await joinAs(server.url, room))
    track(await joinAs(server.url, room))
    const c = connectClient(server.url)
    sockets.push(c)
    await connected(c)
    const full = next(c, 'full')
    c.emit('join', room, joinOptions({ v: 1 }))
    expect(await full).toEqual([room])
  })

  it('admits exactly two of many simultaneous joiners', async () => {
    const room = createRoomId()
    const clients = Array.from({ length: 12 }, () => connectClient(server.url))
    sockets.push(...clients)
    await Promise.all(clients.map((c) => connected(c)))
    const outcomes = clients.map((c) => Promise.race([next(c, 'joined').then(() => 'joined'), next(c, 'full').then(() => 'full')]))
    for (const c of clients) c.emit('join', room, joinOptions({ v: 1 }))
    const results = await Promise.all(outcomes)
    expect(results.filter((r) => r === 'joined')).toHaveLength(2)
    expect(results.filter((r) => r === 'full')).toHaveLength(10)
  })

  it('relays only to the other member of a room the sender has joined', async () => {
    const room1 = createRoomId()
    const room2 = createRoomId()
    const a = track(await joinAs(server.url, room1))
    const b = track(await joinAs(server.url, room1))
    const c = track(await joinAs(server.url, room2))
    const d = track(await joinAs(server.url, room2))
    const outsider = connectClient(server.url)
    sockets.push(outsider)
    await connected(outsider)
    const seen = { a: record(a.socket), b: record(b.socket), c: record(c.socket), d: record(d.socket) }

    a.socket.emit('message', room2, offer) // not a member of room2
    outsider.emit('message', room1, offer) // not a member of anything
    c.socket.emit('message', room1, offer) // member of another room
    a.socket.emit('message', room1, answer) // the only legitimate one
    await eventually(() => seen.b.length === 1)
    await sleep(100)
    expect(seen.b).toEqual([['message', [room1, answer, a.id]]])
    expect(seen.d).toEqual([])
    // Each refused sender is told why; nobody else hears anything.
    const notInRoom = (room: string) => ['error', [{ code: 'not-in-room', event: 'message', room, message: expect.any(String) }]]
    expect(seen.a).toEqual([notInRoom(room2)])
    expect(seen.c).toEqual([notInRoom(room1)])
    expect(server.signaling.events.totals()['refused: not-in-room']).toBeGreaterThanOrEqual(3)
  })

  it('never lets a room id address a socket directly', async () => {
    const a = track(await joinAs(server.url, createRoomId()))
    const seen = record(a.socket)
    // A socket id is not a valid room id (too short to be unguessable), and room ids are prefixed besides.
    const sneaky = connectClient(server.url)
    sockets.push(sneaky)
    await connected(sneaky)
    const refused = next(sneaky, 'error')
    sneaky.emit('join', a.socket.id!, joinOptions({ v: 1 }))
    expect((await refused)[0]).toMatchObject({ code: 'invalid', event: 'join' })
    sneaky.emit('message', a.socket.id!, offer)
    await sleep(150)
    expect(seen).toEqual([])
  })

  it('moving to another room leaves the first one', async () => {
    const room1 = createRoomId()
    const a = track(await joinAs(server.url, room1))
    const b = track(await joinAs(server.url, room1))
    const bye = next(a.socket, 'bye')
    const joined = next(b.socket, 'joined')
    b.socket.emit('join', createRoomId(), joinOptions({ v: 1 }))
    await joined
    expect(await bye).toEqual([room1, b.id, { reason: 'left' }])
  })
})

describe('reconnect and rejoin', () => {
  it('a dropped signaling connection resumes the same slot; the other side sees the same instance', async () => {
    const room = createRoomId()
    const a = track(await joinAs(server.url, room))
    const b = track(await joinAs(server.url, room))
    const stopRejoining = joinRoom(a.socket, room, { v: 1 }) // rejoin after every reconnection, as the Call view does
    await next(a.socket, 'joined') // the immediate (idempotent) rejoin
    const seenByB = record(b.socket)
    const rejoined = next(a.socket, 'joined')
    const otherjoin = next(b.socket, 'otherjoin')
    a.socket.io.engine.close() // the network drops; socket.io-client reconnects by itself
    const [, id, info] = await rejoined
    expect(id).toBe(a.id)
    expect(info.resumed).toBe(true)
    expect(info.peers.map((p) => p.id)).toEqual([b.id])
    const [, otherId, otherInfo] = await otherjoin
    expect(otherId).toBe(a.id)
    expect(otherInfo).toMatchObject({ resumed: true, instance: b.info.peers[0]?.instance ?? otherInfo.instance })
    expect(seenByB.some(([e]) => e === 'bye')).toBe(false)

    const msg = next(b.socket, 'message')
    a.socket.emit('message', room, offer)
    expect((await msg)[1]).toEqual(offer)
    stopRejoining()
  })

  it('a reload (same peer key, new instance) gets its slot back, even while the room is otherwise full', async () => {
    const room = createRoomId()
    const peerKey = createPeerKey()
    const a1 = track(await joinAs(server.url, room, { peerKey, instance: 'first-load' }))
    const b = track(await joinAs(server.url, room))
    a1.socket.disconnect() // the tab reloads
    // While A is away its slot is kept: a stranger cannot take it.
    const stranger = connectClient(server.url)
    sockets.push(stranger)
    await connected(stranger)
    const full = next(stranger, 'full')
    stranger.emit('join', room, joinOptions({ v: 1 }))
    await full

    const otherjoin = next(b.socket, 'otherjoin')
    const a2 = track(await joinAs(server.url, room, { peerKey, instance: 'second-load' }))
    expect(a2.id).toBe(a1.id)
    expect(a2.info.resumed).toBe(true)
    const [, id, info] = await otherjoin
    expect([id, info.instance, info.resumed]).toEqual([a1.id, 'second-load', true])
  })

  it('a peer that does not come back within the grace period is gone, and the room is free again', async () => {
    const room = createRoomId()
    const a = track(await joinAs(server.url, room))
    const b = track(await joinAs(server.url, room))
    const bye = next(b.socket, 'bye')
    const t0 = Date.now()
    a.socket.disconnect()
    expect(await bye).toEqual([room, a.id, { reason: 'timeout' }])
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350) // grace period is 400 ms here
    const c = track(await joinAs(server.url, room))
    expect(c.info.peers.map((p) => p.id)).toEqual([b.id])
  })

  it('the same peer in a second tab takes over; the first tab is told it was replaced', async () => {
    const room = createRoomId()
    const peerKey = createPeerKey()
    const tab1 = track(await joinAs(server.url, room, { peerKey }))
    const b = track(await joinAs(server.url, room))
    const replaced = next(tab1.socket, 'leaved')
    const disconnected = new Promise<string>((r) => tab1.socket.once('disconnect', r))
    const otherjoin = next(b.socket, 'otherjoin')
    const tab2 = track(await joinAs(server.url, room, { peerKey }))
    expect(await replaced).toEqual([room, tab1.id, { reason: 'replaced' }])
    expect(await disconnected).toBe('io server disconnect') // socket.io-client will not reconnect by itself
    expect((await otherjoin)[1]).toBe(tab2.id)
    const msg = next(tab2.socket, 'message')
    b.socket.emit('message', room, answer)
    expect((await msg)[1]).toEqual(answer)
  })
})
