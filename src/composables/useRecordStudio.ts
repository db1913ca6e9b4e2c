import { computed, ref, watch } from 'vue'
import { storeToRefs } from 'pinia'
import { needsProcessing } from '@/lib/virtualBackground/settings'
import { useSettingsStore } from '@/stores/settings'
import { useGalleryStore, type GalleryItem } from '@/stores/gallery'
import { useScreenShare } from './useScreenShare'
import { useVirtualBackground } from './useVirtualBackground'
import { usePipCompositor } from './usePipCompositor'
import { useMixedAudio } from './useMixedAudio'
import { useRecorder } from './useRecorder'
import { MIN_RECORDING_MS, type RecordingLimits } from '@/lib/recording/limits'
import { discardRecording } from '@/lib/recording/chunkStore'
import { useRememberedDevices } from './useRememberedDevices'
import { messageRef, msg, render, type Message } from '@/i18n/message'
import { useBusyWhile } from './useBusy'

export { MIN_RECORDING_MS }

function directAudioWarning(mic: boolean, screenSound: boolean): Message {
  if (mic && screenSound) return msg('record.audioWarning.both')
  return msg('record.audioWarning.one', { source: msg(mic ? 'record.audioWarning.microphone' : 'record.audioWarning.screenSound') })
}

/**
 * The Record page's wiring: the chosen source (screen, camera with or without its background, or the screen with
 * a camera bubble), screen audio and microphone mixed with their own levels, the recorder, and the hand-over of
 * every finished recording to the gallery. The view only lays these out.
 */
