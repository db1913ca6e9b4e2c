import { watch, toValue, type MaybeRefOrGetter, type Ref } from 'vue'
import { audioConstraints, type AudioProcessing } from '@/lib/constraints'
import { useUserMediaTrack, type UseUserMediaTrackReturn } from './useUserMediaTrack'

export interface UseMicrophoneOptions {
  /** Chosen microphone ('' = the browser's default); cleared when the chosen one disappears. */
  deviceId: Ref<string>
  processing: MaybeRefOrGetter<AudioProcessing>
  /** @default navigator.mediaDevices */
  mediaDevices?: MediaDevices
}

export type UseMicrophoneReturn = Omit<UseUserMediaTrackReturn, 'run' | 'open' | 'choose' | 'release'>

/**
 * The microphone as its own track, so it can be switched or re-tuned without touching the camera.
 * Echo cancellation, noise suppression and auto gain are decided when the track opens in most browsers,
 * so changing them reopens the microphone.
 */
export function useMicrophone(options: UseMicrophoneOptions): UseMicrophoneReturn {
  const {
    run: _r,
    open: _o,
    choose: _c,
    release: _rel,
    ...mic
  } = useUserMediaTrack({
    kind: 'audio',
    source: 'microphone',
    deviceId: options.deviceId,
    constraints: (id) => audioConstraints(id, toValue(options.processing)),
    mediaDevices: options.mediaDevices,
  })

  watch(
    () => JSON.stringify(toValue(options.processing)),
    () => {
      if (mic.stream.value) void mic.start()
    },
  )

  return mic
}
