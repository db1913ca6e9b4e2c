/**
 * A call in a room of up to four people: signaling membership, one peer connection per other person (a full mesh,
 * `useCallPeer`), local media, one chat for everyone (files to one person or to all), and stats, wired together and
 * exposed to the Call view as refs and actions. It speaks signaling protocol version 2 (docs/signaling.md, "Group
 * calls"); every message is addressed to one person, and each pair negotiates on its own.
 *
 * The signaling events drive the connections, per person:
 * - `joined` (everyone already there), or `otherjoin` from a new page load of someone: a new RTCPeerConnection
 *   with them;
 * - `otherjoin` with the same instance, or our own reconnection: the same connection, re-synced (a lost offer is
 *   sent again, ICE restarts if it is not up);
 * - `bye`: that person left (or did not come back in time): their connection ends, the others go on;
 * - `full`, `leaved` (`replaced`, `expired`) and connection errors become clear messages;
 * - `iceservers`: fresh TURN credentials (the server renews them while we are seated);
 * - `error`: the server refused something or could not do it; retried where that can help (`unavailable`), told
 *   to the person otherwise (on the pre-join screen if the join itself was refused, as a notice in the call).
 */
import { t } from '@/i18n'
import { messageRef, msg, type Text } from '@/i18n/message'
import {
  computed,
  onScopeDispose,
  ref,
  shallowRef,
  toValue,
  watch,
  type ComputedRef,
  type MaybeRefOrGetter,
  type Ref,
  type ShallowRef,
  type WritableComputedRef,
} from 'vue'
import { useLocalStorage } from '@vueuse/core'
import { isPolite, randomId } from '@/lib/signaling/client'
import { DisplayName, type PeerId, type RoomId, type SignalData } from '@/lib/signaling/schema'
import type { VideoCaps } from '@/lib/call/encoding'
import { DEFAULT_UPLOAD_BUDGET_KBPS, meshVideoCaps } from '@/lib/call/budget'
import { MAX_CHAT_LENGTH } from '@/lib/call/dataProtocol'
import { CODEC_CHOICES, type CodecChoice } from '@/lib/call/codecs'
import { expiredCredentials, iceFailed, type IceProblem } from '@/lib/call/iceErrors'
import type { ChatEntry, FileTransfer, SharedChatState } from './useDataChannel'
import { createCallPeer, type CallPeer, type CallPeerLink } from './useCallPeer'
import { useSignaling, type UseSignalingReturn } from './useSignaling'
import { useCallMedia, type UseCallMediaReturn } from './useCallMedia'

export type { CallPeer, CallPeerLink } from './useCallPeer'

/**
 * - `setup`: the pre-join screen;
 * - `joining`: waiting for the server's answer;
 * - `waiting`: in the room, alone;
 * - `connecting` / `connected`: with others (no media path up yet / at least one up);
 * - `full`, `replaced`, `left`: out of the room, with a message and a way back.
 */
export type CallPhase = 'setup' | 'joining' | 'waiting' | 'connecting' | 'connected' | 'full' | 'replaced' | 'left'

/** The most people in one call (the server's limit for protocol version 2). */
export const MAX_CALL_SIZE = 4

export interface CallNotice {
  id: number
  type: 'info' | 'warning'
  /** A message key and values (a view renders it with `render`, in the language of the moment). */
  text: Text
}

/** One chat for the whole call: messages go to everyone, files to one person or to everyone. */
export interface CallChat {
  /** At least one chat channel is open (a message reaches someone). */
  open: ComputedRef<boolean>
  messages: Ref<ChatEntry[]>
  transfers: Ref<FileTransfer[]>
  /** Messages not yet seen (the view resets it when the chat is shown). */
  unread: Ref<number>
  /** Sends a message to everyone whose chat is open; false when it reached no one (or is empty or too long). */
  sendText(text: string): boolean
  /** Queues files for one person (`to`) or for everyone; refused ones (too big) come back with a reason. */
  sendFiles(files: Iterable<File>, to?: PeerId | null): Array<{ name: string; reason: string }>
  cancel(id: string): void
  /** Removes a finished transfer from the list (revoking its URL). */
  dismiss(id: string): void
}