export function useRecordStudio() {
  const store = useSettingsStore()
  const { virtualBackground: vbSettings } = storeToRefs(store)
  const s = store.record
  const gallery = useGalleryStore()

  const { devices, camera, microphone } = useRememberedDevices()
  const needsScreen = computed(() => s.source === 'screen' || s.source === 'pip')
  const needsCamera = computed(() => s.source === 'camera' || s.source === 'pip')

  const screen = useScreenShare()

  const backgroundOn = computed(() => needsCamera.value && s.withBackground && needsProcessing(vbSettings.value))
  const background = useVirtualBackground({ source: () => (backgroundOn.value ? camera.track.value : null), settings: vbSettings })
  const cameraVideo = computed(() => (backgroundOn.value ? background.track.value : camera.track.value) ?? null)
  const screenVideo = computed(() => screen.stream.value?.getVideoTracks()[0] ?? null)
  const screenAudio = computed(() => screen.stream.value?.getAudioTracks()[0] ?? null)

  const pip = usePipCompositor({
    screen: () => (s.source === 'pip' ? screenVideo.value : null),
    camera: () => (s.source === 'pip' ? cameraVideo.value : null),
    corner: () => s.pipCorner,
    size: () => s.pipSize,
    shape: () => s.pipShape,
  })

  const screenAudioSource = computed(() => (needsScreen.value && s.screenAudio ? screenAudio.value : null))
  const micSource = computed(() => (s.microphone ? (microphone.track.value ?? null) : null))
  const mixer = useMixedAudio({
    sources: () => ({ screen: screenAudioSource.value, mic: micSource.value }),
    gains: { screen: s.screenGain, mic: s.micGain },
  })
  watch(
    () => [s.screenGain, s.micGain] as const,
    ([screenGain, micGain]) => (mixer.gains.value = { ...mixer.gains.value, screen: screenGain, mic: micGain }),
  )

  const videoTrack = computed<MediaStreamTrack | null>(() => {
    if (s.source === 'screen') return screenVideo.value
    if (s.source === 'camera') return cameraVideo.value
    return screenVideo.value ? pip.track.value : null
  })
  /**
   * Set at each start: Web Audio did not run (Firefox with no sound server keeps it suspended for good), so one
   * source track is recorded directly instead of the mix, whose track would carry no samples.
   */
  const mixerDown = ref(false)
  /** Why the recording's sound is not the mix, shown on the Record view; null when it is. */
  const audioWarning = messageRef()
  const audioTrack = computed(() => (mixerDown.value ? (micSource.value ?? screenAudioSource.value) : mixer.track.value))
  const recordStream = computed(() => {
    const tracks = [videoTrack.value, audioTrack.value].filter((t): t is MediaStreamTrack => !!t)
    return tracks.length && videoTrack.value ? new MediaStream(tracks) : null
  })
  /** What the preview shows: the recorded picture, or the camera alone while no screen is chosen yet. */
  const previewStream = computed(() => {
    const t = videoTrack.value ?? (s.source === 'pip' ? cameraVideo.value : null)
    return t ? new MediaStream([t]) : undefined
  })

  const limits = computed<RecordingLimits | undefined>(() =>
    s.limit === 'duration'
      ? { maxDurationMs: s.limitMinutes * 60_000 }
      : s.limit === 'size'
        ? { maxBytes: s.limitMegabytes * 1024 * 1024 }
        : undefined,
  )

  const saved = ref<GalleryItem | null>(null)
  // Messages (keys and values), shown in the language of the moment.
  const saveError = messageRef()
  /** Said when a recording was too short to keep (and so was not saved). */
  const tooShort = messageRef()
  const saving = ref(false)
  // A finished recording being written to the gallery holds back an app update too.
  useBusyWhile('saving', saving)
  const recorder = useRecorder({
    stream: recordStream,
    countdownS: () => (s.countdown ? 3 : 0),
    limits,
    label: () => s.source,
    // The mix's audio thread can take a moment to start: the recording starts once it carries sound.
    ready: (ms, signal) => (mixerDown.value ? Promise.resolve(true) : mixer.flowing(ms, signal)),
    async onFinished(rec) {
      saving.value = true
      try {
        saveError.value = null
        tooShort.value = null
        if (!(rec.durationMs >= MIN_RECORDING_MS)) {
          await discardRecording(rec.id)
          tooShort.value = msg('record.tooShort', { s: MIN_RECORDING_MS / 1000 })
          return
        }
        saved.value = await gallery.addRecording(rec)
      } catch (err) {
        // The chunks stay in the recorder's store: the recording is offered again on the next start.
        saveError.value = msg('record.saveFailed', { reason: (err as Error).message })
      } finally {
        saving.value = false
      }
    },
  })

  // The screen share ending mid-recording ends the recording as if stopped; the composite (PiP) track would not end by itself.
  watch(screenVideo, (t, old) => {
    if (!t && old && needsScreen.value && (recorder.state.value === 'recording' || recorder.state.value === 'paused')) {
      void recorder.stop('source-ended')
    }
  })

  // Devices open only while the chosen source needs them.
  watch(
    needsCamera,
    (on) => {
      if (on && !camera.stream.value) void camera.start()
      if (!on) camera.stop()
    },
    { immediate: true },
  )
  watch(
    () => s.microphone,
    (on) => {
      if (on && !microphone.stream.value) void microphone.start()
      if (!on) microphone.stop()
    },
    { immediate: true },
  )
  watch(needsScreen, (on) => {
    if (!on) screen.stop()
  })

  const busy = computed(() => recorder.state.value !== 'idle')
  const missingSourceMessage = (): Message | null => {
    if (needsScreen.value && !screen.active.value) return msg('record.chooseWhat')
    if (needsCamera.value && !cameraVideo.value) return camera.error.value ? null : msg('record.waitingCamera')
    return null
  }
  const missingSource = computed(() => {
    const m = missingSourceMessage()
    return m && render(m)
  })

  async function chooseScreen() {
    await screen.start(s.screenAudio)
  }

  async function start() {
    saved.value = null
    tooShort.value = null
    if (!recordStream.value) {
      recorder.error.value = missingSourceMessage() ?? msg('record.nothingYet')
      return
    }
    // Never wait on Web Audio for good: resume() answers within a moment whether the mix runs.
    const mic = micSource.value
    const screenSound = screenAudioSource.value
    mixerDown.value = !!(mic || screenSound) && !(await mixer.resume())
    audioWarning.value = mixerDown.value ? directAudioWarning(!!mic, !!screenSound) : null
    await recorder.start()
  }

  return {
    settings: s,
    devices,
    screen,
    camera,
    microphone,
    background,
    backgroundOn,
    pip,
    mixer,
    recorder,
    previewStream,
    saved,
    saveError,
    tooShort,
    audioWarning,
    busy,
    missingSource,
    needsScreen,
    needsCamera,
    chooseScreen,
    start,
  }
}
