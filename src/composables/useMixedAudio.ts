/**
 * Mixes several audio tracks (screen or tab audio, microphone) into one track through Web Audio, each with its own
 * level and mute, plus a level meter per source. The output track stays the same for the composable's whole life:
 * adding, removing or switching a source never changes the track a recorder is recording.
 *
 * The mix is not played out (no connection to the speakers), so recording a microphone never feeds back.
 */
import { onScopeDispose, ref, shallowRef, toValue, watch, type MaybeRefOrGetter, type Ref, type ShallowRef } from 'vue'

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
  error: Ref<string | null>
  /** Resumes a context the browser suspended (call from a click if `suspended` is true). */
  resume(): Promise<void>
  suspended: Ref<boolean>
}

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
  const error = ref<string | null>(null)
  const suspended = ref(false)
  let ctx: AudioContext | null = options.audioContext ?? null
  let dest: MediaStreamAudioDestinationNode | null = null
  const nodes = new Map<string, Node>()
  let meterTimer: ReturnType<typeof setInterval> | undefined
  const buf = new Float32Array(1024)

  function ensureContext(): AudioContext | null {
    if (!isSupported) {
      error.value = 'This browser cannot mix audio (no Web Audio).'
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
    for (const [name, t] of Object.entries(sources)) {
      if (!t || t.kind !== 'audio' || t.readyState !== 'live' || nodes.has(name)) continue
      const c = ensureContext()
      if (!c || !dest) return
      try {
        const source = c.createMediaStreamSource(new MediaStream([t]))
        const gain = c.createGain()
        gain.gain.value = level(name)
        const analyser = c.createAnalyser()
        analyser.fftSize = buf.length
        source.connect(gain).connect(dest)
        source.connect(analyser)
        nodes.set(name, { trackId: t.id, source, gain, analyser })
        // A source that ends (tab closed, mic unplugged) just leaves the mix.
        t.addEventListener('ended', () => disconnect(name), { once: true })
      } catch (err) {
        error.value = `The ${name} audio could not be added to the mix (${err instanceof Error ? err.message : String(err)}).`
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
      await ctx?.resume()
    },
  }
}