export interface UseCallOptions {
  room: MaybeRefOrGetter<RoomId>
  /** Use TURN relays only (`?relay=1`). @default false */
  relayOnly?: MaybeRefOrGetter<boolean>
  /** Where the tab's peer key and "in a call" marker live. @default sessionStorage */
  storage?: Storage
  /** The most the call uploads in total, across all its connections (kbit/s). @default 2500 */
  uploadBudgetKbps?: number
}

export interface UseCallReturn {
  phase: ComputedRef<CallPhase>
  /** The other people in the call, in the order they came, each with their own connection. */
  peers: ShallowRef<CallPeerLink[]>
  /** A person's display name ("Guest" when they gave none), also after they left. */
  nameOf(id: PeerId | undefined): string
  myId: Ref<PeerId | null>
  name: Ref<string>
  /** The name is one the server accepts (or empty). */
  nameValid: ComputedRef<boolean>
  /** The video codec to prefer (Network settings), kept across visits; used by connections made after a change. */
  codec: WritableComputedRef<CodecChoice>
  signaling: Pick<UseSignalingReturn, 'status' | 'lastError'>
  media: UseCallMediaReturn
  chat: CallChat
  /** Caps the person chose (Connection statistics). */
  videoCaps: Ref<VideoCaps>
  /** The caps each video sender gets now: the person's, within the call's upload budget split across everyone. */
  sendCaps: ComputedRef<VideoCaps>
  uploadBudgetKbps: number
  /** What we upload in total now (the sum over the connections), kbit/s, or null before any numbers. */
  uploadKbps: ComputedRef<number | null>
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
  /** Restarts ICE on every connection that is not up (the user's "Try again"). */
  restartIce(): void
}

/** sessionStorage: the room this tab is in, so a reload (or a takeover from another tab) joins straight away. */
export const IN_CALL_KEY = 'media-studio:call-room'
const NAME_KEY = 'media-studio.call.name'
const CODEC_KEY = 'media-studio.call.codec'

