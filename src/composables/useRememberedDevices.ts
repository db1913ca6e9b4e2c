import { toRef } from 'vue'
import { useSettingsStore } from '@/stores/settings'
import { useDevices, type UseDevicesReturn } from './useDevices'
import { useCamera, type UseCameraReturn } from './useCamera'
import { useMicrophone, type UseMicrophoneReturn } from './useMicrophone'

export interface UseRememberedDevicesReturn {
  devices: UseDevicesReturn
  camera: UseCameraReturn
  microphone: UseMicrophoneReturn
}

/**
 * The device lists, camera and microphone bound to the choices remembered in the settings store (device ids,
 * facing, resolution, frame rate, audio processing), as every page that opens them wants them. Nothing opens until
 * the caller starts it.
 */
export function useRememberedDevices(): UseRememberedDevicesReturn {
  const s = useSettingsStore().capture
  const devices = useDevices()
  const camera = useCamera({
    deviceId: toRef(s, 'cameraId'),
    facingMode: toRef(s, 'facingMode'),
    resolution: () => s.resolution,
    frameRate: () => s.frameRate,
    cameras: devices.cameras,
  })
  const microphone = useMicrophone({
    deviceId: toRef(s, 'microphoneId'),
    processing: () => ({ echoCancellation: s.echoCancellation, noiseSuppression: s.noiseSuppression, autoGainControl: s.autoGainControl }),
  })
  return { devices, camera, microphone }
}
