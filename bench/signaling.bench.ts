/**
 * `npm run bench -- --only signaling`: one real server process (a child, so rss_mb is the server's alone) per
 * scenario, with Node socket.io clients:
 * - one-to-one (protocol v1): 2000 clients in 1000 rooms; each room relays one ICE-candidate-sized message per round,
 *   in alternating directions;
 * - group calls (protocol v2): 1000 clients in 250 rooms of 4; in each room every member sends one message per round,
 *   addressed (`to`) to another member (a different one each round).
 * Both send 1000 messages/s in all, spread evenly over the round, and we measure send → receive time in this process.
 * Diagnostics go to stderr.
 */
import { performance } from 'node:perf_hooks'
import type { BenchResult } from './run.ts'
import { createInstanceId, createPeerKey, createRoomId, createSignalingClient, joinOptions, type SignalingSocket } from '../src/lib/signaling/client.ts'
import type { ProtocolVersion, SignalData } from '../src/lib/signaling/schema.ts'
import { rssMb, spawnServer, withTimeout } from '../tests/server/support/signaling.ts'

const ROUNDS = 10 // measured rounds, after one warm-up round
const ROUND_MS = 1000
const CONNECT_BATCH = 100

const log = (...args: unknown[]) => console.error('[signaling bench]', ...args)

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}
const round2 = (x: number) => Math.round(x * 100) / 100

function candidate(seq: number): SignalData {
  return {
    type: 'candidate',
    candidate: {
      candidate: `candidate:${seq} 1 udp 2122260223 192.0.2.${seq % 250} ${10000 + (seq % 50000)} typ host generation 0 ufrag abcd network-id 1`,
      sdpMid: '0',
      sdpMLineIndex: 0,
      usernameFragment: 'abcd',
    },
  }
}
const seqOf = (data: SignalData) => (data.type === 'candidate' && data.candidate ? Number(data.candidate.candidate.slice(10, data.candidate.candidate.indexOf(' '))) : -1)

export default async function* signalingBench(): AsyncGenerator<BenchResult> {
  yield await scenario(1000, 2, 1)
  yield await scenario(250, 4, 2)
}

