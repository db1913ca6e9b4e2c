/**
 * A call in a room: signaling membership, the peer connection to the other person, local media, chat and files,
 * and stats, wired together and exposed to the Call view as refs and actions.
 *
 * The signaling events drive the connection (docs/signaling.md):
 * - `joined` with a peer, or `otherjoin` from a new page load of the peer: a new RTCPeerConnection;
 * - `otherjoin` with the same instance, or our own reconnection: the same connection, re-synced (a lost offer is
 *   sent again, ICE restarts if it is not up);
 * - `bye`: the other person left (or did not come back in time); the room waits for someone new;
 * - `full`, `leaved` (`replaced`, `expired`) and connection errors become clear messages;
 * - `iceservers`: fresh TURN credentials (the server renews them while we are seated);
 * - `error`: the server refused something or could not do it; retried where that can help (`unavailable`), told
 *   to the person otherwise (on the pre-join screen if the join itself was refused, as a notice in the call).
 */
import { t } from '@/i18n'
import { messageRef, msg, type Text } from '@/i18n/message'
import { computed, onScopeDispose, ref, shallowRef, toValue, watch, type ComputedRef, type MaybeRefOrGetter, type Ref, type WritableComputedRef } from 'vue'
import { useLocalStorage } from '@vueuse/core'
import { isPolite } from '@/lib/signaling/client'
import { DisplayName, type InstanceId, type PeerId, type RoomId, type SignalData } from '@/lib/signaling/schema'
import type { VideoCaps } from '@/lib/call/encoding'
import { expiredCredentials, iceFailed, type IceProblem } from '@/lib/call/iceErrors'
import { useSignaling, type UseSignalingReturn } from './useSignaling'
import { usePeerConnection, type UsePeerConnectionReturn } from './usePeerConnection'
import { useCallMedia, type UseCallMediaReturn } from './useCallMedia'
import { useDataChannel, type UseDataChannelReturn } from './useDataChannel'
import { useCallStats, type UseCallStatsReturn } from './useCallStats'

/**
 * - `setup`: the pre-join screen;
 * - `joining`: waiting for the server's answer;
 * - `waiting`: in the room, alone;
 * - `connecting` / `connected`: with the other person (media path being set up / up);
 * - `full`, `replaced`, `left`: out of the room, with a message and a way back.
 */
export type CallPhase = 'setup' | 'joining' | 'waiting' | 'connecting' | 'connected' | 'full' | 'replaced' | 'left'

export interface CallPeer {
  id: PeerId
  name: string | undefined
  instance: InstanceId
}

export interface CallNotice {
  id: number
  type: 'info' | 'warning'
  /** A message key and values (a view renders it with `render`, in the language of the moment). */
  text: Text
}

export interface UseCallOptions {
  room: MaybeRefOrGetter<RoomId>
  /** Use TURN relays only (`?relay=1`). @default false */
  relayOnly?: MaybeRefOrGetter<boolean>
  /** Where the tab's peer key and "in a call" marker live. @default sessionStorage */
  storage?: Storage
}

export interface UseCallReturn {
  phase: ComputedRef<CallPhase>
  peer: Ref<CallPeer | null>
  /** The other person's display name ("Guest" when they gave none). */
  peerName: ComputedRef<string>
  myId: Ref<PeerId | null>
  name: Ref<string>
  /** The name is one the server accepts (or empty). */
  nameValid: ComputedRef<boolean>
  signaling: Pick<UseSignalingReturn, 'status' | 'lastError'>
  media: UseCallMediaReturn
  connection: UsePeerConnectionReturn
  data: UseDataChannelReturn
  stats: UseCallStatsReturn
  videoCaps: Ref<VideoCaps>
  /** What is wrong with the media path (ICE failed, TURN refused or expired), or null. */
  problem: ComputedRef<IceProblem | null>
  /** The latest event worth telling (someone joined, left, came back). */
  notice: Ref<CallNotice | null>
  /** Why the server refused to let us join (shown on the pre-join screen), or null. */
  joinError: WritableComputedRef<string | null, Text | null>
  /** This tab was in this room before a reload: join again without the pre-join screen. */
  wasInCall: boolean
  join(): void
  leave(): void
}

/** sessionStorage: the room this tab is in, so a reload (or a takeover from another tab) joins straight away. */
export const IN_CALL_KEY = 'media-studio:call-room'
const NAME_KEY = 'media-studio.call.name'

