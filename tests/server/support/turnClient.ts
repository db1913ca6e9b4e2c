/**
 * Just enough of STUN/TURN (RFC 5389/5766) over UDP to ask a real TURN server for an allocation with long-term
 * credentials: this proves the REST API credentials the signaling server hands out are accepted by coturn.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'

const MAGIC = 0x2112a442
const BINDING = 0x0001
const ALLOCATE = 0x0003
const CREATE_PERMISSION = 0x0008
const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  XOR_PEER_ADDRESS: 0x0012,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
}

interface Attr {
  type: number
  value: Buffer
}

function attr(type: number, value: Buffer): Buffer {
  const pad = (4 - (value.length % 4)) % 4
  const head = Buffer.alloc(4)
  head.writeUInt16BE(type, 0)
  head.writeUInt16BE(value.length, 2)
  return Buffer.concat([head, value, Buffer.alloc(pad)])
}

function message(type: number, attrs: Buffer[], integrityKey?: Buffer): Buffer {
  const header = Buffer.alloc(20)
  header.writeUInt16BE(type, 0)
  header.writeUInt32BE(MAGIC, 4)
  randomBytes(12).copy(header, 8)
  let body = Buffer.concat(attrs)
  if (integrityKey) {
    // The HMAC covers the message with its length already counting the 24-byte MESSAGE-INTEGRITY attribute.
    header.writeUInt16BE(body.length + 24, 2)
    const hmac = createHmac('sha1', integrityKey).update(Buffer.concat([header, body])).digest()
    body = Buffer.concat([body, attr(ATTR.MESSAGE_INTEGRITY, hmac)])
  }
  header.writeUInt16BE(body.length, 2)
  return Buffer.concat([header, body])
}

function parse(buf: Buffer): { type: number; attrs: Attr[] } {
  const type = buf.readUInt16BE(0)
  const length = buf.readUInt16BE(2)
  const attrs: Attr[] = []
  for (let off = 20; off + 4 <= 20 + length; ) {
    const t = buf.readUInt16BE(off)
    const len = buf.readUInt16BE(off + 2)
    attrs.push({ type: t, value: buf.subarray(off + 4, off + 4 + len) })
    off += 4 + len + ((4 - (len % 4)) % 4)
  }
  return { type, attrs }
}

/** One UDP socket per conversation: coturn ties its nonce to the client's address and port. */
function conversation() {
  const socket = createSocket('udp4')
  return {
    ask(host: string, port: number, request: Buffer, timeoutMs: number): Promise<Buffer | null> {
      return new Promise<Buffer | null>((resolve) => {
        const onMessage = (msg: Buffer) => {
          clearTimeout(timer)
          resolve(msg)
        }
        const timer = setTimeout(() => {
          socket.off('message', onMessage)
          resolve(null)
        }, timeoutMs)
        socket.once('message', onMessage)
        socket.send(request, port, host)
      })
    },
    close: () => socket.close(),
  }
}

async function exchange(host: string, port: number, request: Buffer, timeoutMs: number): Promise<Buffer | null> {
  const c = conversation()
  try {
    return await c.ask(host, port, request, timeoutMs)
  } finally {
    c.close()
  }
}

/** True when something answers a STUN binding request. */
export async function stunBinding(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  const reply = await exchange(host, port, message(BINDING, []), timeoutMs)
  return reply !== null && parse(reply).type === 0x0101
}

export type AllocateResult = { ok: true; relayed: string } | { ok: false; code: number; reason: string }

/** Allocate a UDP relay with long-term credentials (the two-step 401 → authenticated request dance). */
export async function turnAllocate(host: string, port: number, username: string, password: string): Promise<AllocateResult> {
  const c = conversation()
  try {
    return await allocate(c, host, port, username, password)
  } finally {
    c.close()
  }
}

/**
 * Allocates, then asks for a permission to send to `peerIp` (what a client does before relaying to a peer), and
 * says whether the TURN server granted it: coturn refuses peers in its `denied-peer-ip` ranges with 403.
 * Nothing is sent to the peer itself.
 */
export async function turnPermission(
  host: string,
  port: number,
  username: string,
  password: string,
  peerIp: string,
): Promise<{ ok: true } | { ok: false; code: number; reason: string }> {
  const c = conversation()
  try {
    const session: Session = {}
    const allocation = await allocate(c, host, port, username, password, session)
    if (!allocation.ok) return allocation
    const xorPeer = Buffer.alloc(8)
    xorPeer.writeUInt16BE(0x0001, 0) // IPv4
    xorPeer.writeUInt16BE(4321 ^ (MAGIC >>> 16), 2)
    const ip = peerIp.split('.').reduce((n, part) => n * 256 + Number(part), 0)
    xorPeer.writeUInt32BE((ip ^ MAGIC) >>> 0, 4)
    const request = message(
      CREATE_PERMISSION,
      [
        attr(ATTR.XOR_PEER_ADDRESS, xorPeer),
        attr(ATTR.USERNAME, Buffer.from(username)),
        attr(ATTR.REALM, session.realm!),
        attr(ATTR.NONCE, session.nonce!),
      ],
      session.key,
    )
    const reply = await c.ask(host, port, request, 2000)
    if (!reply) throw new Error('no answer to CreatePermission')
    const { type, attrs } = parse(reply)
    if (type === 0x0108) return { ok: true }
    const err = attrs.find((a) => a.type === ATTR.ERROR_CODE)?.value
    return err ? { ok: false, code: (err[2]! & 7) * 100 + err[3]!, reason: err.subarray(4).toString() } : { ok: false, code: 0, reason: `type 0x${type.toString(16)}` }
  } finally {
    c.close()
  }
}

interface Session {
  realm?: Buffer
  nonce?: Buffer
  key?: Buffer
}

async function allocate(
  c: ReturnType<typeof conversation>,
  host: string,
  port: number,
  username: string,
  password: string,
  session: Session = {},
): Promise<AllocateResult> {
  const transport = attr(ATTR.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0]))
  const first = await c.ask(host, port, message(ALLOCATE, [transport]), 2000)
  if (!first) throw new Error('no answer from TURN server')
  const challenge = parse(first)
  const realm = challenge.attrs.find((a) => a.type === ATTR.REALM)?.value
  const nonce = challenge.attrs.find((a) => a.type === ATTR.NONCE)?.value
  if (!realm || !nonce) throw new Error('TURN server sent no realm/nonce challenge')
  const key = createHash('md5').update(`${username}:${realm.toString()}:${password}`).digest()
  Object.assign(session, { realm, nonce, key })
  const request = message(
    ALLOCATE,
    [transport, attr(ATTR.USERNAME, Buffer.from(username)), attr(ATTR.REALM, realm), attr(ATTR.NONCE, nonce)],
    key,
  )
  const reply = await c.ask(host, port, request, 2000)
  if (!reply) throw new Error('no answer to the authenticated Allocate')
  const { type, attrs } = parse(reply)
  if (type === 0x0103) {
    const xor = attrs.find((a) => a.type === ATTR.XOR_RELAYED_ADDRESS)!.value
    const relayPort = xor.readUInt16BE(2) ^ (MAGIC >>> 16)
    const ip = (xor.readUInt32BE(4) ^ MAGIC) >>> 0
    return { ok: true, relayed: `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}:${relayPort}` }
  }
  const err = attrs.find((a) => a.type === ATTR.ERROR_CODE)?.value
  return err
    ? { ok: false, code: (err[2]! & 7) * 100 + err[3]!, reason: err.subarray(4).toString() }
    : { ok: false, code: 0, reason: `unexpected STUN message type 0x${type.toString(16)}` }
}
