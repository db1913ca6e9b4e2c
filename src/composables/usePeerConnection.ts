/**
 * One RTCPeerConnection to the other person, with perfect negotiation (the W3C pattern: a polite peer that rolls
 * back its own offer on a collision, an impolite one that ignores the other's), ICE restarts when the connection
 * fails or stays disconnected, and senders whose tracks are swapped with `replaceTrack` (never renegotiated).
 *
 * Who owns the sections: the polite peer creates one audio and two video transceivers (sendrecv: the camera, then
 * the screen) and the two negotiated data channels (chat id 0, file id 1) with the connection, and makes the first
 * offer. The impolite peer starts empty (so it has nothing to offer and a new call starts without glare), adopts the
 * transceivers the first remote offer brings (sets them to sendrecv and puts its tracks on them before answering)
 * and opens the same negotiated channels on the data section that offer brought. So a call has exactly one audio,
 * two video and one data m-line however later offers cross, and either side may have no camera, screen or
 * microphone at all (a null track): sharing the screen puts a track on the second video sender, stopping it takes
 * it off, and the camera goes on untouched. A client that offers a single video section (docs/signaling.md allows
 * it) gets the screen on that one instead of the camera while it is shared.
 *
 * Why the polite side owns them: only the polite side ever rolls back, and in Chromium 156 rolling back a local
 * offer leaves the receiver of a transceiver that was created by a *remote* offer connected to nothing (the
 * decoder runs, the remote track gets no more frames; scratch-tested with two RTCPeerConnections in one page).
 * Transceivers the rolling-back side created itself survive it. (And a data section offered first by one side and
 * then rolled back made Chromium reject it in the answer and renegotiate forever.)
 */
import { onScopeDispose, ref, shallowRef, toValue, watch, type MaybeRefOrGetter, type Ref, type ShallowRef } from 'vue'
import type { IceCandidate, SignalData } from '@/lib/signaling/schema'
import { CHAT_CHANNEL, FILE_CHANNEL } from '@/lib/call/dataProtocol'
import { encodingCaps, withCaps, type SendParametersLike, type VideoCaps } from '@/lib/call/encoding'
import { createIceWatchdog, type IceWatchdog } from '@/lib/call/iceWatchdog'
import { codecName, orderCodecs, type CodecChoice } from '@/lib/call/codecs'
import { describeCandidateError, iceFailed, type IceProblem } from '@/lib/call/iceErrors'

export interface PeerConnectionConfig {
  iceServers: RTCIceServer[]
  /** TURN only (hides this device's addresses; proves a relay works). */
  relayOnly: boolean
  /** This side rolls back its own offer on a collision (see `isPolite`). */
  polite: boolean
}

export interface UsePeerConnectionOptions {
  /** Sends signaling data to the other peer; false when it could not be sent (signaling away). */
  send: (data: SignalData) => boolean
  /** Whether signaling can carry an offer now (connected, and the other peer is in the room). */
  canSignal: () => boolean
  audioTrack: MaybeRefOrGetter<MediaStreamTrack | null | undefined>
  videoTrack: MaybeRefOrGetter<MediaStreamTrack | null | undefined>
  /** The shared screen, sent next to the camera (null when not sharing). @default none */
  screenTrack?: MaybeRefOrGetter<MediaStreamTrack | null | undefined>
  /** @default no caps */
  videoCaps?: MaybeRefOrGetter<VideoCaps>
  /** Caps for the screen's sender. @default no caps */
  screenCaps?: MaybeRefOrGetter<VideoCaps>
  /** The video codec to put first (lib/call/codecs); applies from the next negotiation. @default 'auto' */
  codec?: MaybeRefOrGetter<CodecChoice>
  /** How long `disconnected` may last before an ICE restart. @default 3000 */
  disconnectedGraceMs?: number
  /** @default globalThis.RTCPeerConnection */
  RTCPeerConnection?: typeof RTCPeerConnection
}

export type NegotiationEvent = 'offer-sent' | 'answer-sent' | 'offer-ignored' | 'rolled-back' | 'ice-restart'