export function useCall(options: UseCallOptions): UseCallReturn {
  const storage = options.storage ?? sessionStorage
  const room = () => toValue(options.room)
  const relayOnly = () => toValue(options.relayOnly) ?? false
  const uploadBudgetKbps = options.uploadBudgetKbps ?? DEFAULT_UPLOAD_BUDGET_KBPS

  const signaling = useSignaling({ storage })
  const media = useCallMedia()
  const name = useLocalStorage(NAME_KEY, '')
  const nameValid = computed(() => name.value.trim() === '' || DisplayName.safeParse(name.value).success)
  const storedCodec = useLocalStorage<string>(CODEC_KEY, 'auto')
  // Whatever was stored (an older version, a hand edit), only a known choice is used.
  const codec = computed<CodecChoice>({
    get: () => ((CODEC_CHOICES as readonly string[]).includes(storedCodec.value) ? (storedCodec.value as CodecChoice) : 'auto'),
    set: (v) => (storedCodec.value = v),
  })

  const membership = ref<'out' | 'joining' | 'in' | 'full' | 'replaced' | 'left'>('out')
  const myId = ref<PeerId | null>(null)
  const peers = shallowRef<CallPeerLink[]>([])
  /** Everyone seen in this call, so a chat line keeps its author's name after they left. */
  const names = ref(new Map<PeerId, string | undefined>())
  const notice = ref<CallNotice | null>(null)
  // A message key, shown in the language of the moment.
  const joinError = messageRef()
  const credentialProblem = ref<IceProblem | null>(null)
  const videoCaps = ref<VideoCaps>({ maxKbps: null, maxLines: null })
  const sharing = computed(() => !!media.screenTrack.value)
  const sendCaps = computed(() => meshVideoCaps(videoCaps.value, peers.value.length, uploadBudgetKbps, sharing.value ? 'camera' : 'alone'))
  const screenCaps = computed(() => meshVideoCaps(videoCaps.value, peers.value.length, uploadBudgetKbps, 'screen'))
  const iceServers = shallowRef<RTCIceServer[]>([])
  const shared: SharedChatState = { messages: ref([]), transfers: ref([]), unread: ref(0), urls: new Set() }
  let noticeId = 0
  let retryTimer: ReturnType<typeof setTimeout> | undefined

  const linkOf = (id: PeerId | undefined) => peers.value.find((l) => l.peer.value.id === id)
  const canSignal = (to: PeerId) => signaling.status.value === 'connected' && membership.value === 'in' && !!linkOf(to)
  const localState = () => ({
    audio: !!media.audioTrack.value,
    video: !!media.videoTrack.value,
    screen: !!media.screenTrack.value,
  })

  function nameOf(id: PeerId | undefined): string {
    return (id && names.value.get(id)) || t('call.guest')
  }
  /** A name for notices: the person's, or "the other person" / "someone" (translated when shown). */
  const who = (p: CallPeer, fallback: 'otherPerson' | 'someone' = 'otherPerson') => p.name || msg(`call.notices.${fallback}`)

  function tell(type: CallNotice['type'], text: Text) {
    notice.value = { id: ++noticeId, type, text }
  }

  function remember(p: CallPeer) {
    names.value.set(p.id, p.name)
  }

  /** A new connection with `p` (replacing any old one with them: they reloaded). */
  function connectTo(p: CallPeer) {
    remember(p)
    const old = linkOf(p.id)
    const link = createCallPeer(p, {
      send(to, data: SignalData) {
        if (!canSignal(to)) return false
        signaling.socket.value.emit('message', room(), data, to)
        return true
      },
      canSignal,
      audioTrack: media.audioTrack,
      videoTrack: media.videoTrack,
      screenTrack: media.screenTrack,
      videoCaps: sendCaps,
      screenCaps,
      codec,
      localState,
      shared,
    })
    peers.value = old ? peers.value.map((l) => (l === old ? link : l)) : [...peers.value, link]
    old?.dispose()
    link.connection.start({ iceServers: iceServers.value, relayOnly: relayOnly(), polite: isPolite(myId.value!, p.id) })
  }

  function drop(link: CallPeerLink) {
    peers.value = peers.value.filter((l) => l !== link)
    link.dispose()
  }

  function dropAll() {
    const all = peers.value
    peers.value = []
    for (const l of all) l.dispose()
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
    const seated = new Set(info.peers.map((p) => p.id))
    // People who left while our signaling was away.
    for (const link of peers.value.filter((l) => !seated.has(l.peer.value.id))) {
      tell('info', msg('call.notices.left', { name: who(link.peer.value) }))
      drop(link)
    }
    for (const other of info.peers) {
      const p: CallPeer = { id: other.id, name: other.name, instance: other.instance }
      const current = linkOf(p.id)
      if (current && current.connection.pc.value && current.peer.value.instance === p.instance) {
        // Our signaling reconnected; the call itself went on. Fresh TURN credentials, and re-send what got lost.
        current.peer.value = p
        remember(p)
        current.connection.updateIceServers(info.iceServers)
        current.connection.resync()
        continue
      }
      if (!firstJoin && !current) tell('info', msg('call.notices.joined', { name: who(p, 'someone') }))
      connectTo(p)
    }
  })

  signaling.on('otherjoin', (r, id, info) => {
    if (r !== room() || membership.value !== 'in') return
    const current = linkOf(id)
    if (current && current.connection.pc.value && current.peer.value.instance === info.instance) {
      // Only its signaling dropped: keep the connection, re-send anything it may have missed.
      current.peer.value = { ...current.peer.value, name: info.name ?? current.peer.value.name }
      remember(current.peer.value)
      current.connection.resync()
      return
    }
    const p: CallPeer = { id, name: info.name, instance: info.instance }
    tell(
      'info',
      info.resumed && current ? msg('call.notices.back', { name: who(p) }) : msg('call.notices.joined', { name: who(p, 'someone') }),
    )
    connectTo(p)
  })

  // The server renews TURN credentials while we are seated: future gathering (an ICE restart) uses the new ones.
  signaling.on('iceservers', (r, info) => {
    if (r !== room() || membership.value !== 'in') return
    useIceServers(info.iceServers, info.iceServersExpireAt)
    for (const l of peers.value) l.connection.updateIceServers(info.iceServers)
  })

  signaling.on('error', (err) => {
    const retryIn = err.retryInMs ?? 2000
    switch (err.code) {
      case 'unavailable':
        // The server's storage or the link between servers is down for now: try again.
        if (err.event === 'join' && membership.value === 'joining') retryLater(retryIn, () => signaling.rejoin())
        else if (err.event === 'message') retryLater(retryIn, () => peers.value.forEach((l) => l.connection.resync()))
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

  signaling.on('message', (r, data, from) => {
    if (r !== room()) return
    void linkOf(from)?.connection.handleSignal(data)
  })

  signaling.on('bye', (r, id, info) => {
    const link = r === room() ? linkOf(id) : undefined
    if (!link) return
    const name = who(link.peer.value)
    drop(link)
    tell('info', info.reason === 'timeout' ? msg('call.notices.lost', { name }) : msg('call.notices.leftRoom', { name }))
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
      dropAll()
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
        if (!peers.value.length) return 'waiting'
        // Once up, a drop is an interruption of the call (shown as "reconnecting"), not a call still connecting.
        return peers.value.some((l) => l.connection.everConnected.value) ? 'connected' : 'connecting'
    }
    return 'setup'
  })

  const problem = computed(
    () => credentialProblem.value ?? peers.value.map((l) => l.connection.problem.value).find((p) => p !== null) ?? null,
  )

  const uploadKbps = computed(() => {
    const rates = peers.value.map((l) => l.stats.snapshot.value?.sendKbps).filter((v): v is number => typeof v === 'number')
    return rates.length ? rates.reduce((a, b) => a + b, 0) : null
  })

  const chat: CallChat = {
    open: computed(() => peers.value.some((l) => l.data.open.value)),
    messages: shared.messages,
    transfers: shared.transfers,
    unread: shared.unread,
    sendText(raw) {
      const entry: ChatEntry = { id: randomId(9), from: 'me', text: raw.trim(), at: Date.now() }
      if (!entry.text || entry.text.length > MAX_CHAT_LENGTH) return false
      // Every connection sends it (not `some`: it must reach everyone whose chat is open).
      const reached = peers.value.map((l) => l.data.sendChat(entry)).filter(Boolean).length
      if (reached) shared.messages.value.push(entry)
      return reached > 0
    },
    sendFiles(files, to) {
      const list = [...files]
      const targets = to ? peers.value.filter((l) => l.peer.value.id === to) : peers.value
      let refused: Array<{ name: string; reason: string }> | undefined
      // Each target gets its own copy of the queue; the size check is the same for all.
      for (const l of targets) refused ??= l.data.sendFiles(list)
      for (const l of targets.slice(1)) l.data.sendFiles(list)
      return refused ?? []
    },
    cancel(id) {
      const tr = shared.transfers.value.find((x) => x.id === id)
      if (tr) linkOf(tr.peer)?.data.cancel(id)
    },
    dismiss(id) {
      const i = shared.transfers.value.findIndex((x) => x.id === id)
      const tr = shared.transfers.value[i]
      if (!tr) return
      const link = linkOf(tr.peer)
      if (link) return link.data.dismiss(id)
      // Its person left: nothing is under way any more, only the entry (and a saved file's URL) to let go.
      if (tr.url) {
        URL.revokeObjectURL(tr.url)
        shared.urls.delete(tr.url)
      }
      shared.transfers.value.splice(i, 1)
    },
  }

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
    dropAll()
    membership.value = 'left'
    storage.removeItem(IN_CALL_KEY)
    media.stopSharing()
  }

  function restartIce() {
    for (const l of peers.value) l.connection.restartIce()
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

  onScopeDispose(() => {
    clearTimeout(retryTimer)
    dropAll()
    for (const url of shared.urls) URL.revokeObjectURL(url)
    shared.urls.clear()
  })

  return {
    phase,
    peers,
    nameOf,
    myId,
    name,
    nameValid,
    codec,
    signaling: { status: signaling.status, lastError: signaling.lastError },
    media,
    chat,
    videoCaps,
    sendCaps,
    uploadBudgetKbps,
    uploadKbps,
    problem,
    notice,
    joinError,
    wasInCall,
    join,
    leave,
    restartIce,
  }
}
