/**
 * Group calls (protocol version 2) end to end: real server (in this process), real socket.io clients. Rooms of up to
 * four, messages addressed to one member, and the one-to-one clients (version 1) that still share rooms with them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SignalingSocket } from '../../src/lib/signaling/client.ts'
import { createRoomId, joinOptions } from '../../src/lib/signaling/client.ts'
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

/** A connected client that has not joined yet. */
async function stranger(): Promise<SignalingSocket> {
  const s = connectClient(server.url)
  sockets.push(s)
  await connected(s)
  return s
}

async function fourInRoom(room = createRoomId()) {
  const people = []
  for (const name of ['Ada', 'Bo', 'Cy', 'Di']) people.push(track(await joinAs(server.url, room, { name, v: 2 })))
  return { room, people }
}

describe('group calls (v2)', () => {
  it('seats four: each newcomer hears who is in the room, everyone else hears of the newcomer; a fifth gets `full`', async () => {
    const room = createRoomId()
    const people: Array<Awaited<ReturnType<typeof joinAs>>> = []
    for (const name of ['Ada', 'Bo', 'Cy', 'Di']) {
      const announced = people.map((p) => next(p.socket, 'otherjoin'))
      const me = track(await joinAs(server.url, room, { name, v: 2 }))
      // joined lists every member already seated, in any order
      expect(me.info.peers.map((p) => p.id).sort()).toEqual(people.map((p) => p.id).sort())
      expect(me.info.peers.map((p) => p.name).sort()).toEqual(['Ada', 'Bo', 'Cy', 'Di'].slice(0, people.length))
      for (const [, id, info] of await Promise.all(announced)) expect([id, info.name, info.resumed]).toEqual([me.id, name, false])
      people.push(me)
    }
    const fifth = await stranger()
    const full = next(fifth, 'full')
    const error = next(fifth, 'error')
    fifth.emit('join', room, joinOptions({ v: 2 }))
    expect(await full).toEqual([room])
    expect((await error)[0]).toMatchObject({ code: 'full', event: 'join', room, message: 'This call already has 4 people.' })
  })

  it('relays a message only to the member it is addressed to, with its sender', async () => {
    const { room, people } = await fourInRoom()
    const [a, b, c, d] = people as [(typeof people)[number], (typeof people)[number], (typeof people)[number], (typeof people)[number]]
    const seenByB = record(b.socket)
    const seenByD = record(d.socket)
    const toC = next(c.socket, 'message')
    a.socket.emit('message', room, offer, c.id)
    expect(await toC).toEqual([room, offer, a.id])
    const toA = next(a.socket, 'message')
    c.socket.emit('message', room, answer, a.id)
    expect(await toA).toEqual([room, answer, c.id])
    // Give any misrouted copy time to arrive, then check nobody else got one.
    const toD = next(d.socket, 'message')
    b.socket.emit('message', room, offer, d.id)
    expect(await toD).toEqual([room, offer, b.id])
    await sleep(100)
    expect(seenByB.filter(([e]) => e === 'message')).toEqual([])
    expect(seenByD.filter(([e]) => e === 'message')).toEqual([['message', [room, offer, b.id]]])
  })

  it('refuses a v2 message without a recipient, or addressed to its sender, with an `error`; a stranger id reaches nobody', async () => {
    const { room, people } = await fourInRoom()
    const [a, ...others] = people
    const seen = others.map((p) => record(p!.socket))
    const errors = record(a!.socket) // late `otherjoin`s may land here too: only `error`s are counted
    a!.socket.emit('message', room, offer)
    a!.socket.emit('message', room, offer, a!.id)
    a!.socket.emit('message', room, offer, 'not-a-peer-id!!!')
    a!.socket.emit('message', room, offer, 'AAAAAAAAAAAAAAAA') // well-formed, but nobody in the room
    await eventually(() => errors.filter(([e]) => e === 'error').length >= 3)
    expect(errors.filter(([e]) => e === 'error').map(([e, [info]]) => [e, (info as { code: string }).code])).toEqual([
      ['error', 'invalid'],
      ['error', 'invalid'],
      ['error', 'invalid'],
    ])
    const [noTo, toSelf] = errors.filter(([e]) => e === 'error')
    expect((noTo![1][0] as { message: string }).message).toMatch(/name its recipient/)
    expect((toSelf![1][0] as { message: string }).message).toMatch(/addressed to yourself/)
    await sleep(150)
    expect(seen.flat().filter(([e]) => e === 'message')).toEqual([])
    expect(errors.filter(([e]) => e === 'error' || e === 'message')).toHaveLength(3)
  })

  it('a message to a member of another room, or from outside the room, never arrives', async () => {
    const one = await fourInRoom()
    const other = track(await joinAs(server.url, createRoomId(), { v: 2 }))
    const seen = one.people.map((p) => record(p.socket))
    const refused = next(other.socket, 'error')
    other.socket.emit('message', one.room, offer, one.people[0]!.id) // not a member of that room
    expect((await refused)[0]).toMatchObject({ code: 'not-in-room', event: 'message' })
    await sleep(150)
    expect(seen.flat().filter(([e]) => e === 'message')).toEqual([])
  })

  it('one leaves: all three others get `bye`, and a newcomer takes the seat and hears of the three', async () => {
    const { room, people } = await fourInRoom()
    const [leaver, ...stay] = people
    const byes = stay.map((p) => next(p.socket, 'bye'))
    leaver!.socket.emit('leave', room)
    for (const bye of await Promise.all(byes)) expect(bye).toEqual([room, leaver!.id, { reason: 'left' }])
    const announced = stay.map((p) => next(p.socket, 'otherjoin'))
    const newcomer = track(await joinAs(server.url, room, { name: 'Ed', v: 2 }))
    expect(newcomer.info.peers.map((p) => p.id).sort()).toEqual(stay.map((p) => p.id).sort())
    for (const [, id] of await Promise.all(announced)) expect(id).toBe(newcomer.id)
  })

  it('keeps a seat through a reload (same peer key) while the room is full, and tells all the others it came back', async () => {
    const room = createRoomId()
    const peerKey = 'reloadreloadreloadreload'
    const a1 = track(await joinAs(server.url, room, { peerKey, instance: 'first-load', v: 2 }))
    const others = [] as Array<Awaited<ReturnType<typeof joinAs>>>
    for (let i = 0; i < 3; i++) others.push(track(await joinAs(server.url, room, { v: 2 })))
    a1.socket.disconnect()
    const fifth = await stranger()
    const full = next(fifth, 'full')
    fifth.emit('join', room, joinOptions({ v: 2 }))
    await full
    const announced = others.map((p) => next(p.socket, 'otherjoin'))
    const a2 = track(await joinAs(server.url, room, { peerKey, instance: 'second-load', v: 2 }))
    expect([a2.id, a2.info.resumed]).toEqual([a1.id, true])
    expect(a2.info.peers).toHaveLength(3)
    for (const [, id, info] of await Promise.all(announced)) expect([id, info.instance, info.resumed]).toEqual([a1.id, 'second-load', true])
  })
})

