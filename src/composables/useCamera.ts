import { watch, toValue, type MaybeRefOrGetter, type Ref } from 'vue'
import { t } from '@/i18n'
import { videoConstraints, nextCamera, oppositeFacing, type FacingMode, type ResolutionPreset, type DeviceLike } from '@/lib/constraints'
import { useUserMediaTrack, type UseUserMediaTrackReturn } from './useUserMediaTrack'

export interface UseCameraOptions {
  /** Chosen camera ('' = the browser's default). Written when a flip or a fallback lands on another camera. */
  deviceId: Ref<string>
  /** Used for the front/back switch; written when a flip succeeds. */
  facingMode: Ref<FacingMode>
  resolution: MaybeRefOrGetter<ResolutionPreset>
  frameRate: MaybeRefOrGetter<number>
  /** The cameras currently plugged in, to flip to another one. */
  cameras: MaybeRefOrGetter<readonly DeviceLike[]>
  /** @default navigator.mediaDevices */
  mediaDevices?: MediaDevices
}

export type UseCameraReturn = Omit<UseUserMediaTrackReturn, 'run' | 'open' | 'choose' | 'release'> & {
  /** Front/back: `exact` facingMode first; if the device can't, the next camera with a message. */
  flip: () => Promise<void>
}

export function useCamera(options: UseCameraOptions): UseCameraReturn {
  function request(deviceId: string | undefined, facingMode?: FacingMode) {
    return videoConstraints({ resolution: toValue(options.resolution), frameRate: toValue(options.frameRate), deviceId, facingMode })
  }
  const base = useUserMediaTrack({
    kind: 'video',
    source: 'camera',
    deviceId: options.deviceId,
    constraints: (id) => request(id),
    mediaDevices: options.mediaDevices,
  })
  const { run, open, choose, release, notice, settings, track } = base
  const { run: _r, open: _o, choose: _c, release: _rel, ...exposed } = base

  async function flip() {
    const target = oppositeFacing(options.facingMode.value)
    const side = target === 'environment' ? 'back' : 'front'
    const current = settings.value?.deviceId ?? options.deviceId.value
    await run(async () => {
      // Phones cannot keep both cameras open: release the current one first.
      release(base.stream.value)
      try {
        const s = await open(request(undefined, target))
        options.facingMode.value = target
        choose(s.getVideoTracks()[0]?.getSettings().deviceId ?? '')
        notice.value = null
        return s
      } catch (err) {
        if ((err as Error).name !== 'OverconstrainedError') throw err
        const other = nextCamera(current, toValue(options.cameras))
        if (!other) {
          notice.value = t(`notices.noCameraSide.${side === 'back' ? 'back' : 'front'}`)
          return open(request(current || undefined))
        }
        notice.value = t(`notices.switchedCamera.${side === 'back' ? 'back' : 'front'}`, { name: other.label || t('notices.nextCamera') })
        const s = await open(request(other.deviceId))
        choose(other.deviceId)
        return s
      }
    })
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
        await base.start()
      }
    },
  )

  return { ...exposed, flip }
}
