import {
  computed,
  ref,
  shallowRef,
  watch,
  onScopeDispose,
  type Ref,
  type ShallowRef,
  type ComputedRef,
  type WritableComputedRef,
} from 'vue'
import { messageRef, msg, type Text } from '@/i18n/message'
import { describeMediaError, environmentError, readEnvironment, type MediaError } from '@/lib/mediaErrors'
import { stopThumbnailCopies } from './useThumbnailStream'

export interface UseUserMediaTrackOptions {
  kind: 'video' | 'audio'
  /** Names the device in messages. */
  source: 'camera' | 'microphone'
  /** Chosen device ('' = the browser's default). Cleared when the chosen one disappears. */
  deviceId: Ref<string>
  /** The track's constraints for a device id (undefined = the default device). */
  constraints: (deviceId: string | undefined) => MediaTrackConstraints
  /** @default navigator.mediaDevices */
  mediaDevices?: MediaDevices
}

export interface UseUserMediaTrackReturn {
  stream: ShallowRef<MediaStream | undefined>
  track: ComputedRef<MediaStreamTrack | undefined>
  /** What the device actually delivers. */
  settings: Ref<MediaTrackSettings | undefined>
  active: ComputedRef<boolean>
  starting: Ref<boolean>
  error: Ref<MediaError | null>
  /** Something the user should know that is not an error (a fallback to another device, say). */
  notice: WritableComputedRef<string | null, Text | null>
  /** Opens the chosen device (the default one, with a notice, if it is gone). */
  start: () => Promise<boolean>
  stop: () => void
  /**
   * Replaces the track with what `acquire` opens, guarded against overtaking: a slow acquisition that a newer
   * one overtook is stopped and dropped. Errors become `error`. For variations such as a camera flip.
   */
  run: (acquire: () => Promise<MediaStream>) => Promise<boolean>
  /** Opens a stream of this kind with these constraints, freeing the current device first if it cannot be opened twice. */
  open: (constraints: MediaTrackConstraints) => Promise<MediaStream>
  /** Records a device this composable switched to by itself, without the reopen that a user's choice triggers. */
  choose: (deviceId: string) => void
  release: (s: MediaStream | undefined) => void
}

/**
 * One getUserMedia track (camera or microphone) with the life a product needs: the remembered device with a
 * fallback when it is gone, reopening when the user picks another one, recovery when the device is unplugged,
 * and every track stopped when it is replaced or the scope ends.
 */
export function useUserMediaTrack(options: UseUserMediaTrackOptions): UseUserMediaTrackReturn {
  const md = options.mediaDevices ?? (typeof navigator === 'undefined' ? undefined : navigator.mediaDevices)
  const stream = shallowRef<MediaStream>()
  const track = computed(() => (options.kind === 'video' ? stream.value?.getVideoTracks()[0] : stream.value?.getAudioTracks()[0]))
  const settings = ref<MediaTrackSettings>()
  const starting = ref(false)
  const error = ref<MediaError | null>(null)
  // A message key, shown in the language of the moment.
  const notice = messageRef()
  const active = computed(() => !!track.value && track.value.readyState === 'live' && !!settings.value)
  // Each acquisition gets a number; one that a newer one overtook is thrown away.
  let generation = 0
  let selfChosen: string | null = null

  function choose(id: string) {
    selfChosen = id
    options.deviceId.value = id
  }

  function release(s: MediaStream | undefined) {
    stopThumbnailCopies(s)
    s?.getTracks().forEach((t) => t.stop())
  }

  function adopt(s: MediaStream) {
    const old = stream.value
    stream.value = s
    if (old !== s) release(old)
    const t = options.kind === 'video' ? s.getVideoTracks()[0]! : s.getAudioTracks()[0]!
    settings.value = t.getSettings()
    t.addEventListener('ended', () => {
      // The device went away (unplugged, taken by the OS). Our own stop() drops the stream first.
      if (stream.value !== s) return
      stream.value = undefined
      settings.value = undefined
      notice.value = msg(`notices.disconnected.${options.source}`)
      choose('')
      void start()
    })
  }

  function request(constraints: MediaTrackConstraints): MediaStreamConstraints {
    return options.kind === 'video' ? { video: constraints, audio: false } : { audio: constraints, video: false }
  }

  async function open(constraints: MediaTrackConstraints): Promise<MediaStream> {
    try {
      return await md!.getUserMedia(request(constraints))
    } catch (err) {
      // Some devices (phones, many USB cameras) cannot be opened twice: free the current one and try again.
      if ((err as Error).name === 'NotReadableError' && stream.value) {
        release(stream.value)
        return md!.getUserMedia(request(constraints))
      }
      throw err
    }
  }

  async function run(acquire: () => Promise<MediaStream>): Promise<boolean> {
    const envErr = environmentError(readEnvironment(), options.source)
    if (envErr) {
      error.value = envErr
      return false
    }
    const gen = ++generation
    starting.value = true
    try {
      const s = await acquire()
      if (gen !== generation) {
        release(s)
        return false
      }
      adopt(s)
      error.value = null
      return true
    } catch (err) {
      if (gen === generation) error.value = describeMediaError(err, options.source)
      return false
    } finally {
      if (gen === generation) starting.value = false
    }
  }

  function start(): Promise<boolean> {
    return run(async () => {
      const wanted = options.deviceId.value
      try {
        return await open(options.constraints(wanted || undefined))
      } catch (err) {
        const name = (err as Error).name
        if (!wanted || (name !== 'NotFoundError' && name !== 'OverconstrainedError')) throw err
        // The remembered device is gone: use the default one and say so.
        const s = await open(options.constraints(undefined))
        notice.value = msg(`notices.unavailable.${options.source}`)
        choose('')
        return s
      }
    })
  }

  function stop() {
    generation++
    const s = stream.value
    stream.value = undefined
    settings.value = undefined
    release(s)
    starting.value = false
  }

  // The user picked another device: reopen (unless this composable made the change itself).
  watch(options.deviceId, (id) => {
    const mine = selfChosen === id
    selfChosen = null
    if (mine || !stream.value || (id && settings.value?.deviceId === id)) return
    void start()
  })

  onScopeDispose(stop)

  return { stream, track, settings, active, starting, error, notice, start, stop, run, open, choose, release }
}
