import { ref, watch, onScopeDispose, toValue, type MaybeRefOrGetter, type Ref } from 'vue'

export interface UseAudioLevelReturn {
  /** 0 (silence) to 1 (full scale), on a dB scale so speech moves the meter visibly. */
  level: Ref<number>
}

const FLOOR_DB = -60

/** A live input level for a stream's audio track, for a meter. Web Audio analyser, read once per animation frame. */
export function useAudioLevel(stream: MaybeRefOrGetter<MediaStream | undefined>): UseAudioLevelReturn {
  const level = ref(0)
  let ctx: AudioContext | undefined
  let source: MediaStreamAudioSourceNode | undefined
  let raf = 0
  let resumeOnGesture: (() => void) | undefined

  function teardown() {
    cancelAnimationFrame(raf)
    source?.disconnect()
    source = undefined
    level.value = 0
  }

  function ensureContext(): AudioContext {
    if (!ctx) {
      ctx = new AudioContext()
      if (ctx.state === 'suspended') {
        // Autoplay rules may hold the context until the user touches the page.
        resumeOnGesture = () => void ctx?.resume()
        document.addEventListener('pointerdown', resumeOnGesture, { once: true })
      }
    }
    return ctx
  }

  watch(
    () => toValue(stream),
    (s) => {
      teardown()
      if (!s || s.getAudioTracks().length === 0) return
      const audio = ensureContext()
      source = audio.createMediaStreamSource(s)
      const analyser = audio.createAnalyser()
      analyser.fftSize = 1024
      source.connect(analyser)
      const buf = new Float32Array(analyser.fftSize)
      const tick = () => {
        analyser.getFloatTimeDomainData(buf)
        let sum = 0
        for (let i = 0; i < buf.length; i++) sum += buf[i]! * buf[i]!
        const db = 10 * Math.log10(sum / buf.length + 1e-12)
        const target = Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB))
        // Fast attack, slow release, like a real meter.
        level.value = target > level.value ? target : level.value * 0.9 + target * 0.1
        raf = requestAnimationFrame(tick)
      }
      tick()
    },
    { immediate: true },
  )

  onScopeDispose(() => {
    teardown()
    if (resumeOnGesture) document.removeEventListener('pointerdown', resumeOnGesture)
    void ctx?.close()
  })

  return { level }
}
