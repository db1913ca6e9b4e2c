import { defineStore } from 'pinia'
import { useLocalStorage } from '@vueuse/core'
import { normalizeFilterSettings, defaultFilterSettings, type FilterSetting } from '@/lib/filters'
import type { FacingMode, ResolutionPreset } from '@/lib/constraints'
import type { PhotoFormat } from '@/lib/format'
import { defaultVirtualBackgroundSettings, normalizeSettings, type VirtualBackgroundSettings } from '@/lib/virtualBackground/settings'

/** Everything the user chooses in Capture, remembered across reloads (plain data only, no browser objects). */
export interface CaptureSettings {
  cameraId: string
  microphoneId: string
  speakerId: string
  resolution: ResolutionPreset
  frameRate: number
  facingMode: FacingMode
  mirror: boolean
  echoCancellation: boolean
  noiseSuppression: boolean
  autoGainControl: boolean
  microphoneOn: boolean
  filters: FilterSetting[]
  photoFormat: PhotoFormat
  countdown: boolean
}

export function defaultCaptureSettings(): CaptureSettings {
  return {
    cameraId: '',
    microphoneId: '',
    speakerId: '',
    resolution: '720p',
    frameRate: 30,
    facingMode: 'user',
    mirror: true,
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
    microphoneOn: true,
    filters: defaultFilterSettings(),
    photoFormat: 'image/png',
    countdown: false,
  }
}

export type RecordSource = 'screen' | 'camera' | 'pip'
export type PipCornerSetting = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right'

/** What the user chooses in Record, remembered across reloads. */
export interface RecordSettings {
  source: RecordSource
  /** Camera (and the camera bubble) with the virtual background set in Capture. */
  withBackground: boolean
  microphone: boolean
  screenAudio: boolean
  micGain: number
  screenGain: number
  countdown: boolean
  limit: 'none' | 'duration' | 'size'
  limitMinutes: number
  limitMegabytes: number
  pipCorner: PipCornerSetting
  pipSize: number
  pipShape: 'round' | 'square'
}

export function defaultRecordSettings(): RecordSettings {
  return {
    source: 'screen',
    withBackground: true,
    microphone: true,
    screenAudio: true,
    micGain: 1,
    screenGain: 1,
    countdown: true,
    limit: 'none',
    limitMinutes: 10,
    limitMegabytes: 500,
    pipCorner: 'bottom-right',
    pipSize: 0.25,
    pipShape: 'round',
  }
}

export const SETTINGS_KEY = 'media-studio.capture.v1'
export const RECORD_SETTINGS_KEY = 'media-studio.record.v1'
export const VIRTUAL_BACKGROUND_KEY = 'media-studio.virtual-background.v1'

export const useSettingsStore = defineStore('settings', () => {
  const capture = useLocalStorage<CaptureSettings>(SETTINGS_KEY, defaultCaptureSettings(), {
    mergeDefaults: (stored, defaults) => ({ ...defaults, ...stored, filters: normalizeFilterSettings(stored.filters) }),
  })
  // One virtual background for the whole app: what is set in Capture is what a call or a recording sends.
  const virtualBackground = useLocalStorage<VirtualBackgroundSettings>(VIRTUAL_BACKGROUND_KEY, defaultVirtualBackgroundSettings(), {
    mergeDefaults: (stored) => normalizeSettings(stored),
  })
  const record = useLocalStorage<RecordSettings>(RECORD_SETTINGS_KEY, defaultRecordSettings(), { mergeDefaults: true })
  return { capture, virtualBackground, record }
})
