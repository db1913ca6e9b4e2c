/** Hostile and broken input: validation, limits, origins, transports. Real server, real clients. */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createAppServer } from '../../server/app.ts'
import { checkOrigin } from '../../server/signaling/origin.ts'
import { readConfig } from '../../server/config.ts'
import type { SignalingSocket } from '../../src/lib/signaling/client.ts'
import { createRoomId, joinOptions } from '../../src/lib/signaling/client.ts'
import { MAX_PAYLOAD_BYTES, type SignalData } from '../../src/lib/signaling/schema.ts'
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

const offer: SignalData = { type: 'offer', sdp: 'v=0\r\n' }
const sockets: SignalingSocket[] = []
const track = <T extends { socket: SignalingSocket }>(x: T): T => (sockets.push(x.socket), x)
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect()
})

/** Emits anything at all, bypassing the typed event map (as a hostile client would). */
const emitRaw = (s: SignalingSocket, ...args: unknown[]) => (s.emit as unknown as (...a: unknown[]) => void)(...args)

describe('validation', () => {
  let server: InProcessServer
  beforeAll(async () => {
    server = await startInProcess()
  })
  afterAll(() => server.close())

  it('refuses every malformed event with an `error` reply (code and message), counts it, and keeps serving', async () => {
    const room = createRoomId()
    const a = track(await joinAs(server.url, room))
    const otherjoin = next(a.socket, 'otherjoin')
    const b = track(await joinAs(server.url, room))
    await otherjoin
    const seenByB = record(b.socket)
    const seenByA = record(a.socket)
    const V = joinOptions({ v: 1 })
    const bad: Array<[unknown[], string]> = [
      [['join'], 'version'], // no options at all, so no protocol version
      [['join', room, {}], 'version'],
      [['join', room, { v: 99 }], 'version'],
      [['join', undefined, V], 'invalid'], // no room
      [['join', 'short-room', V], 'invalid'], // hand-picked: too short to be unguessable
      [['join', 'x'.repeat(65), V], 'invalid'],
      [['join', 'bad room!'.padEnd(22, 'x'), V], 'invalid'],
      [['join', { room }, V], 'invalid'],
      [['join', room, { ...V, name: 'x'.repeat(41) }], 'invalid'],
      [['join', room, { ...V, name: 'evil\u202ename' }], 'invalid'],
      [['join', room, { ...V, nick: 'extra key' }], 'invalid'],
      [['leave', 42], 'invalid'],
      [['message', room], 'invalid'], // no data
      [['message', room, { type: 'offer' }], 'invalid'], // no sdp
      [['message', room, { type: 'offer', sdp: 'v=0', extra: true }], 'invalid'],
      [['message', room, { type: 'pranswer', sdp: 'v=0' }], 'invalid'],
      [['message', room, { type: 'candidate', candidate: { candidate: 1 } }], 'invalid'],
      [['message', room, { type: 'offer', sdp: 'x'.repeat(48 * 1024 + 1) }], 'invalid'], // within the frame cap, over the SDP cap
      [['message', room, offer, 'extra argument'], 'invalid'],
      [['message', room, JSON.parse('{"__proto__": {"polluted": true}, "type": "offer", "sdp": "v=0"}')], 'invalid'],
    ]
    for (const [args] of bad) emitRaw(a.socket, ...args)
    await eventually(() => seenByA.length === bad.length, 5000, 'an error for each refused event')
    expect(seenByA.map(([event]) => event)).toEqual(bad.map(() => 'error'))
    expect(seenByA.map(([, [info]]) => (info as { code: string }).code)).toEqual(bad.map(([, code]) => code))
    for (const [, [info]] of seenByA) {
      expect(info).toMatchObject({
        message: expect.stringMatching(/^\S+( \S+){3}/),
        event: expect.stringMatching(/^(join|leave|message)$/),
      })
    }
    expect((seenByA[2]![1][0] as { message: string }).message).toMatch(/speaks signaling protocol 1 or 2, the join gave version 99/)
    expect((seenByA[4]![1][0] as { message: string }).message).toMatch(/^Invalid join: 0: room id must be 22-64 characters/)

    // Still serving this very connection: a valid message after all that garbage goes through.
    a.socket.emit('message', room, offer)
    await eventually(() => seenByB.length === 1)
    await sleep(50)
    expect(seenByB).toEqual([['message', [room, offer, a.id]]])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    // Counted, not logged one by one: the first of each kind is a log line, the rest are in the totals.
    const totals = server.signaling.events.totals()
    expect(totals['refused: invalid']).toBeGreaterThanOrEqual(17)
    expect(totals['refused: version']).toBeGreaterThanOrEqual(3)
    expect(server.logs.filter((l) => l.msg === 'refused: invalid').length).toBeLessThanOrEqual(1)
  })

  it('answers unknown events, acknowledgement callbacks and binary payloads with an `error` too', async () => {
    const room = createRoomId()
    const a = track(await joinAs(server.url, room))
    const seen = record(a.socket)
    emitRaw(a.socket, 'hello', room)
    emitRaw(a.socket, 'constructor')
    emitRaw(a.socket, '__proto__', room)
    emitRaw(a.socket, 'message', room, Buffer.from('binary'))
    emitRaw(a.socket, 'message', [room], offer)
    emitRaw(a.socket, 'message', room, offer, () => 'acks are not part of the protocol')
    await eventually(() => seen.length === 6)
    expect(seen.map(([e, [info]]) => [e, (info as { code: string; event: string }).code, (info as { event: string }).event])).toEqual([
      ['error', 'invalid', 'hello'],
      ['error', 'invalid', 'constructor'],
      ['error', 'invalid', '__proto__'],
      ['error', 'invalid', 'message'],
      ['error', 'invalid', 'message'],
      ['error', 'invalid', 'message'],
    ])
  })

  it('disconnects a client that keeps sending invalid events', async () => {
    const s = connectClient(server.url, { reconnection: false })
    sockets.push(s)
    await connected(s)
    const gone = new Promise<string>((r) => s.once('disconnect', r))
    for (let i = 0; i < 60; i++) emitRaw(s, 'join', i, joinOptions({ v: 1 }))
    expect(await gone).toBe('io server disconnect')
    expect(server.signaling.events.totals()['disconnected: too many refused events']).toBeGreaterThanOrEqual(1)
  })

  it('closes connections that send frames over the size cap, and nothing else breaks', async () => {
    const room = createRoomId()
    const a = track(await joinAs(server.url, room))
    const b = track(await joinAs(server.url, room))
    const gone = new Promise<string>((r) => a.socket.once('disconnect', r))
    a.socket.io.reconnection(false)
    emitRaw(a.socket, 'message', room, { type: 'offer', sdp: 'x'.repeat(MAX_PAYLOAD_BYTES) })
    expect(await gone).toBe('transport close')
    const c = track(await joinAs(server.url, createRoomId()))
    expect(c.info.resumed).toBe(false)
    expect(b.socket.connected).toBe(true)
  })

  it('survives packets the socket.io parser cannot read', async () => {
    const s = connectClient(server.url, { reconnection: false })
    sockets.push(s)
    await connected(s)
    const gone = new Promise<string>((r) => s.once('disconnect', r))
    s.io.engine.write('2["message",{"type":') // truncated JSON
    expect(await gone).toBe('transport close')
    const ok = track(await joinAs(server.url, createRoomId()))
    expect(ok.socket.connected).toBe(true)
  })

  it('rejects a handshake without valid auth', async () => {
    const { io } = await import('socket.io-client')
    for (const auth of [undefined, { peerKey: 'short', instance: 'instance-1' }, { peerKey: 'k'.repeat(22), instance: 'i', x: 1 }]) {
      const s = io(server.url, { transports: ['websocket'], auth, reconnection: false, forceNew: true })
      const err = await new Promise<Error>((r) => s.once('connect_error', r))
      expect(err.message).toBe('invalid auth')
      s.close()
    }
    expect(server.signaling.events.totals()['handshake rejected']).toBeGreaterThanOrEqual(3)
  })
})

