/** ICE servers and TURN REST credentials: a known vector, what browsers receive, and real coturn accepting them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { iceServersFor, turnCredential } from '../../server/signaling/iceServers.ts'
import { readConfig } from '../../server/config.ts'
import type { SignalingSocket } from '../../src/lib/signaling/client.ts'
import { createRoomId } from '../../src/lib/signaling/client.ts'
import { joinAs, next, record, startInProcess, type InProcessServer } from './support/signaling.ts'
import { startCoturn, type Daemon } from './support/processes.ts'
import { turnAllocate } from './support/turnClient.ts'

const SECRET = 'north-wind-0b3f4c'

describe('TURN REST credentials', () => {
  it('match a known vector (computed independently with openssl)', () => {
    // printf '%s' '1700000000:alice' | openssl dgst -sha1 -hmac 'north-wind' -binary | base64
    const c = turnCredential('north-wind', 'alice', 3600, (1700000000 - 3600) * 1000)
    expect(c).toEqual({ username: '1700000000:alice', credential: 'Oko4dt8u/EbTRjRUJWQDFm/zTCc=', expiresAt: 1700000000 })
  })

  it('builds the ICE server list from configuration', () => {
    const config = readConfig({ STUN_URLS: 'stun:stun.example:3478', TURN_URLS: 'turn:turn.example:3478?transport=udp,turns:turn.example:5349', TURN_SECRET: SECRET, TURN_TTL: '600' }, [])
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
      turn: { urls: [`turn:127.0.0.1:${coturn.port}?transport=udp`], secret: SECRET, ttlSeconds: 300 },
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
