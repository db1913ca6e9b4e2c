/**
 * The person speaking in a call, for the outline on their tile: each connection's audio receiver reports the
 * level of what it plays (`getSynchronizationSources()`, the RTP audio level: Chromium, Firefox and Safari all
 * have it, and it costs nothing, unlike an analyser per person), sampled a few times a second and smoothed by
 * lib/call/speaker.
 */
import { onScopeDispose, shallowRef, toValue, type MaybeRefOrGetter, type ShallowRef } from 'vue'
import type { PeerId } from '@/lib/signaling/schema'
import { initialSpeakerState, nextSpeaker, type SpeakerState } from '@/lib/call/speaker'

export interface SpeakerSource {
  id: PeerId
  pc: RTCPeerConnection | null
}

/**
 * The level of the newest sample of a connection's received audio (0 when none is recent). `wallNow` is on the
 * sources' clock: the spec's `performance.timeOrigin + performance.now()`.
 */
function audioLevelOf(pc: RTCPeerConnection | null, wallNow: number): number {
  if (!pc || pc.signalingState === 'closed') return 0
  let level = 0
  for (const receiver of pc.getReceivers()) {
    if (receiver.track.kind !== 'audio' || typeof receiver.getSynchronizationSources !== 'function') continue
    for (const source of receiver.getSynchronizationSources()) {
      // A source not heard for half a second is silent.
      if (wallNow - source.timestamp < 500) level = Math.max(level, source.audioLevel ?? 0)
    }
  }
  return level
}

export function useActiveSpeaker(sources: MaybeRefOrGetter<SpeakerSource[]>, intervalMs = 200): { speaker: ShallowRef<PeerId | null> } {
  const speaker = shallowRef<PeerId | null>(null)
  let state: SpeakerState<PeerId> = initialSpeakerState()
  const timer = setInterval(() => {
    const now = performance.now()
    const wallNow = performance.timeOrigin + now
    const levels = new Map(toValue(sources).map((s) => [s.id, audioLevelOf(s.pc, wallNow)] as const))
    state = nextSpeaker(state, levels, now)
    if (speaker.value !== state.speaker) speaker.value = state.speaker
  }, intervalMs)
  onScopeDispose(() => clearInterval(timer))
  return { speaker }
}
