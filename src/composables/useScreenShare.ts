import { computed, ref, shallowRef, onScopeDispose, type Ref, type ShallowRef, type ComputedRef } from 'vue'
import { describeMediaError, environmentError, readEnvironment, type MediaError } from '@/lib/mediaErrors'

export interface UseScreenShareOptions {
  /** @default navigator.mediaDevices */
  mediaDevices?: MediaDevices
  /** Called when sharing ends for any reason, including the browser's "Stop sharing" button. */
  onEnded?: () => void
}

export interface UseScreenShareReturn {
  isSupported: boolean
  stream: ShallowRef<MediaStream | undefined>
  active: ComputedRef<boolean>
  /** Tab or system audio came with the share. */
  hasAudio: ComputedRef<boolean>
  /** 'monitor' | 'window' | 'browser', where the browser says. */
  surface: Ref<string | undefined>
  error: Ref<MediaError | null>
  start: (withAudio?: boolean) => Promise<boolean>
  stop: () => void
}

export function useScreenShare(options: UseScreenShareOptions = {}): UseScreenShareReturn {
  const md = options.mediaDevices ?? (typeof navigator === 'undefined' ? undefined : navigator.mediaDevices)
  const isSupported = typeof md?.getDisplayMedia === 'function'
  const stream = shallowRef<MediaStream>()
  const surface = ref<string>()
  const error = ref<MediaError | null>(null)
  const active = computed(() => !!stream.value)
  const hasAudio = computed(() => (stream.value?.getAudioTracks().length ?? 0) > 0)

  function stop() {
    const s = stream.value
    if (!s) return
    stream.value = undefined
    surface.value = undefined
    s.getTracks().forEach((t) => t.stop())
    options.onEnded?.()
  }

  async function start(withAudio = true): Promise<boolean> {
    const envErr = environmentError(readEnvironment(), 'screen')
    if (envErr) {
      error.value = envErr
      return false
    }
    try {
      // Chromium-only hints (others ignore them): offer tab/system audio, don't offer this very tab.
      const s = await md!.getDisplayMedia({
        video: { frameRate: { ideal: 30 } },
        audio: withAudio,
        systemAudio: 'include',
        selfBrowserSurface: 'exclude',
        surfaceSwitching: 'include',
      } as DisplayMediaStreamOptions)
      stop()
      stream.value = s
      const video = s.getVideoTracks()[0]!
      surface.value = (video.getSettings() as MediaTrackSettings & { displaySurface?: string }).displaySurface
      // "Stop sharing" in the browser's bar ends the video track: go back to a sane state.
      video.addEventListener('ended', () => {
        if (stream.value === s) stop()
      })
      error.value = null
      return true
    } catch (err) {
      error.value = describeMediaError(err, 'screen')
      return false
    }
  }

  onScopeDispose(stop)

  return { isSupported, stream, active, hasAudio, surface, error, start, stop }
}
