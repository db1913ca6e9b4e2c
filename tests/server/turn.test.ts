/** ICE servers and TURN REST credentials: a known vector, what browsers receive, and real coturn accepting them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { iceServersFor, turnCredential } from '../../server/signaling/iceServers.ts'
import { readConfig, type TurnConfig } from '../../server/config.ts'
import type { SignalingSocket } from '../../src/lib/signaling/client.ts'
import { createPeerKey, createRoomId, joinOptions } from '../../src/lib/signaling/client.ts'
import type { IceServersInfo, JoinedInfo } from '../../src/lib/signaling/schema.ts'
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
import { startCoturn, type Daemon } from './support/processes.ts'
import { turnAllocate, turnPermission } from './support/turnClient.ts'

const SECRET = 'north-wind-0b3f4c'

describe('TURN REST credentials', () => {
  it('match a known vector (computed independently with openssl)', () => {
    // printf '%s' '1700000000:alice' | openssl dgst -sha1 -hmac 'north-wind' -binary | base64
    const c = turnCredential('north-wind', 'alice', 3600, (1700000000 - 3600) * 1000)
    expect(c).toEqual({ username: '1700000000:alice', credential: 'Oko4dt8u/EbTRjRUJWQDFm/zTCc=', expiresAt: 1700000000 })
  })

  it('builds the ICE server list from configuration', () => {
    const config = readConfig(
      {
        STUN_URLS: 'stun:stun.example:3478',
        TURN_URLS: 'turn:turn.example:3478?transport=udp,turns:turn.example:5349',
        TURN_SECRET: SECRET,
        TURN_TTL: '600',
      },
      [],
    )
    const now = 1_800_000_000_000
    const list = iceServersFor(config.signaling, 'peer1', now)
    expect(list.iceServers).toEqual([
      { urls: ['stun:stun.example:3478'] },
      {
        urls: ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349'],
        username: `${now / 1000 + 600}:peer1`,
        credential: turnCredential(SECRET, 'peer1', 600, now).credential,
      },
    ])
    expect(list.expiresAt).toBe(now + 600_000)
    expect(iceServersFor({ stunUrls: [], turn: undefined }, 'p')).toEqual({ iceServers: [], expiresAt: null })
  })

  it('rejects incomplete TURN configuration', () => {
    expect(() => readConfig({ TURN_URLS: 'turn:t.example' }, [])).toThrow(/TURN_URLS needs TURN_SECRET/)
    expect(() => readConfig({ TURN_SECRET: 's' }, [])).toThrow(/TURN_SECRET needs TURN_URLS/)
    expect(() => readConfig({ STUN_URLS: 'http://x' }, [])).toThrow(/stun:/)
  })
})

describe('with coturn on loopback', () => {
  let coturn: Daemon
  let server: InProcessServer
  const sockets: SignalingSocket[] = []
  beforeAll(async () => {
    coturn = await startCoturn(SECRET)
  })
  afterAll(async () => {
    for (const s of sockets) s.disconnect()
    await server?.close()
    await coturn?.stop()
  })

  it('the credentials on `joined` allocate a relay; the secret never reaches a client', async () => {
    server = await startInProcess({
      stunUrls: [`stun:127.0.0.1:${coturn.port}`],
      turn: { urls: [`turn:127.0.0.1:${coturn.port}?transport=udp`], secret: SECRET, ttlSeconds: 300, mintsPerIp: 30, mintWindowS: 3600 },
    })
    const room = createRoomId()
    const a = await joinAs(server.url, room)
    sockets.push(a.socket)
    const seenByA = record(a.socket)
    const otherjoin = next(a.socket, 'otherjoin')
    const b = await joinAs(server.url, room)
    sockets.push(b.socket)
    await otherjoin
    b.socket.emit('message', room, { type: 'offer', sdp: 'v=0' })
    await next(a.socket, 'message')

    const turn = a.info.iceServers.find((s) => s.urls.some((u) => u.startsWith('turn:')))!
    expect(turn.username).toMatch(new RegExp(`^\\d+:${a.id}$`))
    expect(a.info.iceServersExpireAt).toBeGreaterThan(Date.now() + 290_000)
    const everything = JSON.stringify([a.info, b.info, seenByA])
    expect(everything).not.toContain(SECRET)

    const allocation = await turnAllocate('127.0.0.1', coturn.port, turn.username!, turn.credential!)
    expect(allocation).toMatchObject({ ok: true, relayed: expect.stringMatching(/^127\.0\.0\.1:\d+$/) })
  })

  it('coturn refuses a wrong, an expired, or a foreign-secret credential', async () => {
    const good = turnCredential(SECRET, 'peer', 300)
    expect(await turnAllocate('127.0.0.1', coturn.port, good.username, 'd3Jvbmc=')).toMatchObject({ ok: false, code: 401 })
    const expired = turnCredential(SECRET, 'peer', -60)
    expect(await turnAllocate('127.0.0.1', coturn.port, expired.username, expired.credential)).toMatchObject({ ok: false, code: 401 })
    const foreign = turnCredential('another-secret', 'peer', 300)
    expect(await turnAllocate('127.0.0.1', coturn.port, foreign.username, foreign.credential)).toMatchObject({ ok: false, code: 401 })
  })
})

describe('relay credentials only for seated peers (finding 7)', () => {
  const sockets: SignalingSocket[] = []
  const servers: InProcessServer[] = []
  afterAll(async () => {
    for (const s of sockets) s.disconnect()
    await Promise.all(servers.map((s) => s.close()))
  })
  const turnConfig = (over: Partial<TurnConfig> = {}): TurnConfig => ({
    urls: ['turn:127.0.0.1:3478?transport=udp'],
    secret: SECRET,
    ttlSeconds: 3600,
    mintsPerIp: 30,
    mintWindowS: 3600,
    ...over,
  })
  const turnOf = (info: JoinedInfo | IceServersInfo) => info.iceServers.find((s) => s.urls.some((u) => u.startsWith('turn:')))

  it('hands out credentials for about an hour by default, not a day', () => {
    const config = readConfig({ TURN_URLS: 'turn:t.example:3478', TURN_SECRET: SECRET }, [])
    expect(config.signaling.turn).toMatchObject({ ttlSeconds: 3600, mintsPerIp: 30, mintWindowS: 3600 })
  })

  it('only room ids of 128 bits and more are accepted: a hand-picked room cannot be joined for credentials', async () => {
    const server = await startInProcess({ turn: turnConfig() })
    servers.push(server)
    const s = connectClient(server.url)
    sockets.push(s)
    await connected(s)
    const seen = record(s)
    for (const room of ['room1234', 'my-meeting-room', 'a'.repeat(21)]) s.emit('join', room, joinOptions({ v: 1 }))
    await eventually(() => seen.length === 3)
    expect(seen.map(([event, [info]]) => [event, (info as { code: string }).code])).toEqual(Array(3).fill(['error', 'invalid']))
    expect(server.signaling.stats().turnCredentials).toBe(0)
  })

  it('limits how many credentials one address can mint; a reconnect of the same peer reuses its own', async () => {
    const server = await startInProcess({ turn: turnConfig({ mintsPerIp: 3 }) })
    servers.push(server)
    const peerKey = createPeerKey()
    const first = await joinAs(server.url, createRoomId(), { peerKey })
    sockets.push(first.socket)
    const cred = turnOf(first.info)!
    expect(cred.username).toMatch(/^\d+:/)
    // The same peer coming back (a reload, a reconnect) gets the credentials it holds, without minting again.
    first.socket.disconnect()
    const again = await joinAs(server.url, createRoomId(), { peerKey })
    sockets.push(again.socket)
    expect(turnOf(again.info)).toEqual(cred)
    for (let i = 0; i < 2; i++) {
      const other = await joinAs(server.url, createRoomId())
      sockets.push(other.socket)
      expect(turnOf(other.info)).toBeDefined()
    }
    // The fourth new peer from this address: joined, but without TURN, and told why.
    const s = connectClient(server.url)
    sockets.push(s)
    await connected(s)
    const refused = next(s, 'error')
    const joined = next(s, 'joined')
    s.emit('join', createRoomId(), joinOptions({ v: 1 }))
    const [, , info] = await joined
    expect(turnOf(info)).toBeUndefined()
    expect(info.iceServersExpireAt).toBeNull()
    expect((await refused)[0]).toMatchObject({ code: 'turn-limit', event: 'join' })
  })

  it('renews the credentials of a seated peer before they expire, and stops when it leaves', async () => {
    const server = await startInProcess({ turn: turnConfig({ ttlSeconds: 3 }) })
    servers.push(server)
    const room = createRoomId()
    const a = await joinAs(server.url, room)
    sockets.push(a.socket)
    const firstExpiry = a.info.iceServersExpireAt!
    expect(firstExpiry - Date.now()).toBeLessThanOrEqual(3000)
    // At 80 % of the lifetime (2.4 s), fresh ones arrive.
    const [r, info] = await next(a.socket, 'iceservers', 4000)
    expect(r).toBe(room)
    expect(info.iceServersExpireAt!).toBeGreaterThan(firstExpiry)
    expect(turnOf(info)!.username).not.toBe(turnOf(a.info)!.username)
    const seen = record(a.socket)
    a.socket.emit('leave', room)
    await sleep(3500)
    expect(seen.map(([e]) => e)).toEqual(['leaved'])
  })
})

describe('coturn as docs/signaling.md configures it (COTURN_HARDENING)', () => {
  let coturn: Daemon
  beforeAll(async () => {
    coturn = await startCoturn(SECRET)
  })
  afterAll(() => coturn?.stop())

  it('refuses to relay to private, link-local and multicast peers, and allows public ones', async () => {
    const c = turnCredential(SECRET, 'peer', 300)
    for (const peer of ['10.1.2.3', '192.168.1.10', '172.20.0.5', '169.254.169.254', '100.64.0.1', '224.0.0.251', '127.0.0.1']) {
      const r = await turnPermission('127.0.0.1', coturn.port, c.username, c.credential, peer)
      expect([peer, r.ok ? 'granted' : (r as { code: number }).code]).toEqual([peer, 403])
    }
    // A public address is allowed (a permission only: nothing is sent to it).
    expect(await turnPermission('127.0.0.1', coturn.port, c.username, c.credential, '198.51.100.7')).toEqual({ ok: true })
  })
})