describe('rate limit', () => {
  let server: InProcessServer
  beforeAll(async () => {
    server = await startInProcess({ rateLimitEvents: 20, rateLimitWindowS: 60 })
  })
  afterAll(() => server.close())

  it('drops events over the per-connection budget, then disconnects a client that keeps going', async () => {
    const room = createRoomId()
    const a = track(await joinAs(server.url, room)) // 1 point
    const b = track(await joinAs(server.url, room))
    const seenByB = record(b.socket)
    const seenByA = record(a.socket)
    for (let i = 0; i < 25; i++) a.socket.emit('message', room, offer)
    await eventually(() => seenByB.length === 19)
    await sleep(100)
    expect(seenByB).toHaveLength(19) // 20 points, one spent on join
    // The sender is told, once per refused event.
    await eventually(() => seenByA.filter(([e]) => e === 'error').length === 6)
    const errors = seenByA.filter(([e]) => e === 'error')
    expect(errors.map(([, [info]]) => (info as { code: string }).code)).toEqual(Array(6).fill('rate-limited'))
    expect(server.signaling.events.totals()['refused: rate-limited']).toBe(6)

    const gone = new Promise<string>((r) => a.socket.once('disconnect', r))
    a.socket.io.reconnection(false)
    for (let i = 0; i < 20; i++) a.socket.emit('message', room, offer)
    expect(await gone).toBe('io server disconnect')
    // Others are unaffected: b has its own budget.
    const c = track(await joinAs(server.url, createRoomId()))
    expect(c.socket.connected).toBe(true)
  })
})

