import { computed, ref, watch, onMounted } from 'vue'
import { messageRef, msg } from '@/i18n/message'
import { needsProcessing } from '@/lib/virtualBackground/settings'
import { storeToRefs } from 'pinia'
import { useSettingsStore } from '@/stores/settings'
import { useScreenShare } from './useScreenShare'
import { useAudioLevel } from './useAudioLevel'
import { useVirtualBackground } from './useVirtualBackground'
import { resolveDevice } from '@/lib/constraints'
import { useRememberedDevices } from './useRememberedDevices'

export type CaptureSource = 'camera' | 'screen'

/**
 * The Capture page's wiring: devices, camera, microphone and screen share, bound to the remembered
 * settings. The view only lays these out.
 */
export function useCaptureStudio() {
  const settingsStore = useSettingsStore()
  const s = settingsStore.capture

  const { devices, camera, microphone } = useRememberedDevices()
  const source = ref<CaptureSource>('camera')
  const screen = useScreenShare({ onEnded: () => (source.value = 'camera') })
  const { level: micLevel } = useAudioLevel(microphone.stream)

  // The background worker only gets frames while something is on (a background, touch-up, a look, low light): none costs nothing.
  const { virtualBackground: vbSettings } = storeToRefs(settingsStore)
  const backgroundOn = computed(() => source.value === 'camera' && needsProcessing(vbSettings.value))
  const background = useVirtualBackground({ source: () => (backgroundOn.value ? camera.track.value : null), settings: vbSettings })

  const previewStream = computed(() => {
    if (source.value === 'screen') return screen.stream.value
    return backgroundOn.value ? (background.stream.value ?? undefined) : camera.stream.value
  })
  const previewSettings = computed(() =>
    source.value === 'screen' ? screen.stream.value?.getVideoTracks()[0]?.getSettings() : camera.settings.value,
  )

  // Labels and real ids appear once a device is allowed.
  watch([camera.track, microphone.track], () => void devices.refresh())

  // Hot-plug: when the remembered speaker disappears, fall back to the default and say so.
  const speakerNotice = messageRef()
  watch(devices.speakers, (list) => {
    const r = resolveDevice(s.speakerId, list)
    if (r.lost) {
      s.speakerId = ''
      speakerNotice.value = msg('capture.speakerGone')
    }
  })

  async function shareScreen() {
    if (await screen.start(true)) source.value = 'screen'
  }

  function stopSharing() {
    screen.stop()
  }

  async function setMicrophoneOn(on: boolean) {
    s.microphoneOn = on
    if (on) await microphone.start()
    else microphone.stop()
  }

  onMounted(() => {
    // A camera page opens the camera, as a camera app does; a blocked permission shows its message and a retry.
    void camera.start()
    if (s.microphoneOn) void microphone.start()
  })

  return {
    settings: s,
    devices,
    camera,
    microphone,
    micLevel,
    screen,
    source,
    background,
    backgroundOn,
    previewStream,
    previewSettings,
    speakerNotice,
    shareScreen,
    stopSharing,
    setMicrophoneOn,
  }
}
