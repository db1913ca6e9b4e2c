/**
 * `npm run bench -- --only abuse`: what abuse costs a legitimate call. One real server process (a child, so its RSS
 * is its own) with the default limits; a legitimate pair in this process relays a candidate-sized message every
 * 20 ms and we measure send → receive time while another process (bench/abuseLoad.ts) applies, one after another:
 * (a) 500 flooding sockets, (b) 20 rooms whose receivers stopped reading (with the server's RSS growth), (c) 5,000
 * idle sockets. Also: `crashes` (the server process exiting), `cross_room` (messages that reached anyone but their
 * room's other member). Everything on loopback (127.0.0.0/8), bounded in sockets and time.
 */
import { spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import type { BenchResult } from './run.ts'
import { createRoomId } from '../src/lib/signaling/client.ts'
import type { SignalData } from '../src/lib/signaling/schema.ts'
import { connectClient, connected, joinAs, rssMb, spawnServer, withTimeout, type ServerProcess } from '../tests/server/support/signaling.ts'

const log = (...args: unknown[]) => console.error('[abuse bench]', ...args)
const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN)
const round1 = (x: number) => Math.round(x * 10) / 10
const LOAD_MS = { flood: 8000, stuck: 22_000, idle: 8000 } as const

/** Runs one kind of load in its own process; resolves once it is in place, with a promise of its summary. */
async function startLoad(mode: keyof typeof LOAD_MS, url: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/abuseLoad.ts', mode, url, String(LOAD_MS[mode])], {
    cwd: new URL('../', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  const done = new Promise<Record<string, number>>((resolve, reject) =>
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (code === 0 && line) resolve(JSON.parse(line) as Record<string, number>)
      else reject(new Error(`abuse load ${mode} exited with ${code}: ${out}`))
    }),
  )
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', () => out.includes('ready\n') && resolve())
      done.catch(reject)
    }),
    120_000,
    `${mode} load to be in place`,
  )
  return { done }
}

export default async function* abuseBench(): AsyncGenerator<BenchResult> {
  const server: ServerProcess = await spawnServer({ LOG_LEVEL: 'warn' })
  let crashes = 0
  server.child.once('exit', (_code, signal) => {
    if (signal !== 'SIGTERM') crashes++
  })
  const room = createRoomId()
  const a = await joinAs(server.url, room)
  const b = await joinAs(server.url, room)
  let crossRoom = 0
  const sentAt = new Map<number, number>()
  let latencies: number[] = []
  for (const [me, other] of [
    [a, b],
    [b, a],
  ] as const) {
    me.socket.on('message', (r, data, from) => {
      if (r !== room || from !== other.id) return void crossRoom++
      const seq = data.type === 'candidate' && data.candidate ? Number(data.candidate.sdpMid) : NaN
      const t = sentAt.get(seq)
      if (t === undefined) return
      sentAt.delete(seq)
      latencies.push(performance.now() - t)
    })
  }
  let seq = 0
  const candidate = (n: number): SignalData => ({
    type: 'candidate',
    candidate: { candidate: `candidate:${n} 1 udp 2122260223 192.0.2.1 ${10000 + (n % 50000)} typ host`, sdpMid: String(n), sdpMLineIndex: 0 },
  })
  // One message every 60 ms in alternate directions: about 8 a second per side, under the default per-connection
  // budget of 100 events per 10 s.
  const pump = setInterval(() => {
    const n = seq++
    sentAt.set(n, performance.now())
    ;(n % 2 ? b : a).socket.emit('message', room, candidate(n))
  }, 60)

  async function phase(mode: keyof typeof LOAD_MS): Promise<{ p99: number; rssGrowth: number; load: Record<string, number> }> {
    const load = await startLoad(mode, server.url)
    latencies = []
    sentAt.clear()
    const rssBefore = rssMb(server.pid)
    let peak = rssBefore
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, rssMb(server.pid))
      } catch {
        // gone: counted as a crash
      }
    }, 200)
    const summary = await load.done
    clearInterval(sampler)
    const sorted = [...latencies].sort((x, y) => x - y)
    log(
      `${mode}: ${JSON.stringify(summary)}; legit pair ${sorted.length} messages, p50 ${percentile(sorted, 50).toFixed(1)} p99 ${percentile(sorted, 99).toFixed(1)} max ${sorted.at(-1)?.toFixed(1)} ms, ${sentAt.size} not arrived; server rss ${rssBefore.toFixed(1)} → peak ${peak.toFixed(1)} MB`,
    )
    crossRoom += summary.foreign ?? 0
    return { p99: percentile(sorted, 99), rssGrowth: peak - rssBefore, load: summary }
  }

  try {
    // Check the pair works before anything else.
    await withTimeout(
      (async () => {
        while (latencies.length < 20) await new Promise((r) => setTimeout(r, 50))
      })(),
      10_000,
      'the legitimate pair',
    )
    const flood = await phase('flood')
    const stuck = await phase('stuck')
    const idle = await phase('idle')
    // Still serving a new call after all that.
    const c = connectClient(server.url, { reconnection: false })
    await connected(c)
    c.disconnect()
    if (!a.socket.connected || !b.socket.connected) throw new Error('the legitimate pair was disconnected')
    yield {
      bench: 'abuse',
      flood_p99_ms: round1(flood.p99),
      stuck_p99_ms: round1(stuck.p99),
      idle_p99_ms: round1(idle.p99),
      stuck_rss_growth_mb: round1(stuck.rssGrowth),
      crashes,
      cross_room: crossRoom,
    }
  } finally {
    clearInterval(pump)
    a.socket.disconnect()
    b.socket.disconnect()
    await server.stop()
  }
}