describe('origins', () => {
  it('allows same-origin, loopback by default, and only listed origins when ALLOWED_ORIGINS is set', () => {
    expect(checkOrigin(undefined, 'example.com', undefined)).toEqual({ ok: true }) // not a browser
    expect(checkOrigin('https://example.com', 'example.com', undefined)).toEqual({ ok: true }) // same origin
    expect(checkOrigin('http://localhost:5173', 'localhost:8080', undefined)).toEqual({ ok: true })
    expect(checkOrigin('http://127.0.0.1:5173', '192.0.2.1:8080', undefined)).toEqual({ ok: true })
    expect(checkOrigin('http://[::1]:5173', 'x:8080', undefined)).toEqual({ ok: true })
    expect(checkOrigin('https://evil.example', 'example.com', undefined).ok).toBe(false)
    expect(checkOrigin('http://localhost.evil.example', 'example.com', undefined).ok).toBe(false)
    expect(checkOrigin('null', 'example.com', undefined).ok).toBe(false) // sandboxed iframes, file:// pages
    const list = ['https://app.example']
    expect(checkOrigin('https://app.example', 'signal.example', list)).toEqual({ ok: true })
    expect(checkOrigin('http://app.example', 'signal.example', list).ok).toBe(false) // scheme matters
    expect(checkOrigin('http://localhost:5173', 'signal.example', list).ok).toBe(false)
    expect(checkOrigin('https://signal.example', 'signal.example', list)).toEqual({ ok: true })
    expect(checkOrigin('https://anything.example', 'signal.example', '*')).toEqual({ ok: true })
  })

  it('parses ALLOWED_ORIGINS strictly', () => {
    expect(readConfig({ ALLOWED_ORIGINS: 'https://a.example, https://b.example:8443/' }, []).signaling.allowedOrigins).toEqual([
      'https://a.example',
      'https://b.example:8443',
    ])
    expect(readConfig({ ALLOWED_ORIGINS: '*' }, []).signaling.allowedOrigins).toBe('*')
    expect(() => readConfig({ ALLOWED_ORIGINS: 'a.example' }, [])).toThrow(/ALLOWED_ORIGINS/)
  })

  it('rejects a browser from another origin in allowRequest, before any socket.io handshake', async () => {
    const server = await startInProcess({ allowedOrigins: ['https://app.example'] })
    try {
      const evil = connectClient(server.url, { extraHeaders: { origin: 'https://evil.example' }, reconnection: false })
      sockets.push(evil)
      await expect(connected(evil)).rejects.toThrow()
      const good = connectClient(server.url, { extraHeaders: { origin: 'https://app.example' } })
      sockets.push(good)
      await connected(good)
      const same = connectClient(server.url, { extraHeaders: { origin: server.url } })
      sockets.push(same)
      await connected(same)
      // engine.io answers every refused upgrade with 400 and the reason as the body.
      expect(await upgrade(server.url, 'https://evil.example')).toEqual({
        status: 400,
        body: 'origin https://evil.example not in ALLOWED_ORIGINS',
      })
      expect((await upgrade(server.url, 'https://app.example')).status).toBe(101)
      expect(server.logs.some((l) => l.msg === 'connection rejected' && l.origin === 'https://evil.example')).toBe(true)
    } finally {
      await server.close()
    }
  })
})

/** Outcome of a raw WebSocket upgrade request to the socket.io endpoint with the given Origin. */
async function upgrade(base: string, origin: string): Promise<{ status: number; body: string }> {
  const req = request(`${base}/socket.io/?EIO=4&transport=websocket`, {
    headers: {
      origin,
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': randomBytes(16).toString('base64'),
    },
  })
  req.end()
  return new Promise((resolve, reject) => {
    req.once('upgrade', (res, socket) => {
      socket.destroy()
      resolve({ status: res.statusCode ?? 0, body: '' })
    })
    req.once('response', (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.once('error', reject)
  })
}

describe('transports and static files', () => {
  it('offers WebSocket only (no long-polling, so no sticky sessions)', async () => {
    const server = await startInProcess()
    try {
      const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`)
      expect(res.status).toBe(400)
      const body = (await res.json()) as { message: string }
      expect(body.message).toMatch(/Transport unknown/)
    } finally {
      await server.close()
    }
  })

  it('still serves the built app with SPA fallback and cache headers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'media-studio-dist-'))
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>')
    writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log(1)')
    const http = createAppServer({ staticDir: dir })
    http.listen(0, '127.0.0.1')
    await once(http, 'listening')
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
    try {
      const deep = await fetch(`${base}/gallery/some/deep/link`)
      expect(deep.status).toBe(200)
      expect(await deep.text()).toContain('<title>app</title>')
      expect(deep.headers.get('cache-control')).toBe('no-cache')
      const asset = await fetch(`${base}/assets/app-abc123.js`)
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      expect(asset.headers.get('x-content-type-options')).toBe('nosniff')
    } finally {
      http.close()
    }
  })
})