export interface UsePeerConnectionReturn {
  pc: ShallowRef<RTCPeerConnection | null>
  /** The other side's audio and camera video (a new stream object whenever a track arrives). */
  remoteStream: ShallowRef<MediaStream | null>
  /** The other side's screen track, as a stream (its frames flow only while they share). */
  remoteScreen: ShallowRef<MediaStream | null>
  chatChannel: ShallowRef<RTCDataChannel | null>
  fileChannel: ShallowRef<RTCDataChannel | null>
  connectionState: Ref<RTCPeerConnectionState | 'none'>
  iceState: Ref<RTCIceConnectionState | 'none'>
  /** This connection was up at least once (a later drop is an interruption, not a call still connecting). */
  everConnected: Ref<boolean>
  /** An ICE restart is under way. */
  restarting: Ref<boolean>
  /** What went wrong with ICE, for the user (TURN refused, no route, …), or null. */
  problem: Ref<IceProblem | null>
  /** Counts of negotiation events since the connection was created (shown in the stats panel's details). */
  negotiation: Ref<Record<NegotiationEvent, number>>
  /** Creates a new connection (closing any previous one). */
  start(config: PeerConnectionConfig): void
  /** Feeds signaling data from the other peer. */
  handleSignal(data: SignalData): Promise<void>
  /** New ICE servers (fresh TURN credentials) for future gathering. */
  updateIceServers(iceServers: RTCIceServer[]): void
  /** Restarts ICE now (the user's "Reconnect", or after giving up). */
  restartIce(): void
  /**
   * Signaling came back (ours or the other peer's): re-send what may have been lost on the way, and restart ICE
   * if the connection is not up.
   */
  resync(): void
  close(): void
}

/** Candidates kept while no remote description is set yet. */
const MAX_EARLY_CANDIDATES = 100

/** Every negotiation count at zero (a new connection, or none yet). */
export const noNegotiation = (): Record<NegotiationEvent, number> => ({
  'offer-sent': 0,
  'answer-sent': 0,
  'offer-ignored': 0,
  'rolled-back': 0,
  'ice-restart': 0,
})

