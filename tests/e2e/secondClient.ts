/**
 * A second client for the call, written from docs/signaling.md ("Writing another client") alone, on a non-browser
 * WebRTC stack (werift, WebRTC in TypeScript for Node). It joins a room, takes the role the id rule gives it,
 * sends a test picture (VP8) and tone (Opus) that ffmpeg encodes on loopback, counts the media it receives, and
 * speaks the chat protocol. It imports nothing from the app: the point is that the document is enough.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import type { AddressInfo } from 'node:net'
import { io, type Socket } from 'socket.io-client'
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, type RTCDataChannel } from 'werift'

type Signal = { type: 'offer' | 'answer'; sdp: string } | { type: 'candidate'; candidate: Record<string, unknown> | null }

const b64url = (b: Buffer) => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

/** "`myId` is base64url(sha256("media-studio/peer-id/" + peerKey)) cut to 16 characters." */
export const idOf = (peerKey: string) => b64url(createHash('sha256').update(`media-studio/peer-id/${peerKey}`).digest()).slice(0, 16)

/** A peer key whose id sorts before (`polite`) or after (`impolite`) `otherId`. */
export function peerKeyFor(role: 'polite' | 'impolite', otherId: string): string {
  for (;;) {
    const key = b64url(randomBytes(24))
    const id = idOf(key)
    if (role === 'polite' ? id < otherId : id > otherId) return key
  }
}

export interface SecondClient {
  id: string
  /** The role toward the first person it connected to (null before anyone). */
  polite: boolean | null
  /** RTP packets received, in total and per person (by peer id). */
  received: { audio: number; video: number }
  receivedFrom: Map<string, { audio: number; video: number }>
  chats: string[]
  /** Resolves when the first chat channel is open. */
  chatOpen: Promise<void>
  /** Chat channels open now (one per person). */
  openChats(): number
  /** Sends a chat message to everyone whose chat channel is open. */
  sendChat(text: string): void
  close(): Promise<void>
}

export interface SecondClientOptions {
  name: string
  peerKey?: string
  /**
   * As the polite peer: send every ICE candidate first and the offer after them, without candidates in its SDP.
   * The other side then has candidates before any remote description; if it dropped them, nothing could connect.
   */
  candidatesFirst?: boolean
  /** Relay (TURN) candidates only, with the credentials `joined` carries. */
  relayOnly?: boolean
  /** Protocol version: 1 (one-to-one) or 2 (a group call: one connection per person, addressed messages). @default 1 */
  version?: 1 | 2
}

