/**
 * Abuse that used to cost the server without bound: receivers that stop reading (finding 3) and log floods
 * (finding 4). Real server (a child process where memory is measured), real socket.io clients on loopback.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { SignalingSocket } from '../../src/lib/signaling/client.ts'
import { createInstanceId, createPeerKey, createRoomId, createSignalingClient, joinOptions } from '../../src/lib/signaling/client.ts'
import type { SignalData } from '../../src/lib/signaling/schema.ts'
import { connectClient, connected, eventually, joinAs, next, rssMb, sleep, spawnServer, startInProcess } from './support/signaling.ts'

const sockets: SignalingSocket[] = []
afterAll(() => {
  for (const s of sockets) s.disconnect()
})

/** Stops reading the socket's TCP connection, as a client that hangs (or is hostile) does: the server's output queues. */
function stopReading(socket: SignalingSocket): void {
  const ws = (socket.io.engine.transport as unknown as { ws?: { _socket?: { pause(): void } } }).ws
  if (!ws?._socket) throw new Error('no WebSocket under this socket.io client')
  ws._socket.pause()
}

describe('receivers that stop reading (finding 3)', () => {
  it('are cut off once their queue passes MAX_QUEUED_BYTES, so memory stays bounded', async () => {
    const server = await spawnServer({ PEER_GRACE_MS: '500', LOG_LEVEL: 'warn' })
    try {
      const ROOMS = 20
      const pairs = []
      for (let i = 0; i < ROOMS; i++) {
        const room = createRoomId()
        const sender = await joinAs(server.url, room)
        const receiver = await joinAs(server.url, room)
        sockets.push(sender.socket, receiver.socket)
        pairs.push({ room, sender, receiver })
      }
      // Under the rate limit (100 events per 10 s): 9 messages a second of 47 KB each.
      const big: SignalData = { type: 'offer', sdp: 'v=0\r\n' + 'a'.repeat(47 * 1024) }
      // First 3 s with everyone reading, so the baseline includes what this traffic costs the heap anyway.
      for (let t = 0; t < 27; t++) {
        for (const p of pairs) p.sender.socket.emit('message', p.room, big)
        await sleep(111)
      }
      const rssBefore = rssMb(server.pid)
      for (const p of pairs) stopReading(p.receiver.socket)
      const byes = pairs.map((p) => next(p.sender.socket, 'bye', 100_000))
      // Then as long as it takes: the first ~4 MB per connection fill the kernel's socket buffers, then the server's
      // own queue grows until the cap.
      let peakRss = rssBefore
      const t0 = Date.now()
      let gone = 0
      void Promise.all(byes).then(() => (gone = ROOMS))
      while (Date.now() - t0 < 90_000 && gone < ROOMS) {
        for (const p of pairs) p.sender.socket.emit('message', p.room, big)
        await sleep(111)
        peakRss = Math.max(peakRss, rssMb(server.pid))
      }
      // Every stuck receiver was disconnected (its seat then timed out: the sender hears `bye`)...
      const heard = await Promise.all(byes)
      expect(heard.map(([room, id, info]) => [room, id, info.reason])).toEqual(pairs.map((p) => [p.room, p.receiver.id, 'timeout']))
      // ...before the server held much for it: 20 × 512 KiB of queue (about 1 MB of memory each), and some slack.
      console.log(`stuck receivers: rss ${rssBefore.toFixed(1)} → peak ${peakRss.toFixed(1)} MB`)
      expect(peakRss - rssBefore, `rss ${rssBefore.toFixed(0)} → ${peakRss.toFixed(0)} MB`).toBeLessThan(30)
      expect(server.child.exitCode).toBeNull()
      expect(server.output()).toMatch(/disconnected: reader too slow/)
      // The senders are fine and a new call works.
      expect(pairs.every((p) => p.sender.socket.connected)).toBe(true)
      const fresh = await joinAs(server.url, createRoomId())
      sockets.push(fresh.socket)
    } finally {
      await server.stop()
    }
  }, 150_000) // a loaded machine moves the bytes slowly; the assertions are about memory, not time
})

