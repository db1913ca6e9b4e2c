/**
 * One other person in a call: the peer connection to them, the data channels (their chat messages and files go
 * into the call's shared lists), and the connection's stats. A group call has one of these per other person
 * (a full mesh); each lives in its own effect scope, so someone leaving ends exactly their connection, timers
 * and watchers.
 */
import { effectScope, ref, type MaybeRefOrGetter, type Ref } from 'vue'
import type { InstanceId, PeerId, SignalData } from '@/lib/signaling/schema'
import type { VideoCaps } from '@/lib/call/encoding'
import type { CodecChoice } from '@/lib/call/codecs'
import { usePeerConnection, type UsePeerConnectionReturn } from './usePeerConnection'
import { useDataChannel, type LocalMediaState, type SharedChatState, type UseDataChannelReturn } from './useDataChannel'
import { useCallStats, type UseCallStatsReturn } from './useCallStats'

export interface CallPeer {
  id: PeerId
  name: string | undefined
  instance: InstanceId
}

export interface CallPeerLink {
  /** Who it is (the name may change when they come back under another one). */
  peer: Ref<CallPeer>
  connection: UsePeerConnectionReturn
  data: UseDataChannelReturn
  stats: UseCallStatsReturn
  /** Ends the connection and everything this link runs. */
  dispose(): void
}

export interface CallPeerOptions {
  /** Sends signaling data to this person; false when it could not be sent (signaling away). */
  send: (to: PeerId, data: SignalData) => boolean
  /** Whether signaling can carry an offer to this person now. */
  canSignal: (to: PeerId) => boolean
  audioTrack: MaybeRefOrGetter<MediaStreamTrack | null | undefined>
  videoTrack: MaybeRefOrGetter<MediaStreamTrack | null | undefined>
  /** The shared screen, sent next to the camera (null when not sharing). */
  screenTrack: MaybeRefOrGetter<MediaStreamTrack | null | undefined>
  /** Caps for the camera and the screen sent to this person (the call's upload budget split across everyone). */
  videoCaps: MaybeRefOrGetter<VideoCaps>
  screenCaps: MaybeRefOrGetter<VideoCaps>
  /** The video codec to put first. */
  codec: MaybeRefOrGetter<CodecChoice>
  localState: MaybeRefOrGetter<LocalMediaState>
  shared: SharedChatState
}

export function createCallPeer(peer: CallPeer, options: CallPeerOptions): CallPeerLink {
  const scope = effectScope(true)
  const link = scope.run(() => {
    const who = ref(peer)
    const id = peer.id
    const connection = usePeerConnection({
      send: (data) => options.send(id, data),
      canSignal: () => options.canSignal(id),
      audioTrack: options.audioTrack,
      videoTrack: options.videoTrack,
      screenTrack: options.screenTrack,
      videoCaps: options.videoCaps,
      screenCaps: options.screenCaps,
      codec: options.codec,
    })
    const data = useDataChannel({
      chat: connection.chatChannel,
      file: connection.fileChannel,
      localState: options.localState,
      maxMessageSize: () => connection.pc.value?.sctp?.maxMessageSize,
      peer: id,
      shared: options.shared,
    })
    // A remote camera that is off sends no frames: that is not a bad connection.
    const stats = useCallStats({ pc: connection.pc, remoteVideo: () => data.remoteState.value?.video ?? true })
    return { peer: who, connection, data, stats }
  })!
  return { ...link, dispose: () => scope.stop() }
}