export async function startSecondClient(url: string, room: string, opts: SecondClientOptions): Promise<SecondClient> {
  const peerKey = opts.peerKey ?? b64url(randomBytes(24))
  const socket: Socket = io(url, { transports: ['websocket'], auth: { peerKey, instance: b64url(randomBytes(9)) }, reconnection: false })
  const version = opts.version ?? 1
  const received = { audio: 0, video: 0 }
  const receivedFrom = new Map<string, { audio: number; video: number }>()
  const chats: string[] = []
  /** "Every pair of people in the room runs its own RTCPeerConnection": one entry per other person. */
  interface Pair {
    pc: RTCPeerConnection
    polite: boolean
    chat?: RTCDataChannel
    early: Array<Record<string, unknown>>
  }
  const pairs = new Map<string, Pair>()
  let firstPolite: boolean | null = null
  let iceServers: Array<{ urls: string[]; username?: string; credential?: string }> = []
  let resolveChat!: () => void
  const chatOpen = new Promise<void>((r) => (resolveChat = r))

  // The media we send: ffmpeg encodes a test picture (VP8) and a tone (Opus) to RTP on loopback UDP.
  const tracks = { audio: new MediaStreamTrack({ kind: 'audio' }), video: new MediaStreamTrack({ kind: 'video' }) }
  const udp: Record<'audio' | 'video', UdpSocket> = { audio: createSocket('udp4'), video: createSocket('udp4') }
  for (const kind of ['audio', 'video'] as const) {
    udp[kind].on('message', (packet: Buffer) => tracks[kind].writeRtp(packet))
    await new Promise<void>((r) => udp[kind].bind(0, '127.0.0.1', r))
  }
  const port = (k: 'audio' | 'video') => (udp[k].address() as AddressInfo).port
  const ffmpeg: ChildProcess = spawn(
    'ffmpeg',
    // prettier-ignore
    ['-nostdin', '-loglevel', 'error', '-re',
      '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '15', '-f', 'rtp', `rtp://127.0.0.1:${port('video')}?pkt_size=1200`,
      '-map', '1:a', '-c:a', 'libopus', '-b:a', '48k', '-ac', '2', '-f', 'rtp', `rtp://127.0.0.1:${port('audio')}?pkt_size=1200`],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )

  // Version 2: "every `message` names the peer it is for". Version 1: to the other member.
  const send = (to: string, data: Signal) => (version === 2 ? socket.emit('message', room, data, to) : socket.emit('message', room, data))
  let closed = false

  function openChannels(pair: Pair) {
    // "two negotiated data channels: chat with id 0 and file with id 1"
    const chat = pair.pc.createDataChannel('chat', { negotiated: true, id: 0 })
    pair.pc.createDataChannel('file', { negotiated: true, id: 1 })
    pair.chat = chat
    chat.stateChanged.subscribe((state) => {
      if (state !== 'open') return
      chat.send(JSON.stringify({ t: 'state', audio: true, video: true, screen: false }))
      resolveChat()
    })
    chat.onMessage.subscribe((frame) => {
      const msg = JSON.parse(frame.toString()) as { t: string; text?: string }
      if (msg.t === 'chat' && typeof msg.text === 'string') chats.push(msg.text)
    })
  }

  function createConnection(other: string, gathered: () => void): RTCPeerConnection {
    const p = new RTCPeerConnection({
      bundlePolicy: 'max-bundle',
      iceServers,
      iceTransportPolicy: opts.relayOnly ? 'relay' : 'all',
      codecs: {
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
        video: [
          new RTCRtpCodecParameters({
            mimeType: 'video/VP8',
            clockRate: 90000,
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }],
          }),
        ],
      },
    })
    p.onIceCandidate.subscribe((c) => {
      if (!c) return void gathered()
      const j = c.toJSON()
      send(other, {
        type: 'candidate',
        candidate: { candidate: j.candidate, sdpMid: j.sdpMid ?? null, sdpMLineIndex: j.sdpMLineIndex ?? null },
      })
    })
    const from = { audio: 0, video: 0 }
    receivedFrom.set(other, from)
    p.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe(() => {
        received[track.kind as 'audio' | 'video']++
        from[track.kind as 'audio' | 'video']++
      })
    })
    return p
  }

  async function start(other: string) {
    let gathered: () => void = () => {}
    const allGathered = new Promise<void>((r) => (gathered = r))
    const pair: Pair = { pc: createConnection(other, () => gathered()), polite: idOf(peerKey) < other, early: [] }
    pairs.get(other)?.pc.close()
    pairs.set(other, pair)
    firstPolite ??= pair.polite
    if (pair.polite) {
      const pc = pair.pc
      // "one audio transceiver and one video transceiver, both sendrecv, then the two negotiated channels, then offer"
      pc.addTransceiver(tracks.audio, { direction: 'sendrecv' })
      pc.addTransceiver(tracks.video, { direction: 'sendrecv' })
      openChannels(pair)
      await pc.setLocalDescription(await pc.createOffer())
      if (opts.candidatesFirst) {
        await allGathered
        send(other, { type: 'offer', sdp: pc.localDescription!.sdp.replace(/^a=(candidate|end-of-candidates).*\r\n/gm, '') })
      } else send(other, { type: 'offer', sdp: pc.localDescription!.sdp })
    }
  }

  async function addCandidate(pc: RTCPeerConnection, c: Record<string, unknown>) {
    await pc.addIceCandidate(c as never).catch(() => {})
  }

  socket.on('joined', (_room: string, _id: string, info: { peers: Array<{ id: string }>; iceServers: typeof iceServers }) => {
    iceServers = info.iceServers
    // "`joined.peers` lists everyone already seated": a connection with each.
    for (const p of info.peers) if (!pairs.has(p.id)) void start(p.id)
  })
  socket.on('otherjoin', (_room: string, id: string) => {
    if (!pairs.has(id)) void start(id)
  })
  socket.on('bye', (_room: string, id: string) => {
    // "on `bye` close that peer's connection only"
    void pairs.get(id)?.pc.close()
    pairs.delete(id)
  })
  socket.on('message', async (_room: string, data: Signal, from: string) => {
    const pair = pairs.get(from)
    if (!pair) return
    const pc = pair.pc
    if (data.type === 'candidate') {
      if (!data.candidate) return
      // "queue candidates that arrive before the remote description and add them once it is set"
      if (!pc.remoteDescription) pair.early.push(data.candidate)
      else await addCandidate(pc, data.candidate)
      return
    }
    if (data.type === 'offer') {
      if (!pair.polite || pc.signalingState === 'stable') {
        await pc.setRemoteDescription({ type: 'offer', sdp: data.sdp })
      } else return // an offer crossing ours as the polite side would need a rollback; not exercised here
      // "take the audio and video transceivers the offer created, set them sendrecv, put the tracks on them"
      for (const t of pc.getTransceivers()) {
        if (t.kind !== 'audio' && t.kind !== 'video') continue
        t.setDirection('sendrecv')
        await t.sender.replaceTrack(tracks[t.kind])
      }
      if (!pair.chat) openChannels(pair)
      await pc.setLocalDescription(await pc.createAnswer())
      send(from, { type: 'answer', sdp: pc.localDescription!.sdp })
    } else {
      await pc.setRemoteDescription({ type: 'answer', sdp: data.sdp })
    }
    for (const c of pair.early.splice(0)) await addCandidate(pc, c)
  })
  socket.on('error', (e: unknown) => console.error('[second client] signaling error', e))

  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', reject)
  })
  socket.emit('join', room, { v: version, name: opts.name })

  return {
    get id() {
      return idOf(peerKey)
    },
    get polite() {
      return firstPolite
    },
    received,
    receivedFrom,
    chats,
    chatOpen,
    openChats: () => [...pairs.values()].filter((p) => p.chat?.readyState === 'open').length,
    sendChat(text) {
      // "a chat message to everyone is sent on every pair's `chat` channel"
      const frame = JSON.stringify({ t: 'chat', id: b64url(randomBytes(8)), text, at: Date.now() })
      for (const p of pairs.values()) if (p.chat?.readyState === 'open') p.chat.send(frame)
    },
    async close() {
      if (closed) return
      closed = true
      ffmpeg.kill('SIGTERM')
      socket.emit('leave', room)
      socket.disconnect()
      for (const p of pairs.values()) await p.pc.close()
      for (const s of Object.values(udp)) s.close()
    },
  }
}