export function usePeerConnection(options: UsePeerConnectionOptions): UsePeerConnectionReturn {
  const PC = options.RTCPeerConnection ?? globalThis.RTCPeerConnection
  const pc = shallowRef<RTCPeerConnection | null>(null)
  const remoteStream = shallowRef<MediaStream | null>(null)
  const remoteScreen = shallowRef<MediaStream | null>(null)
  const chatChannel = shallowRef<RTCDataChannel | null>(null)
  const fileChannel = shallowRef<RTCDataChannel | null>(null)
  const connectionState = ref<RTCPeerConnectionState | 'none'>('none')
  const iceState = ref<RTCIceConnectionState | 'none'>('none')
  const everConnected = ref(false)
  const restarting = ref(false)
  const problem = ref<IceProblem | null>(null)
  const negotiation = ref(noNegotiation())

  // Per-connection negotiation state (the W3C perfect negotiation example's variables).
  let polite = false
  let relayOnly = false
  let makingOffer = false
  let ignoreOffer = false
  let settingRemoteAnswer = false
  let relayCandidates = 0
  /**
   * Candidates that arrived before any remote description (another client may send them right after its offer,
   * and its offer may still be on its way into setRemoteDescription): added once there is one, never dropped.
   */
  let earlyCandidates: RTCIceCandidateInit[] = []
  /** A TURN server's refusal when other routes may still work; reported only if ICE gives up. */
  let candidateProblem: IceProblem | null = null
  let watchdog: IceWatchdog | null = null
  let teardown: Array<() => void> = []

  const count = (e: NegotiationEvent) => negotiation.value[e]++

  /** The media sections in m-line order: audio, the camera's video, the screen's video (absent if not offered). */
  function sections(p: RTCPeerConnection) {
    const live = p.getTransceivers().filter((t) => t.currentDirection !== 'stopped')
    const videos = live.filter((t) => t.receiver.track.kind === 'video')
    return { audio: live.find((t) => t.receiver.track.kind === 'audio'), camera: videos[0], screen: videos[1] }
  }

  /**
   * The video codec order on both video sections (lib/call/codecs). The side that offers always sets it (`auto`:
   * AV1, VP9, VP8, H.264); the side that answers only when the person picked a codec, and otherwise follows the
   * offer's order, so one person's pick holds for the pair unless the other picked something else (then the
   * answer's pick wins, as the answer decides). Browsers without `setCodecPreferences` (or refusing the list)
   * keep their own order: the call still works.
   */
  function preferCodecs(p: RTCPeerConnection, answering: boolean) {
    const choice = toValue(options.codec) ?? 'auto'
    if (answering && choice === 'auto') return
    const caps = typeof RTCRtpReceiver.getCapabilities === 'function' ? RTCRtpReceiver.getCapabilities('video')?.codecs : undefined
    if (!caps?.length) return
    const ordered = orderCodecs(caps, choice)
    const { camera, screen } = sections(p)
    for (const t of [camera, screen]) {
      if (!t || typeof t.setCodecPreferences !== 'function') continue
      try {
        t.setCodecPreferences(ordered)
      } catch (err) {
        console.debug('codec preferences not applied', err)
      }
    }
  }

  /** Puts the current tracks on the senders (and makes adopted transceivers send). No renegotiation. */
  async function attachTracks(p: RTCPeerConnection) {
    const { audio, camera, screen } = sections(p)
    const screenTrack = toValue(options.screenTrack) ?? null
    const cameraTrack = toValue(options.videoTrack) ?? null
    const wanted: Array<[RTCRtpTransceiver | undefined, MediaStreamTrack | null]> = [
      [audio, toValue(options.audioTrack) ?? null],
      // One video section only (another client): the screen goes there while it is shared.
      [camera, screen ? cameraTrack : (screenTrack ?? cameraTrack)],
      [screen, screenTrack],
    ]
    for (const [t, track] of wanted) {
      if (!t) continue
      if (t.mid !== null && (t.direction === 'recvonly' || t.direction === 'inactive')) t.direction = 'sendrecv'
      if (t.sender.track !== track) {
        try {
          await t.sender.replaceTrack(track)
        } catch (err) {
          console.warn(`replaceTrack(${track?.kind ?? 'none'}) failed`, err)
        }
      }
    }
    await applyCaps(p)
  }

  /** Bitrate and resolution caps on the video senders, recomputed from what each sent track delivers. */
  async function applyCaps(p: RTCPeerConnection) {
    if (p.signalingState === 'closed') return
    const { camera, screen } = sections(p)
    const none = { maxKbps: null, maxLines: null }
    for (const [t, caps] of [
      [camera, toValue(options.videoCaps) ?? none],
      [screen, toValue(options.screenCaps) ?? none],
    ] as const) {
      const sender = t?.sender
      if (!sender) continue
      const params = sender.getParameters() as unknown as SendParametersLike & { codecs?: RTCRtpCodec[] }
      let next = withCaps(params, encodingCaps(caps, sender.track?.getSettings()))
      // A codec the person picked is what this side sends too, even where the other side's offer put another one
      // first (the answer only orders what the other side sends). Browsers without per-encoding codecs ignore it.
      const pick = toValue(options.codec) ?? 'auto'
      const wanted = pick === 'auto' ? undefined : params.codecs?.find((c) => codecName(c.mimeType) === pick)
      const current = params.encodings[0]?.codec as RTCRtpCodec | undefined
      if (wanted && params.encodings.length && current?.mimeType !== wanted.mimeType) {
        const base = next ?? params
        const codec: RTCRtpCodec = { mimeType: wanted.mimeType, clockRate: wanted.clockRate, sdpFmtpLine: wanted.sdpFmtpLine }
        next = { ...base, encodings: base.encodings.map((e) => ({ ...e, codec })) }
      }
      if (!next) continue
      try {
        await sender.setParameters(next as unknown as RTCRtpSendParameters)
      } catch (err) {
        // Before the first negotiation there are no encodings to set; the caps are applied after it.
        console.debug('setParameters deferred', err)
      }
    }
  }

  function start(config: PeerConnectionConfig) {
    close()
    polite = config.polite
    relayOnly = config.relayOnly
    makingOffer = ignoreOffer = settingRemoteAnswer = false
    relayCandidates = 0
    earlyCandidates = []
    everConnected.value = false
    candidateProblem = null
    problem.value = null
    negotiation.value = noNegotiation()
    const p = new PC({ iceServers: config.iceServers, iceTransportPolicy: config.relayOnly ? 'relay' : 'all', bundlePolicy: 'max-bundle' })
    // Relay only without any TURN server can never connect: say so now rather than after every retry failed.
    const hasTurn = config.iceServers.some((server) => [server.urls].flat().some((u) => /^turns?:/i.test(u)))
    if (config.relayOnly && !hasTurn) problem.value = iceFailed(true, 0)
    pc.value = p
    connectionState.value = p.connectionState
    iceState.value = p.iceConnectionState

    const tracks = new Map<string, MediaStreamTrack>()
    const listen = <K extends keyof RTCPeerConnectionEventMap>(type: K, fn: (e: RTCPeerConnectionEventMap[K]) => void) => {
      p.addEventListener(type, fn)
      teardown.push(() => p.removeEventListener(type, fn))
    }

    listen('track', ({ track, transceiver }) => {
      if (transceiver === sections(p).screen) {
        remoteScreen.value = new MediaStream([track])
        return
      }
      tracks.set(track.kind, track)
      remoteStream.value = new MediaStream([...tracks.values()])
    })
    listen('icecandidate', ({ candidate }) => {
      if (candidate?.type === 'relay') relayCandidates++
      if (candidate && candidate.candidate) options.send({ type: 'candidate', candidate: candidate.toJSON() as IceCandidate })
    })
    listen('icecandidateerror', (e) => {
      const described = describeCandidateError({ url: e.url, errorCode: e.errorCode, errorText: e.errorText })
      if (!described) return
      // Relay only: without the relay there is no way at all, say so now. Otherwise direct routes may still work.
      if (relayOnly) problem.value = described
      else candidateProblem ??= described
    })
    listen('negotiationneeded', async () => {
      try {
        makingOffer = true
        await p.setLocalDescription()
        if (p.localDescription) {
          options.send(p.localDescription.toJSON() as SignalData)
          count('offer-sent')
        }
      } catch (err) {
        console.warn('could not make an offer', err)
      } finally {
        makingOffer = false
      }
    })
    listen('signalingstatechange', () => {
      if (p.signalingState === 'stable') void applyCaps(p)
    })
    listen('iceconnectionstatechange', () => {
      iceState.value = p.iceConnectionState
      watchdog?.update(p.iceConnectionState)
      if (p.iceConnectionState === 'connected' || p.iceConnectionState === 'completed') {
        restarting.value = false
        problem.value = null
      }
    })
    listen('connectionstatechange', () => {
      connectionState.value = p.connectionState
      if (p.connectionState === 'connected') everConnected.value = true
    })

    watchdog = createIceWatchdog({
      disconnectedGraceMs: options.disconnectedGraceMs,
      canRestart: options.canSignal,
      restart: () => {
        restarting.value = true
        count('ice-restart')
        p.restartIce()
      },
      giveUp: () => {
        restarting.value = false
        problem.value = candidateProblem ?? iceFailed(relayOnly, relayCandidates)
      },
    })

    if (polite) {
      // The polite side owns the media sections and the data section (see the top of this file).
      p.addTransceiver(toValue(options.audioTrack) ?? 'audio', { direction: 'sendrecv' })
      p.addTransceiver(toValue(options.videoTrack) ?? 'video', { direction: 'sendrecv' })
      p.addTransceiver(toValue(options.screenTrack) ?? 'video', { direction: 'sendrecv' })
      preferCodecs(p, false)
      createChannels(p)
    }
  }

  function createChannels(p: RTCPeerConnection) {
    chatChannel.value = p.createDataChannel(CHAT_CHANNEL.label, { negotiated: true, id: CHAT_CHANNEL.id })
    const file = p.createDataChannel(FILE_CHANNEL.label, { negotiated: true, id: FILE_CHANNEL.id })
    file.binaryType = 'arraybuffer'
    fileChannel.value = file
  }

  async function handleSignal(data: SignalData) {
    const p = pc.value
    if (!p || p.signalingState === 'closed') return
    try {
      if (data.type === 'candidate') {
        if (!data.candidate) return
        if (!p.remoteDescription) {
          // Bounded: a real peer sends a few dozen at most.
          if (earlyCandidates.length < MAX_EARLY_CANDIDATES) earlyCandidates.push(data.candidate)
          return
        }
        await addCandidate(p, data.candidate)
        return
      }
      const readyForOffer = !makingOffer && (p.signalingState === 'stable' || settingRemoteAnswer)
      const collision = data.type === 'offer' && !readyForOffer
      ignoreOffer = !polite && collision
      if (ignoreOffer) {
        count('offer-ignored')
        return
      }
      if (collision) count('rolled-back')
      settingRemoteAnswer = data.type === 'answer'
      // On a collision the polite side's setRemoteDescription rolls its own offer back first (implicit rollback).
      await p.setRemoteDescription(data)
      settingRemoteAnswer = false
      for (const candidate of earlyCandidates.splice(0)) await addCandidate(p, candidate)
      if (data.type === 'offer') {
        // The impolite side's channels ride on the data section the polite side's offer brought (same ids).
        if (!chatChannel.value) createChannels(p)
        preferCodecs(p, true)
        await attachTracks(p)
        await p.setLocalDescription()
        if (p.localDescription) {
          options.send(p.localDescription.toJSON() as SignalData)
          count('answer-sent')
        }
      }
    } catch (err) {
      settingRemoteAnswer = false
      console.warn('negotiation step failed', err)
    }
  }

  async function addCandidate(p: RTCPeerConnection, candidate: RTCIceCandidateInit) {
    try {
      await p.addIceCandidate(candidate)
    } catch (err) {
      // Candidates of an ignored offer, or of an ICE generation a restart replaced, are expected to fail.
      if (!ignoreOffer) console.debug('candidate not added', err)
    }
  }

  function updateIceServers(iceServers: RTCIceServer[]) {
    const p = pc.value
    if (!p || p.signalingState === 'closed') return
    try {
      p.setConfiguration({ ...p.getConfiguration(), iceServers })
    } catch (err) {
      console.warn('could not update ICE servers', err)
    }
  }

  function restartIce() {
    if (!pc.value || pc.value.signalingState === 'closed') return
    problem.value = null
    watchdog?.retry()
  }

  function resync() {
    const p = pc.value
    if (!p || p.signalingState === 'closed') return
    // Our offer may have been dropped while the other side was away: offer again (the same one).
    if (p.signalingState === 'have-local-offer' && p.localDescription && !makingOffer) {
      options.send(p.localDescription.toJSON() as SignalData)
    }
    const state = p.iceConnectionState
    // Candidates may have been lost too: a restart gathers and sends a fresh set.
    if (state !== 'new' && state !== 'connected' && state !== 'completed' && !watchdog?.gaveUp) watchdog?.restart()
  }

  function close() {
    for (const fn of teardown) fn()
    teardown = []
    watchdog?.dispose()
    watchdog = null
    const p = pc.value
    pc.value = null
    chatChannel.value?.close()
    fileChannel.value?.close()
    chatChannel.value = null
    fileChannel.value = null
    p?.close()
    remoteStream.value = null
    remoteScreen.value = null
    connectionState.value = 'none'
    iceState.value = 'none'
    everConnected.value = false
    restarting.value = false
  }

  // Every change of what we send goes through replaceTrack: mute, camera off, another camera, the screen.
  watch(
    () => [toValue(options.audioTrack), toValue(options.videoTrack), toValue(options.screenTrack)] as const,
    () => {
      if (pc.value && pc.value.signalingState !== 'closed') void attachTracks(pc.value)
    },
  )
  if (options.videoCaps !== undefined || options.screenCaps !== undefined) {
    watch(
      () => [toValue(options.videoCaps), toValue(options.screenCaps)],
      () => {
        if (pc.value) void applyCaps(pc.value)
      },
      { deep: true },
    )
  }

  onScopeDispose(close)

  return {
    pc,
    remoteStream,
    remoteScreen,
    chatChannel,
    fileChannel,
    connectionState,
    iceState,
    everConnected,
    restarting,
    problem,
    negotiation,
    start,
    handleSignal,
    updateIceServers,
    restartIce,
    resync,
    close,
  }
}
