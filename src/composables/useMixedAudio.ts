/**
 * Mixes several audio tracks (screen or tab audio, microphone) into one track through Web Audio, each with its own
 * level and mute, plus a level meter per source. The output track stays the same for the composable's whole life:
 * adding, removing or switching a source never changes the track a recorder is recording.
 *
 * The mix is not played out (no connection to the speakers), so recording a microphone never feeds back.
 *
 * Web Audio may not run at all: the browser keeps a context `suspended` until a click, and Firefox keeps it suspended
 * for good on a machine with no sound server (its `resume()` promise never settles). A suspended context's track
 * carries no samples, and a recorder given it may write nothing. So `resume()` never waits long: it answers within
 * `RESUME_TIMEOUT_MS` whether the mix runs, and a caller records a source track directly when it does not.
 */
import {
  onScopeDispose,
  ref,
  shallowRef,
  toValue,
  watch,
  type MaybeRefOrGetter,
  type Ref,
  type ShallowRef,
  type WritableComputedRef,
} from 'vue'
import { messageRef, msg, type Text } from '@/i18n/message'
import { audioClockRunning } from '@/lib/recording/flowing'

export interface UseMixedAudioOptions {
  /** Named sources, e.g. `{ screen: screenAudioTrack, mic: micTrack }`; null/undefined entries are left out. */
  sources: MaybeRefOrGetter<Record<string, MediaStreamTrack | null | undefined>>
  /** Initial levels per source name (0..2, 1 = unchanged). @default 1 for every source */
  gains?: Record<string, number>
  /** Pass your own AudioContext (tests, or to share one). By default one is created and closed with the scope. */
  audioContext?: AudioContext
}

export interface UseMixedAudioReturn {
  isSupported: boolean
  /** The mixed track to record (null until a source exists). */
  track: ShallowRef<MediaStreamTrack | null>
  /** Level per source name, 0..2; change it at any time. */
  gains: Ref<Record<string, number>>
  /** Mute per source name. */
  muted: Ref<Record<string, boolean>>
  /** Current loudness per source, 0..1 (RMS), updated about 10 times a second. */
  levels: Ref<Record<string, number>>
  error: WritableComputedRef<string | null, Text | null>
  /**
   * Resumes a context the browser suspended (call it from a click). Resolves within `RESUME_TIMEOUT_MS` with
   * whether the mix is running; never rejects, never waits on a `resume()` that does not settle.
   */
  resume(): Promise<boolean>
  /**
   * Resolves true once the mix carries sound (the context's audio clock moves: a new context's audio thread can take
   * a moment to start), false after `timeoutMs` or on `signal`. True at once when there is nothing to mix.
   */
  flowing(timeoutMs: number, signal?: AbortSignal): Promise<boolean>
  suspended: Ref<boolean>
}

/** How long `resume()` waits for the context to run. A click's resume takes a few milliseconds where it works. */
export const RESUME_TIMEOUT_MS = 300

interface Node {
  trackId: string
  source: MediaStreamAudioSourceNode
  gain: GainNode
  analyser: AnalyserNode
}

export function useMixedAudio(options: UseMixedAudioOptions): UseMixedAudioReturn {
  const isSupported = typeof window !== 'undefined' && typeof window.AudioContext === 'function'
  const track = shallowRef<MediaStreamTrack | null>(null)
  const gains = ref<Record<string, number>>({ ...(options.gains ?? {}) })
  const muted = ref<Record<string, boolean>>({})
  const levels = ref<Record<string, number>>({})
  // A message key, shown in the language of the moment.
  const error = messageRef()
  const suspended = ref(false)
  let ctx: AudioContext | null = options.audioContext ?? null
  let dest: MediaStreamAudioDestinationNode | null = null
  const nodes = new Map<string, Node>()
  let meterTimer: ReturnType<typeof setInterval> | undefined
  const buf = new Float32Array(1024)

  function ensureContext(): AudioContext | null {
    if (!isSupported) {
      error.value = msg('feedback.mix.noWebAudio')
      return null
    }
    if (!ctx) ctx = new AudioContext()
    if (!dest) {
      dest = ctx.createMediaStreamDestination()
      track.value = dest.stream.getAudioTracks()[0] ?? null
      suspended.value = ctx.state === 'suspended'
      ctx.onstatechange = () => (suspended.value = ctx?.state === 'suspended')
      if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined)
      meterTimer = setInterval(meter, 100)
    }
    return ctx
  }

  function level(name: string): number {
    if (muted.value[name]) return 0
    const g = gains.value[name]
    return typeof g === 'number' && Number.isFinite(g) ? Math.min(2, Math.max(0, g)) : 1
  }

  function applyGains() {
    if (!ctx) return
    for (const [name, n] of nodes) n.gain.gain.setTargetAtTime(level(name), ctx.currentTime, 0.02)
  }

  function meter() {
    const out: Record<string, number> = {}
    for (const [name, n] of nodes) {
      n.analyser.getFloatTimeDomainData(buf)
      let sum = 0
      for (let i = 0; i < buf.length; i++) sum += buf[i]! * buf[i]!
      out[name] = Math.min(1, Math.sqrt(sum / buf.length) * 2)
    }
    levels.value = out
  }

  function disconnect(name: string) {
    const n = nodes.get(name)
    if (!n) return
    n.source.disconnect()
    n.gain.disconnect()
    n.analyser.disconnect()
    nodes.delete(name)
  }

  function sync(sources: Record<string, MediaStreamTrack | null | undefined>) {
    for (const name of [...nodes.keys()]) {
      const t = sources[name]
      if (!t || t.id !== nodes.get(name)!.trackId || t.readyState !== 'live') disconnect(name)
    }
    for (const [name, track] of Object.entries(sources)) {
      if (!track || track.kind !== 'audio' || track.readyState !== 'live' || nodes.has(name)) continue
      const c = ensureContext()
      if (!c || !dest) return
      try {
        const source = c.createMediaStreamSource(new MediaStream([track]))
        const gain = c.createGain()
        gain.gain.value = level(name)
        const analyser = c.createAnalyser()
        analyser.fftSize = buf.length
        source.connect(gain).connect(dest)
        source.connect(analyser)
        nodes.set(name, { trackId: track.id, source, gain, analyser })
        // A source that ends (tab closed, mic unplugged) just leaves the mix.
        track.addEventListener('ended', () => disconnect(name), { once: true })
      } catch (err) {
        error.value = msg('feedback.mix.addFailed', { name, reason: err instanceof Error ? err.message : String(err) })
      }
    }
  }

  watch(() => toValue(options.sources), sync, { immediate: true, deep: true })
  watch([gains, muted], applyGains, { deep: true })

  onScopeDispose(() => {
    clearInterval(meterTimer)
    for (const name of [...nodes.keys()]) disconnect(name)
    track.value?.stop()
    if (ctx && !options.audioContext) void ctx.close().catch(() => undefined)
    ctx = null
    dest = null
  })

  return {
    isSupported,
    track,
    gains,
    muted,
    levels,
    error,
    suspended,
    async resume() {
      const c = ctx
      if (!c) return false
      if (c.state === 'running') return true
      await Promise.race([c.resume().catch(() => undefined), new Promise((r) => setTimeout(r, RESUME_TIMEOUT_MS))])
      return (c.state as AudioContextState) === 'running'
    },
    flowing(timeoutMs, signal) {
      if (!ctx || nodes.size === 0) return Promise.resolve(true)
      return audioClockRunning(ctx, timeoutMs, signal)
    },
  }
}
