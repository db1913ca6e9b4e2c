/**
 * What a call sends, built from the app's own capture composables and persisted settings: the camera (through
 * the virtual background when a background mode is on), the microphone, and a shared screen next to the camera.
 * It exposes the three tracks to send; the peer connection swaps them in with `replaceTrack` whenever they change,
 * so every in-call change (mute, camera off, another camera or microphone, the background on or off, a screen
 * shared and stopped) is seamless for the others. Changing the background *kind* (blur, a picture, a colour) changes nothing here:
 * the processed track stays the same object, only what the worker draws on it changes.
 */
import { computed, ref, watch, type ComputedRef, type Ref } from 'vue'
import { needsProcessing } from '@/lib/virtualBackground/settings'
import { storeToRefs } from 'pinia'
import { useSettingsStore, type CaptureSettings } from '@/stores/settings'
import type { UseDevicesReturn } from './useDevices'
import type { UseCameraReturn } from './useCamera'
import type { UseMicrophoneReturn } from './useMicrophone'
import { useScreenShare, type UseScreenShareReturn } from './useScreenShare'
import { useVirtualBackground, type UseVirtualBackgroundReturn } from './useVirtualBackground'
import { useRememberedDevices } from './useRememberedDevices'

export type VideoSource = 'camera' | 'screen' | 'none'

export interface UseCallMediaReturn {
  settings: CaptureSettings
  devices: UseDevicesReturn
  camera: UseCameraReturn
  microphone: UseMicrophoneReturn
  screen: UseScreenShareReturn
  background: UseVirtualBackgroundReturn
  /** The user wants the camera on (it may still be starting, or blocked). */
  cameraOn: Ref<boolean>
  /** The user muted the microphone (the microphone stays open, so unmuting is instant). */
  muted: Ref<boolean>
  /** A background mode is on and this browser can draw it. */
  backgroundActive: ComputedRef<boolean>
  /** The camera's track to send: the processed camera, the camera, or none. */
  videoTrack: ComputedRef<MediaStreamTrack | null>
  /** The shared screen's track, sent next to the camera, or none. */
  screenTrack: ComputedRef<MediaStreamTrack | null>
  audioTrack: ComputedRef<MediaStreamTrack | null>
  videoSource: ComputedRef<VideoSource>
  /** For the local preview: the screen while it is shared, else the camera as sent. */
  previewStream: ComputedRef<MediaStream | undefined>
  /** Opens the camera (if wanted) and the microphone. */
  start(): Promise<void>
  setCameraOn(on: boolean): Promise<void>
  setMuted(muted: boolean): Promise<void>
  shareScreen(): Promise<boolean>
  stopSharing(): void
}

export function useCallMedia(): UseCallMediaReturn {
  const store = useSettingsStore()
  const s = store.capture
  const { virtualBackground } = storeToRefs(store)

  const { devices, camera, microphone } = useRememberedDevices()
  const screen = useScreenShare()
  const cameraOn = ref(true)
  // The call's own mute (Capture's microphone switch is a different choice and stays as it is).
  const muted = ref(false)

  const backgroundWanted = computed(() => needsProcessing(virtualBackground.value))
  // The background worker only gets frames while its output is what we send: no compositing for nothing.
  const background = useVirtualBackground({
    source: () => (backgroundWanted.value && cameraOn.value ? camera.track.value : null),
    settings: virtualBackground,
  })
  const backgroundActive = computed(() => backgroundWanted.value && background.isSupported.value && !!background.track.value)

  const screenTrack = computed(() => screen.stream.value?.getVideoTracks()[0] ?? null)
  const videoSource = computed<VideoSource>(() => (screenTrack.value ? 'screen' : cameraOn.value && camera.track.value ? 'camera' : 'none'))
  const videoTrack = computed<MediaStreamTrack | null>(() => {
    if (!cameraOn.value || !camera.track.value) return null
    return backgroundActive.value ? background.track.value : camera.track.value
  })
  const audioTrack = computed(() => (muted.value ? null : (microphone.track.value ?? null)))
  const previewTrack = computed(() => screenTrack.value ?? videoTrack.value)
  const previewStream = computed(() => (previewTrack.value ? new MediaStream([previewTrack.value]) : undefined))

  // Screens carry text: ask the encoder to keep it sharp rather than smooth.
  watch(screenTrack, (t) => {
    if (t && 'contentHint' in t) t.contentHint = 'detail'
  })
  // Labels and real ids appear once a device is allowed.
  watch([camera.track, microphone.track], () => void devices.refresh())

  async function start() {
    await Promise.all([cameraOn.value ? camera.start() : Promise.resolve(true), microphone.start()])
  }

  async function setCameraOn(on: boolean) {
    cameraOn.value = on
    // Off means off: the camera's light goes out, not only the picture.
    if (on) await camera.start()
    else camera.stop()
  }

  async function setMuted(value: boolean) {
    muted.value = value
    if (!value && !microphone.track.value) await microphone.start()
  }

  return {
    settings: s,
    devices,
    camera,
    microphone,
    screen,
    background,
    cameraOn,
    muted,
    backgroundActive,
    videoTrack,
    screenTrack,
    audioTrack,
    videoSource,
    previewStream,
    start,
    setCameraOn,
    setMuted,
    shareScreen: () => screen.start(false),
    stopSharing: () => screen.stop(),
  }
}
