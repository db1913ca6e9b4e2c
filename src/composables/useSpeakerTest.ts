import { ref, onScopeDispose, toValue, type MaybeRefOrGetter, type Ref, type WritableComputedRef } from 'vue'
import { messageRef, msg, type Text } from '@/i18n/message'

type SinkableAudio = HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }

export interface UseSpeakerTestReturn {
  playing: Ref<boolean>
  error: WritableComputedRef<string | null, Text | null>
  /** Plays a short two-tone chime on the chosen speaker. */
  play: () => Promise<void>
}

/** Lets the user hear which speaker is selected. The tone is made with Web Audio, routed through an <audio> element so `setSinkId` applies. */
export function useSpeakerTest(speakerId: MaybeRefOrGetter<string>): UseSpeakerTestReturn {
  const playing = ref(false)
  // A message key, shown in the language of the moment.
  const error = messageRef()
  let ctx: AudioContext | undefined
  let audio: SinkableAudio | undefined

  async function play() {
    if (playing.value) return
    error.value = null
    playing.value = true
    try {
      ctx ??= new AudioContext()
      await ctx.resume()
      const dest = ctx.createMediaStreamDestination()
      const gain = ctx.createGain()
      gain.connect(dest)
      const t0 = ctx.currentTime
      for (const [i, freq] of [660, 880].entries()) {
        const osc = ctx.createOscillator()
        osc.frequency.value = freq
        osc.connect(gain)
        osc.start(t0 + i * 0.3)
        osc.stop(t0 + i * 0.3 + 0.25)
      }
      gain.gain.setValueAtTime(0.2, t0)
      audio = new Audio() as SinkableAudio
      const id = toValue(speakerId)
      if (id && audio.setSinkId) await audio.setSinkId(id)
      audio.srcObject = dest.stream
      await audio.play()
      await new Promise((r) => setTimeout(r, 700))
    } catch (err) {
      error.value = msg('speaker.testFailed', { reason: (err as Error).message })
    } finally {
      audio?.pause()
      if (audio) audio.srcObject = null
      playing.value = false
    }
  }

  onScopeDispose(() => {
    audio?.pause()
    void ctx?.close()
  })

  return { playing, error, play }
}