export function useCall(options: UseCallOptions): UseCallReturn {
  const storage = options.storage ?? sessionStorage
  const room = () => toValue(options.room)
  const relayOnly = () => toValue(options.relayOnly) ?? false

  const signaling = useSignaling({ storage })
  const media = useCallMedia()
  const name = useLocalStorage(NAME_KEY, '')
  const nameValid = computed(() => name.value.trim() === '' || DisplayName.safeParse(name.value).success)

  const membership = ref<'out' | 'joining' | 'in' | 'full' | 'replaced' | 'left'>('out')
  const myId = ref<PeerId | null>(null)
  const peer = ref<CallPeer | null>(null)
  const notice = ref<CallNotice | null>(null)
  // A message key, shown in the language of the moment.
  const joinError = messageRef()
  const credentialProblem = ref<IceProblem | null>(null)
  const videoCaps = ref<VideoCaps>({ maxKbps: null, maxLines: null })
  const iceServers = shallowRef<RTCIceServer[]>([])
  let noticeId = 0
  let retryTimer: ReturnType<typeof setTimeout> | undefined

  const canSignal = () => signaling.status.value === 'connected' && membership.value === 'in' && peer.value !== null

  const connection = usePeerConnection({
    send(data: SignalData) {
      if (!canSignal()) return false
      signaling.socket.value.emit('message', room(), data)
      return true
    },
    canSignal,
    audioTrack: media.audioTrack,
    videoTrack: media.videoTrack,
    videoCaps,
  })

  const data = useDataChannel({
    chat: connection.chatChannel,
    file: connection.fileChannel,
    localState: () => ({ audio: !!media.audioTrack.value, video: !!media.videoTrack.value, screen: media.videoSource.value === 'screen' }),
    maxMessageSize: () => connection.pc.value?.sctp?.maxMessageSize,
  })
  // A remote camera that is off sends no frames: that is not a bad connection.
  const stats = useCallStats({ pc: connection.pc, remoteVideo: () => data.remoteState.value?.video ?? true })

  const peerName = computed(() => peer.value?.name || t('call.guest'))

  function tell(type: CallNotice['type'], text: Text) {
    notice.value = { id: ++noticeId, type, text }
  }

  function connectTo(p: CallPeer) {
    peer.value = p
    connection.start({ iceServers: iceServers.value, relayOnly: relayOnly(), polite: isPolite(myId.value!, p.id) })
  }

  function useIceServers(servers: RTCIceServer[], expiresAt: number | null) {
    iceServers.value = servers
    const hasTurn = servers.some((server) => [server.urls].flat().some((u) => /^turns?:/i.test(u)))
    // Known before anyone else joins: relay only without a TURN server, or credentials that expired already.
    credentialProblem.value = relayOnly() && !hasTurn ? iceFailed(true, 0) : expiredCredentials(expiresAt, Date.now())
  }

  function retryLater(ms: number, what: () => void) {
    clearTimeout(retryTimer)
    retryTimer = setTimeout(what, ms)
  }

  signaling.on('joined', (r, id, info) => {
    if (r !== room()) return
    const firstJoin = membership.value !== 'in'
    membership.value = 'in'
    myId.value = id
    joinError.value = null
    useIceServers(info.iceServers, info.iceServersExpireAt)
    storage.setItem(IN_CALL_KEY, r)
    const other = info.peers[0]
    const current = peer.value
    if (!other) {
      if (current) {
        // The other person left while our signaling was away.
        connection.close()
        peer.value = null
        tell('info', msg('call.notices.left', { name: current.name || msg('call.notices.otherPerson') }))
      }
      return
    }
    const p: CallPeer = { id: other.id, name: other.name, instance: other.instance }
    if (current && connection.pc.value && current.id === p.id && current.instance === p.instance) {
      // Our signaling reconnected; the call itself went on. Fresh TURN credentials, and re-send what got lost.
      peer.value = p
      connection.updateIceServers(info.iceServers)
      connection.resync()
      return
    }
    if (!firstJoin && current && current.id !== p.id) tell('info', msg('call.notices.joined', { name: p.name || msg('call.notices.someone') }))
    connectTo(p)
  })

  signaling.on('otherjoin', (r, id, info) => {
    if (r !== room() || membership.value !== 'in') return
    const current = peer.value
    if (current && connection.pc.value && current.id === id && current.instance === info.instance) {
      // Only its signaling dropped: keep the connection, re-send anything it may have missed.
      peer.value = { ...current, name: info.name ?? current.name }
      connection.resync()
      return
    }
    const p: CallPeer = { id, name: info.name, instance: info.instance }
    const who = p.name || msg('call.notices.otherPerson')
    tell(
      'info',
      info.resumed && current?.id === id
        ? msg('call.notices.back', { name: who })
        : msg('call.notices.joined', { name: p.name || msg('call.notices.someone') }),
    )
    connectTo(p)
  })

  // The server renews TURN credentials while we are seated: future gathering (an ICE restart) uses the new ones.
  signaling.on('iceservers', (r, info) => {
    if (r !== room() || membership.value !== 'in') return
    useIceServers(info.iceServers, info.iceServersExpireAt)
    connection.updateIceServers(info.iceServers)
  })

  signaling.on('error', (err) => {
    const retryIn = err.retryInMs ?? 2000
    switch (err.code) {
      case 'unavailable':
        // The server's storage or the link between servers is down for now: try again.
        if (err.event === 'join' && membership.value === 'joining') retryLater(retryIn, () => signaling.rejoin())
        else if (err.event === 'message') retryLater(retryIn, () => connection.resync())
        return
      case 'not-in-room':
        // The server no longer has us in the room (it restarted, say): join again.
        if (membership.value === 'in') signaling.rejoin()
        return
      case 'full':
        return // the `full` event says it
      case 'turn-limit':
      case 'rate-limited':
        tell('warning', msg(`call.serverError.${err.code}`))
        return
      case 'version':
      case 'invalid':
        if (err.event === 'join' && membership.value === 'joining') {
          // Nothing to retry: this page and the server disagree. Back to the pre-join screen, with the reason.
          membership.value = 'out'
          signaling.forget()
          joinError.value = msg(`call.serverError.${err.code}`)
        } else tell('warning', msg('call.serverError.refusedMessage', { reason: msg(`call.serverError.${err.code}`) }))
    }
  })

  signaling.on('message', (r, msg, from) => {
    if (r !== room() || from !== peer.value?.id) return
    void connection.handleSignal(msg)
  })

  signaling.on('bye', (r, id, info) => {
    if (r !== room() || peer.value?.id !== id) return
    const who = peer.value.name || msg('call.notices.otherPerson')
    connection.close()
    peer.value = null
    tell(
      'info',
      info.reason === 'timeout'
        ? msg('call.notices.lost', { name: who })
        : msg('call.notices.leftRoom', { name: who }),
    )
  })

  signaling.on('full', (r) => {
    if (r !== room()) return
    membership.value = 'full'
    signaling.forget()
  })

  signaling.on('leaved', (r, _id, info) => {
    if (r !== room()) return
    if (info.reason === 'expired') {
      // The server lost our membership (its store restarted, say): join again, the seat is probably still free.
      signaling.rejoin()
      return
    }
    if (info.reason === 'replaced') {
      membership.value = 'replaced'
      signaling.forget()
      connection.close()
      peer.value = null
      storage.removeItem(IN_CALL_KEY)
    }
  })

  const phase = computed<CallPhase>(() => {
    switch (membership.value) {
      case 'out':
        return 'setup'
      case 'joining':
        return 'joining'
      case 'full':
      case 'replaced':
      case 'left':
        return membership.value
      case 'in':
        if (!peer.value) return 'waiting'
        // Once up, a drop is an interruption of the call (shown as "reconnecting"), not a call still connecting.
        return connection.everConnected.value ? 'connected' : 'connecting'
    }
    return 'setup'
  })

  const problem = computed(() => credentialProblem.value ?? connection.problem.value)

  function join() {
    if (membership.value === 'joining' || membership.value === 'in') return
    performance.mark('media-studio:call-join')
    // Back from "left" or "full": the devices were released; reopen them (the senders pick the tracks up when ready).
    if (media.cameraOn.value && !media.camera.track.value && !media.camera.starting.value) void media.camera.start()
    if (!media.microphone.track.value) void media.microphone.start()
    membership.value = 'joining'
    joinError.value = null
    const n = name.value.trim()
    signaling.join(room(), n && nameValid.value ? { name: n } : {})
  }

  function leave() {
    signaling.leave()
    connection.close()
    peer.value = null
    membership.value = 'left'
    storage.removeItem(IN_CALL_KEY)
    media.stopSharing()
  }

  const wasInCall = storage.getItem(IN_CALL_KEY) === room()

  // Out of the room (left, full, replaced by another tab): nothing is sent, so camera and microphone go off.
  watch(membership, (m) => {
    if (m === 'left' || m === 'full' || m === 'replaced') {
      media.stopSharing()
      media.camera.stop()
      media.microphone.stop()
    }
  })

  onScopeDispose(() => clearTimeout(retryTimer))

  return {
    phase,
    peer,
    peerName,
    myId,
    name,
    nameValid,
    signaling: { status: signaling.status, lastError: signaling.lastError },
    media,
    connection,
    data,
    stats,
    videoCaps,
    problem,
    notice,
    joinError,
    wasInCall,
    join,
    leave,
  }
}
