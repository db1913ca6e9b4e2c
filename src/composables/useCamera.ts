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
import { videoConstraints, nextCamera, oppositeFacing, type FacingMode, type ResolutionPreset, type DeviceLike } from '@/lib/constraints'
import { describeMediaError, environmentError, readEnvironment, type MediaError } from '@/lib/mediaErrors'

export interface UseCameraOptions {
  /** Chosen camera ('' = the browser's default). Written when a flip or a fallback lands on another camera. */
  deviceId: Ref<string>
  /** Used for the front/back switch; written when a flip succeeds. */
  facingMode: Ref<FacingMode>
  resolution: MaybeRefOrGetter<ResolutionPreset>
  frameRate: MaybeRefOrGetter<number>
  /** The cameras currently plugged in, to fall back or flip to another one. */
  cameras: MaybeRefOrGetter<readonly DeviceLike[]>
  /** @default navigator.mediaDevices */
  mediaDevices?: MediaDevices
}

export interface UseCameraReturn {
  stream: ShallowRef<MediaStream | undefined>
  track: ComputedRef<MediaStreamTrack | undefined>
  /** What the camera actually delivers (size, frame rate, device, facing). */
  settings: Ref<MediaTrackSettings | undefined>
  active: ComputedRef<boolean>
  starting: Ref<boolean>
  error: Ref<MediaError | null>
  /** Something the user should know that is not an error (a fallback to another camera, say). */
  notice: Ref<string | null>
  start: () => Promise<boolean>
  stop: () => void
  /** Front/back: `exact` facingMode first; if the device can't, the next camera with a message. */
  flip: () => Promise<void>
}

export function useCamera(options: UseCameraOptions): UseCameraReturn {
  const md = options.mediaDevices ?? (typeof navigator === 'undefined' ? undefined : navigator.mediaDevices)
  const stream = shallowRef<MediaStream>()
  const track = computed(() => stream.value?.getVideoTracks()[0])
  const settings = ref<MediaTrackSettings>()
  const starting = ref(false)
  const error = ref<MediaError | null>(null)
  const notice = ref<string | null>(null)
  const active = computed(() => !!track.value && track.value.readyState === 'live' && !!settings.value)
  // Each open gets a number; a slow getUserMedia that a newer one overtook is thrown away.
  let generation = 0
  // The camera this composable switched to by itself (flip, fallback): the deviceId watcher must not reopen it.
  let selfChosen: string | null = null
  function choose(id: string) {
    selfChosen = id
    options.deviceId.value = id
  }

  function release(s: MediaStream | undefined) {
    s?.getTracks().forEach((t) => t.stop())
  }

  function adopt(s: MediaStream) {
    const old = stream.value
    stream.value = s
    if (old !== s) release(old)
    const t = s.getVideoTracks()[0]!
    settings.value = t.getSettings()
    t.addEventListener('ended', () => {
      // The camera went away (unplugged, taken by the OS). Our own stop() removes the stream first.
      if (stream.value !== s) return
      stream.value = undefined
      settings.value = undefined
      notice.value = 'The camera was disconnected. Switching to another camera…'
      choose('')
      void start()
    })
  }

  async function open(constraints: MediaTrackConstraints): Promise<MediaStream> {
    try {
      return await md!.getUserMedia({ video: constraints, audio: false })
    } catch (err) {
      // Some cameras (phones, many USB ones) cannot be opened twice: free the current one and try again.
      if ((err as Error).name === 'NotReadableError' && stream.value) {
        release(stream.value)
        return md!.getUserMedia({ video: constraints, audio: false })
      }
      throw err
    }
  }

  function request(deviceId: string | undefined, facingMode?: FacingMode) {
    return videoConstraints({
      resolution: toValue(options.resolution),
      frameRate: toValue(options.frameRate),
      deviceId: deviceId || undefined,
      facingMode,
    })
  }

  async function start(): Promise<boolean> {
    const envErr = environmentError(readEnvironment(), 'camera')
    if (envErr) {
      error.value = envErr
      return false
    }
    const gen = ++generation
    starting.value = true
    try {
      let s: MediaStream
      const wanted = options.deviceId.value
      try {
        s = await open(request(wanted))
      } catch (err) {
        const name = (err as Error).name
        if (!wanted || (name !== 'NotFoundError' && name !== 'OverconstrainedError')) throw err
        // The remembered camera is gone: use the default one and say so.
        s = await open(request(undefined))
        notice.value = 'The camera you chose is not available, so the default camera is used.'
        choose('')
      }
      if (gen !== generation) {
        release(s)
        return false
      }
      adopt(s)
      error.value = null
      return true
    } catch (err) {
      if (gen === generation) error.value = describeMediaError(err, 'camera')
      return false
    } finally {
      if (gen === generation) starting.value = false
    }
  }

  function stop() {
    generation++
    const s = stream.value
    stream.value = undefined
    settings.value = undefined
    release(s)
    starting.value = false
  }

  async function flip() {
    const target = oppositeFacing(options.facingMode.value)
    const gen = ++generation
    starting.value = true
    const side = target === 'environment' ? 'back' : 'front'
    try {
      // Phones cannot keep both cameras open: release the current one first.
      release(stream.value)
      const s = await md!.getUserMedia({ video: request(undefined, target), audio: false })
      if (gen !== generation) return release(s)
      adopt(s)
      options.facingMode.value = target
      choose(s.getVideoTracks()[0]?.getSettings().deviceId ?? '')
      notice.value = null
      error.value = null
    } catch (err) {
      if (gen !== generation) return
      if ((err as Error).name !== 'OverconstrainedError') {
        error.value = describeMediaError(err, 'camera')
        return
      }
      const current = settings.value?.deviceId ?? options.deviceId.value
      const other = nextCamera(current, toValue(options.cameras))
      if (!other) {
        notice.value = `This device has no ${side} camera, and no other camera to switch to.`
        starting.value = false
        await start()
        return
      }
      notice.value = `This device cannot pick its ${side} camera by itself, so it switched to "${other.label || 'the next camera'}".`
      choose(other.deviceId)
      starting.value = false
      await start()
    } finally {
      if (gen === generation) starting.value = false
    }
  }

  // Size and frame rate change on the live track when the camera allows it (no flash of black);
  // otherwise the camera is reopened with the new request.
  watch(
    () => [toValue(options.resolution), toValue(options.frameRate)] as const,
    async () => {
      const t = track.value
      if (!t) return
      const { deviceId: _d, facingMode: _f, ...shape } = request(undefined)
      try {
        await t.applyConstraints(shape)
        settings.value = t.getSettings()
      } catch {
        await start()
      }
    },
  )

  watch(options.deviceId, (id) => {
    const mine = selfChosen === id
    selfChosen = null
    if (mine || !stream.value || (id && settings.value?.deviceId === id)) return
    void start()
  })

  onScopeDispose(stop)

  return { stream, track, settings, active, starting, error, notice, start, stop, flip }
}