describe('one-to-one clients (v1) next to group clients (v2)', () => {
  it('a v1 member keeps the room at two, whoever joins third', async () => {
    for (const [first, second] of [
      [1, 2],
      [2, 1],
    ] as const) {
      const room = createRoomId()
      track(await joinAs(server.url, room, { v: first }))
      track(await joinAs(server.url, room, { v: second }))
      const third = await stranger()
      const full = next(third, 'full')
      const error = next(third, 'error')
      third.emit('join', room, joinOptions({ v: 2 }))
      expect(await full).toEqual([room])
      expect((await error)[0]).toMatchObject({ code: 'full', message: expect.stringMatching(/one-to-one .* 2 people/) })
    }
  })

  it('a v1 client cannot join a room of three group members', async () => {
    const room = createRoomId()
    for (let i = 0; i < 3; i++) track(await joinAs(server.url, room, { v: 2 }))
    const late = await stranger()
    const error = next(late, 'error')
    late.emit('join', room, joinOptions({ v: 1 }))
    expect((await error)[0]).toMatchObject({ code: 'full', message: 'This call already has 2 people.' })
  })

  it('v1 and v2 talk one-to-one: v1 sends without `to`, v2 addresses it', async () => {
    const room = createRoomId()
    const old = track(await joinAs(server.url, room, { v: 1 }))
    const group = track(await joinAs(server.url, room, { v: 2 }))
    const toGroup = next(group.socket, 'message')
    old.socket.emit('message', room, offer)
    expect(await toGroup).toEqual([room, offer, old.id])
    const toOld = next(old.socket, 'message')
    group.socket.emit('message', room, answer, old.id)
    expect(await toOld).toEqual([room, answer, group.id])
  })
})
