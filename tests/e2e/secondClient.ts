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
  polite: boolean | null
  received: { audio: number; video: number }
  chats: string[]
  chatOpen: Promise<void>
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
}

export async function startSecondClient(url: string, room: string, opts: SecondClientOptions): Promise<SecondClient> {
  const peerKey = opts.peerKey ?? b64url(randomBytes(24))
  const socket: Socket = io(url, { transports: ['websocket'], auth: { peerKey, instance: b64url(randomBytes(9)) }, reconnection: false })
  const received = { audio: 0, video: 0 }
  const chats: string[] = []
  let pc: RTCPeerConnection | undefined
  let chat: RTCDataChannel | undefined
  let polite: boolean | null = null
  let otherId: string | null = null
  let iceServers: Array<{ urls: string[]; username?: string; credential?: string }> = []
  const early: Array<Record<string, unknown>> = []
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

  const send = (data: Signal) => socket.emit('message', room, data)
  let closed = false

  function openChannels(p: RTCPeerConnection) {
    // "two negotiated data channels: chat with id 0 and file with id 1"
    chat = p.createDataChannel('chat', { negotiated: true, id: 0 })
    p.createDataChannel('file', { negotiated: true, id: 1 })
    chat.stateChanged.subscribe((state) => {
      if (state !== 'open') return
      chat!.send(JSON.stringify({ t: 'state', audio: true, video: true, screen: false }))
      resolveChat()
    })
    chat.onMessage.subscribe((frame) => {
      const msg = JSON.parse(frame.toString()) as { t: string; text?: string }
      if (msg.t === 'chat' && typeof msg.text === 'string') chats.push(msg.text)
    })
  }

  function createConnection(): RTCPeerConnection {
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
      send({ type: 'candidate', candidate: { candidate: j.candidate, sdpMid: j.sdpMid ?? null, sdpMLineIndex: j.sdpMLineIndex ?? null } })
    })
    p.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe(() => received[track.kind as 'audio' | 'video']++)
    })
    return p
  }

  let gathered: () => void = () => {}
  const allGathered = new Promise<void>((r) => (gathered = r))

  async function start(other: string) {
    otherId = other
    polite = idOf(peerKey) < other
    pc = createConnection()
    if (polite) {
      // "one audio transceiver and one video transceiver, both sendrecv, then the two negotiated channels, then offer"
      pc.addTransceiver(tracks.audio, { direction: 'sendrecv' })
      pc.addTransceiver(tracks.video, { direction: 'sendrecv' })
      openChannels(pc)
      await pc.setLocalDescription(await pc.createOffer())
      if (opts.candidatesFirst) {
        await allGathered
        send({ type: 'offer', sdp: pc.localDescription!.sdp.replace(/^a=(candidate|end-of-candidates).*\r\n/gm, '') })
      } else send({ type: 'offer', sdp: pc.localDescription!.sdp })
    }
  }

  async function addCandidate(c: Record<string, unknown>) {
    await pc!.addIceCandidate(c as never).catch(() => {})
  }

  socket.on('joined', (_room: string, _id: string, info: { peers: Array<{ id: string }>; iceServers: typeof iceServers }) => {
    iceServers = info.iceServers
    if (info.peers[0] && !pc) void start(info.peers[0].id)
  })
  socket.on('otherjoin', (_room: string, id: string) => {
    if (!pc) void start(id)
  })
  socket.on('message', async (_room: string, data: Signal, from: string) => {
    if (from !== otherId || !pc) return
    if (data.type === 'candidate') {
      if (!data.candidate) return
      // "queue candidates that arrive before the remote description and add them once it is set"
      if (!pc.remoteDescription) early.push(data.candidate)
      else await addCandidate(data.candidate)
      return
    }
    if (data.type === 'offer') {
      if (polite === false || pc.signalingState === 'stable') {
        await pc.setRemoteDescription({ type: 'offer', sdp: data.sdp })
      } else return // an offer crossing ours as the polite side would need a rollback; not exercised here
      // "take the audio and video transceivers the offer created, set them sendrecv, put the tracks on them"
      for (const t of pc.getTransceivers()) {
        if (t.kind !== 'audio' && t.kind !== 'video') continue
        t.setDirection('sendrecv')
        await t.sender.replaceTrack(tracks[t.kind])
      }
      if (!chat) openChannels(pc)
      await pc.setLocalDescription(await pc.createAnswer())
      send({ type: 'answer', sdp: pc.localDescription!.sdp })
    } else {
      await pc.setRemoteDescription({ type: 'answer', sdp: data.sdp })
    }
    for (const c of early.splice(0)) await addCandidate(c)
  })
  socket.on('error', (e: unknown) => console.error('[second client] signaling error', e))

  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', reject)
  })
  socket.emit('join', room, { v: 1, name: opts.name })

  return {
    get id() {
      return idOf(peerKey)
    },
    get polite() {
      return polite
    },
    received,
    chats,
    chatOpen,
    sendChat(text) {
      chat!.send(JSON.stringify({ t: 'chat', id: b64url(randomBytes(8)), text, at: Date.now() }))
    },
    async close() {
      if (closed) return
      closed = true
      ffmpeg.kill('SIGTERM')
      socket.emit('leave', room)
      socket.disconnect()
      await pc?.close()
      for (const s of Object.values(udp)) s.close()
    },
  }
}
