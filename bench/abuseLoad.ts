/**
 * Load for the abuse bench, in its own process so that generating it does not slow the measuring process down.
 * `node --import tsx bench/abuseLoad.ts <flood|stuck|idle> <server url> <ms>`; prints one JSON line when done.
 * Loopback only, a fixed number of sockets, a fixed duration.
 *
 * - flood: 500 sockets sending invalid events and messages to rooms they are not in, 100 per second each,
 *   reconnecting when the server drops them;
 * - stuck: 20 rooms whose sender stays under the rate limit (9 messages of 47 KB a second) while the receiver has
 *   stopped reading its socket;
 * - idle: 5,000 connected sockets that do nothing, 100 from each of 50 loopback addresses (the per-address cap).
 */
import {
  createInstanceId,
  createPeerKey,
  createRoomId,
  createSignalingClient,
  joinOptions,
  type SignalingSocket,
} from '../src/lib/signaling/client.ts'
import type { SignalData } from '../src/lib/signaling/schema.ts'

const [mode, url, msArg] = process.argv.slice(2)
const durationMs = Number(msArg)
const sockets: SignalingSocket[] = []
/** Messages any load socket received: none of them is in a room with anyone who sends to it, so each is a leak. */
let foreign = 0
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Tells the bench the load is in place (it measures from then on, for `ms`). */
const ready = () => console.log('ready')

function client(localAddress?: string, reconnection = false): SignalingSocket {
  const s = createSignalingClient({
    url: url!,
    peerKey: createPeerKey(),
    instance: createInstanceId(),
    autoConnect: false,
    reconnectionDelayMax: 500,
  })
  s.io.reconnection(reconnection)
  s.io.reconnectionDelay(100)
  if (localAddress) (s.io.opts as { localAddress?: string }).localAddress = localAddress
  s.on('message', () => foreign++)
  s.connect()
  sockets.push(s)
  return s
}
const connected = (s: SignalingSocket) =>
  new Promise<boolean>((resolve) => {
    if (s.connected) return resolve(true)
    s.once('connect', () => resolve(true))
    s.once('connect_error', () => resolve(false))
  })

async function flood() {
  const rooms = Array.from({ length: 10 }, () => createRoomId())
  const offer: SignalData = { type: 'offer', sdp: 'v=0\r\n' }
  for (let i = 0; i < 500; i++) client(`127.0.1.${1 + (i % 10)}`, true)
  await Promise.all(sockets.map(connected))
  ready()
  const emitRaw = (s: SignalingSocket, ...a: unknown[]) => (s.emit as unknown as (...x: unknown[]) => void)(...a)
  const until = Date.now() + durationMs
  let sent = 0
  while (Date.now() < until) {
    for (const s of sockets) {
      if (!s.connected) continue
      for (let k = 0; k < 5; k++) emitRaw(s, 'join', 'x', joinOptions({ v: 1 }))
      for (let k = 0; k < 5; k++) s.emit('message', rooms[k]!, offer)
      sent += 10
    }
    await sleep(100)
  }
  return { sockets: 500, sent }
}

async function stuck() {
  const big: SignalData = { type: 'offer', sdp: 'v=0\r\n' + 'a'.repeat(47 * 1024) }
  const pairs: Array<{ room: string; sender: SignalingSocket }> = []
  for (let i = 0; i < 20; i++) {
    const room = createRoomId()
    const sender = client('127.0.2.1')
    const receiver = client('127.0.2.2')
    receiver.off('message')
    await Promise.all([connected(sender), connected(receiver)])
    for (const s of [sender, receiver]) {
      const joined = new Promise((r) => s.once('joined', r))
      s.emit('join', room, joinOptions({ v: 1 }))
      await joined
    }
    // Stop reading: the server's output for it queues.
    ;(receiver.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws._socket.pause()
    pairs.push({ room, sender })
  }
  ready()
  let sent = 0
  let cutOff = 0
  for (const p of pairs) p.sender.on('bye', () => cutOff++)
  const until = Date.now() + durationMs
  while (Date.now() < until) {
    for (const p of pairs) p.sender.emit('message', p.room, big)
    sent += pairs.length
    await sleep(111)
  }
  return { rooms: 20, sent, receiversCutOff: cutOff }
}

async function idle() {
  for (let a = 0; a < 50; a++) {
    const batch = Array.from({ length: 100 }, () => client(`127.0.3.${1 + a}`))
    await Promise.all(batch.map(connected))
  }
  const open = sockets.filter((s) => s.connected).length
  ready()
  await sleep(durationMs)
  return { sockets: sockets.length, connected: open, stillConnected: sockets.filter((s) => s.connected).length }
}

const run = { flood, stuck, idle }[mode as 'flood' | 'stuck' | 'idle']
if (!run) throw new Error(`unknown mode ${mode}`)
process.stderr.write(`[abuse load] ${mode} starting\n`)
const result = await run()
console.log(JSON.stringify({ mode, ...result, foreign }))
for (const s of sockets) s.disconnect()
process.exit(0)
