import {
  computed,
  ref,
  shallowRef,
  watch,
  onScopeDispose,
  toValue,
  type MaybeRefOrGetter,
  type Ref,
  type ShallowRef,
  type ComputedRef,
} from 'vue'
import { audioConstraints, type AudioProcessing } from '@/lib/constraints'
import { describeMediaError, environmentError, readEnvironment, type MediaError } from '@/lib/mediaErrors'

export interface UseMicrophoneOptions {
  /** Chosen microphone ('' = the browser's default); cleared when the chosen one disappears. */
  deviceId: Ref<string>
  processing: MaybeRefOrGetter<AudioProcessing>
  /** @default navigator.mediaDevices */
  mediaDevices?: MediaDevices
}

export interface UseMicrophoneReturn {
  stream: ShallowRef<MediaStream | undefined>
  track: ComputedRef<MediaStreamTrack | undefined>
  settings: Ref<MediaTrackSettings | undefined>
  active: ComputedRef<boolean>
  error: Ref<MediaError | null>
  notice: Ref<string | null>
  start: () => Promise<boolean>
  stop: () => void
}

/**
 * The microphone as its own track, so it can be switched or re-tuned without touching the camera.
 * Echo cancellation, noise suppression and auto gain are decided when the track opens in most browsers,
 * so changing them reopens the microphone.
 */
export function useMicrophone(options: UseMicrophoneOptions): UseMicrophoneReturn {
  const md = options.mediaDevices ?? (typeof navigator === 'undefined' ? undefined : navigator.mediaDevices)
  const stream = shallowRef<MediaStream>()
  const track = computed(() => stream.value?.getAudioTracks()[0])
  const settings = ref<MediaTrackSettings>()
  const error = ref<MediaError | null>(null)
  const notice = ref<string | null>(null)
  const active = computed(() => !!track.value && !!settings.value)
  let generation = 0
  // A fallback this composable made itself must not trigger the reopen-on-change watcher.
  let selfChosen: string | null = null
  function choose(id: string) {
    selfChosen = id
    options.deviceId.value = id
  }

  function release(s: MediaStream | undefined) {
    s?.getTracks().forEach((t) => t.stop())
  }

  async function start(): Promise<boolean> {
    const envErr = environmentError(readEnvironment(), 'microphone')
    if (envErr) {
      error.value = envErr
      return false
    }
    const gen = ++generation
    const wanted = options.deviceId.value
    const processing = toValue(options.processing)
    try {
      let s: MediaStream
      try {
        s = await md!.getUserMedia({ audio: audioConstraints(wanted || undefined, processing), video: false })
      } catch (err) {
        const name = (err as Error).name
        if (!wanted || (name !== 'NotFoundError' && name !== 'OverconstrainedError')) throw err
        s = await md!.getUserMedia({ audio: audioConstraints(undefined, processing), video: false })
        notice.value = 'The microphone you chose is not available, so the default microphone is used.'
        choose('')
      }
      if (gen !== generation) {
        release(s)
        return false
      }
      const old = stream.value
      stream.value = s
      release(old)
      const t = s.getAudioTracks()[0]!
      settings.value = t.getSettings()
      t.addEventListener('ended', () => {
        if (stream.value !== s) return
        stream.value = undefined
        settings.value = undefined
        notice.value = 'The microphone was disconnected. Switching to another microphone…'
        choose('')
        void start()
      })
      error.value = null
      return true
    } catch (err) {
      if (gen === generation) error.value = describeMediaError(err, 'microphone')
      return false
    }
  }

  function stop() {
    generation++
    const s = stream.value
    stream.value = undefined
    settings.value = undefined
    release(s)
  }

  watch(
    () => [options.deviceId.value, JSON.stringify(toValue(options.processing))] as const,
    ([id], [oldId]) => {
      const mine = id !== oldId && selfChosen === id
      selfChosen = null
      if (mine || !stream.value) return
      void start()
    },
  )

  onScopeDispose(stop)

  return { stream, track, settings, active, error, notice, start, stop }
}