describe('logs under a flood (finding 4)', () => {
  it('stay a handful of lines: refusals are counted and summed up, routine joins and leaves are debug only', async () => {
    const server = await startInProcess({ logSummaryS: 3600, rateLimitEvents: 1000 })
    try {
      const flooders: SignalingSocket[] = []
      // In batches of 20, so that a loaded machine does not time the connections out.
      for (let batch = 0; batch < 5; batch++) {
        const some = Array.from({ length: 20 }, () => connectClient(server.url, { reconnection: false }))
        flooders.push(...some)
        sockets.push(...some)
        await Promise.all(some.map((s) => connected(s, 20_000)))
      }
      for (const s of flooders)
        for (let k = 0; k < 40; k++) (s.emit as unknown as (...a: unknown[]) => void)('join', 'short', joinOptions({ v: 1 }))
      // Refused upgrades from another site's pages.
      for (let i = 0; i < 50; i++) {
        const evil = connectClient(server.url, { extraHeaders: { origin: 'https://evil.example' }, reconnection: false })
        sockets.push(evil)
        await connected(evil).catch(() => {})
      }
      // Ordinary calls: join and leave, 100 times.
      for (let i = 0; i < 50; i++) {
        const room = createRoomId()
        const a = await joinAs(server.url, room)
        const b = await joinAs(server.url, room)
        a.socket.emit('leave', room)
        b.socket.emit('leave', room)
        await next(b.socket, 'leaved')
        a.socket.disconnect()
        b.socket.disconnect()
      }
      const refusals = () =>
        (server.signaling.events.totals()['refused: invalid'] ?? 0) + (server.signaling.events.totals()['refused: rate-limited'] ?? 0)
      await eventually(() => refusals() === 100 * 40, 10_000, `4000 refusals (${JSON.stringify(server.signaling.events.totals())})`)
      const totals = server.signaling.events.totals()
      // 4,000 refused events (invalid, or over the queue depth when they came too fast), 50 refused upgrades: all
      // counted...
      expect(totals['connection rejected']).toBe(50)
      // ...but a few lines written: the first of each kind, and no info lines for joins and leaves.
      const lines = server.logs.filter((l) => l.level >= 30 && l.msg !== 'signaling ready')
      expect(lines.length, JSON.stringify(lines.map((l) => l.msg))).toBeLessThanOrEqual(5)
      server.signaling.events.flush()
      const summary = server.logs.at(-1)!
      expect(summary.msg).toBe('summary of refusals and errors')
      expect((summary.counts as Record<string, number>)['refused: invalid']).toBe(totals['refused: invalid'])
      expect((summary.counts as Record<string, number>)['connection rejected']).toBe(50)
    } finally {
      await server.close()
    }
  })
})

describe('an address that keeps abusing (flood that reconnects)', () => {
  it('is refused new connections for a while once 10 of its connections were closed for abuse; others are not', async () => {
    const server = await spawnServer({ LOG_LEVEL: 'warn' })
    const from = (localAddress: string) => {
      const s = createSignalingClient({ url: server.url, peerKey: createPeerKey(), instance: createInstanceId(), autoConnect: false })
      s.io.reconnection(false)
      ;(s.io.opts as { localAddress?: string }).localAddress = localAddress // all of 127/8 is loopback on Linux
      s.connect()
      sockets.push(s)
      return s
    }
    try {
      for (let i = 0; i < 10; i++) {
        const s = from('127.0.0.5')
        await connected(s)
        const gone = new Promise((r) => s.once('disconnect', r))
        for (let k = 0; k < 60; k++) (s.emit as unknown as (...a: unknown[]) => void)('join', 'short', joinOptions({ v: 1 }))
        await gone
      }
      await expect(connected(from('127.0.0.5'))).rejects.toThrow()
      await connected(from('127.0.0.6'))
      expect(server.output()).toMatch(/connection refused: address blocked for abuse/)
    } finally {
      await server.stop()
    }
  })
})
