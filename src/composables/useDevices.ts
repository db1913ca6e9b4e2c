import { computed, shallowRef, type ComputedRef, type ShallowRef } from 'vue'
import { useEventListener } from '@vueuse/core'

export interface UseDevicesOptions {
  /** @default navigator.mediaDevices */
  mediaDevices?: MediaDevices
}

export interface UseDevicesReturn {
  isSupported: boolean
  /** Whether this browser can route audio to a chosen speaker (`HTMLMediaElement.setSinkId`). */
  canSelectSpeaker: boolean
  devices: ShallowRef<MediaDeviceInfo[]>
  cameras: ComputedRef<MediaDeviceInfo[]>
  microphones: ComputedRef<MediaDeviceInfo[]>
  speakers: ComputedRef<MediaDeviceInfo[]>
  /** Labels are empty until the user has allowed a camera or microphone. */
  labelsKnown: ComputedRef<boolean>
  refresh: () => Promise<void>
}

/** The device lists, kept current on hot-plug (`devicechange`). Labels appear once permission is given. */
export function useDevices(options: UseDevicesOptions = {}): UseDevicesReturn {
  const md = options.mediaDevices ?? (typeof navigator === 'undefined' ? undefined : navigator.mediaDevices)
  const isSupported = typeof md?.enumerateDevices === 'function'
  const canSelectSpeaker = typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype
  const devices = shallowRef<MediaDeviceInfo[]>([])

  const byKind = (kind: MediaDeviceKind) => computed(() => devices.value.filter((d) => d.kind === kind))
  const cameras = byKind('videoinput')
  const microphones = byKind('audioinput')
  const speakers = byKind('audiooutput')
  const labelsKnown = computed(() => devices.value.some((d) => d.label !== ''))

  async function refresh() {
    if (!isSupported) return
    try {
      devices.value = await md!.enumerateDevices()
    } catch {
      devices.value = []
    }
  }

  if (isSupported) {
    useEventListener(md, 'devicechange', () => void refresh())
    void refresh()
  }

  return { isSupported, canSelectSpeaker, devices, cameras, microphones, speakers, labelsKnown, refresh }
}