/** `ROOMS` rooms of `perRoom` clients speaking protocol `v` (v1: one message per room per round, v2: one per client). */
async function scenario(ROOMS: number, perRoom: number, v: ProtocolVersion): Promise<BenchResult> {
  const SOCKETS = ROOMS * perRoom
  const MESSAGES_PER_ROUND = v === 1 ? ROOMS : SOCKETS
  log(`${ROOMS} rooms of ${perRoom} (protocol v${v})`)
  // Every client comes from 127.0.0.1: lift the per-address cap (100), which would refuse all but the first 100.
  const server = await spawnServer({ LOG_LEVEL: 'warn', MAX_CONNECTIONS_PER_IP: String(SOCKETS + 100) })
  const sockets: SignalingSocket[] = []
  let peakRss = rssMb(server.pid)
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, rssMb(server.pid))
    } catch {
      // the server is gone; the phases below will report it
    }
  }, 250)
  try {
    const t0 = performance.now()
    for (let i = 0; i < SOCKETS; i += CONNECT_BATCH) {
      const batch = Array.from({ length: Math.min(CONNECT_BATCH, SOCKETS - i) }, () => {
        const s = createSignalingClient({ url: server.url, peerKey: createPeerKey(), instance: createInstanceId(), autoConnect: false })
        s.io.reconnection(false)
        s.connect()
        return s
      })
      sockets.push(...batch)
      await withTimeout(
        Promise.all(batch.map((s) => new Promise<void>((resolve, reject) => (s.once('connect', () => resolve()), s.once('connect_error', reject))))),
        30_000,
        'connections',
      )
    }
    log(`connected ${SOCKETS} sockets in ${Math.round(performance.now() - t0)} ms`)

    const t1 = performance.now()
    const rooms = Array.from({ length: ROOMS }, () => createRoomId())
    const ids = new Array<string>(SOCKETS)
    await withTimeout(
      Promise.all(
        sockets.map(
          (s, i) =>
            new Promise<void>((resolve, reject) => {
              s.once('joined', (_room, id) => ((ids[i] = id), resolve()))
              s.once('full', () => reject(new Error(`socket ${i} got full`)))
              s.emit('join', rooms[Math.floor(i / perRoom)]!, joinOptions({ v }))
            }),
        ),
      ),
      30_000,
      'joins',
    )
    log(`${SOCKETS} joins in ${Math.round(performance.now() - t1)} ms; server rss ${rssMb(server.pid).toFixed(1)} MB`)

    const sentAt = new Map<number, number>()
    const latencies: number[] = []
    let measuring = false
    for (const s of sockets) {
      s.on('message', (_room, data) => {
        const seq = seqOf(data)
        const start = sentAt.get(seq)
        if (start === undefined) return
        sentAt.delete(seq)
        if (measuring) latencies.push(performance.now() - start)
      })
    }

    let seq = 0
    /** The `k`-th message of a round: v1, from room k's member round % 2; v2, from client k to another of its room. */
    const send = (round: number, k: number) => {
      const n = seq++
      sentAt.set(n, performance.now())
      if (v === 1) {
        sockets[perRoom * k + (round % 2)]!.emit('message', rooms[k]!, candidate(n))
        return
      }
      const r = Math.floor(k / perRoom)
      const to = ((k % perRoom) + 1 + (round % (perRoom - 1))) % perRoom // never the sender itself
      sockets[k]!.emit('message', rooms[r]!, candidate(n), ids[perRoom * r + to]!)
    }
    const runRound = async (round: number) => {
      const timers: Promise<void>[] = []
      for (let k = 0; k < MESSAGES_PER_ROUND; k++) {
        timers.push(
          new Promise<void>((resolve) =>
            setTimeout(() => {
              send(round, k)
              resolve()
            }, (k / MESSAGES_PER_ROUND) * ROUND_MS),
          ),
        )
      }
      await Promise.all(timers)
    }

    await runRound(0) // warm-up: JIT, buffers
    await new Promise((r) => setTimeout(r, 200))
    sentAt.clear()
    measuring = true
    const t2 = performance.now()
    for (let round = 1; round <= ROUNDS; round++) await runRound(round)
    await withTimeout(
      (async () => {
        while (sentAt.size > 0) await new Promise((r) => setTimeout(r, 20))
      })(),
      10_000,
      'the last messages',
    ).catch(() => log(`${sentAt.size} messages never arrived`))
    const elapsed = performance.now() - t2
    const sorted = [...latencies].sort((a, b) => a - b)
    const rss = Math.max(peakRss, rssMb(server.pid))
    log(
      `${sorted.length} messages in ${Math.round(elapsed)} ms (${Math.round(sorted.length / (elapsed / 1000))}/s); ` +
        `p50 ${percentile(sorted, 50).toFixed(2)} p90 ${percentile(sorted, 90).toFixed(2)} p99 ${percentile(sorted, 99).toFixed(2)} ` +
        `max ${sorted.at(-1)?.toFixed(2)} ms; lost ${MESSAGES_PER_ROUND * ROUNDS - sorted.length}; peak server rss ${rss.toFixed(1)} MB`,
    )
    if (sorted.length < MESSAGES_PER_ROUND * ROUNDS) throw new Error(`${MESSAGES_PER_ROUND * ROUNDS - sorted.length} relayed messages were lost`)

    // Diagnostic only (stderr): the worst case, every room starting a call at the same instant (5 candidates each).
    latencies.length = 0
    const t3 = performance.now()
    for (let k = 0; k < MESSAGES_PER_ROUND; k++) for (let c = 0; c < 5; c++) send(0, k)
    while (sentAt.size > 0 && performance.now() - t3 < 10_000) await new Promise((r) => setTimeout(r, 20))
    const burst = [...latencies].sort((a, b) => a - b)
    log(
      `burst of ${MESSAGES_PER_ROUND * 5} at once: delivered ${burst.length} in ${Math.round(performance.now() - t3)} ms; ` +
        `p50 ${percentile(burst, 50).toFixed(1)} p99 ${percentile(burst, 99).toFixed(1)} ms (queueing, not a target)`,
    )
    return {
      bench: 'signaling',
      rooms: ROOMS,
      ...(v === 1 ? {} : { peers_per_room: perRoom }),
      sockets: SOCKETS,
      relay_p50_ms: round2(percentile(sorted, 50)),
      relay_p99_ms: round2(percentile(sorted, 99)),
      rss_mb: round2(rss),
    }
  } finally {
    clearInterval(sampler)
    for (const s of sockets) s.disconnect()
    await server.stop()
  }
}
