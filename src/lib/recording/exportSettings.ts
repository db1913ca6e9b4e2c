/**
 * Export settings people ask for (resolution, quality or a target size, frame rate) and the size estimate shown
 * before an export starts. Pure, unit-tested.
 *
 * MP4 video is encoded at a bitrate we choose here (both the WebCodecs and the ffmpeg.wasm path take a bitrate), so
 * the estimate is that bitrate times the length, plus audio and container overhead: the result lands close to it.
 * A WebM remux copies packets, so its size is the recording's share for the trimmed range. A GIF's size depends on
 * the picture (flat screens compress, camera grain does not): its estimate is a range from a per-pixel model.
 */

export type ExportResolution = 'original' | '1080p' | '720p' | '480p'
/** 'original': as the recording (an H.264 recording is copied, not re-encoded; others keep its bitrate). */
export type ExportQuality = 'original' | 'high' | 'medium' | 'low'
/** Output frame rate: 'original' keeps the recording's (variable) timing. */
export type ExportFps = 'original' | 60 | 30 | 24 | 15

export interface Mp4Settings {
  resolution: ExportResolution
  /** A quality level, or a size the file must stay under (bytes), e.g. 25 MB for chat apps. */
  quality: ExportQuality | { maxBytes: number }
  fps: ExportFps
}

export const MP4_DEFAULTS: Mp4Settings = { resolution: 'original', quality: 'original', fps: 'original' }

export const QUALITIES: { value: ExportQuality; label: string }[] = [
  { value: 'original', label: 'As recorded' },
  { value: 'high', label: 'High' },
  { value: 'medium', label: 'Medium' },
  { value: 'low', label: 'Low' },
]

export const RESOLUTIONS: { value: ExportResolution; label: string; height: number | null }[] = [
  { value: 'original', label: 'Original', height: null },
  { value: '1080p', label: '1080p', height: 1080 },
  { value: '720p', label: '720p', height: 720 },
  { value: '480p', label: '480p', height: 480 },
]

export const FPS_CHOICES: ExportFps[] = ['original', 60, 30, 24, 15]

/** Size presets for "under N MB" (common limits of chat and mail). */
export const SIZE_LIMITS_MB = [8, 10, 25, 50, 100]

/** H.264 bits per pixel per frame for each quality level (natural motion at 30 fps looks good at ~0.1). */
export const BITS_PER_PIXEL: Record<Exclude<ExportQuality, 'original'>, number> = { high: 0.12, medium: 0.07, low: 0.035 }
/** What the recorder's audio (Opus) takes of a recording's bitrate, for working out its video bitrate. */
const RECORDED_AUDIO_BPS = 128_000

/** The AAC audio an MP4 export carries. */
export const MP4_AUDIO_BPS = 128_000
/** Bitrates we never go below or above, whatever the settings ask (H.264 at 64 kbit/s is mush; 40 Mbit/s is waste). */
export const MIN_VIDEO_BPS = 100_000
export const MAX_VIDEO_BPS = 40_000_000
/** Container overhead (moov, sample tables, boxes) as a share of the payload. */
const MUX_OVERHEAD = 0.01
/** Share of a target size kept free, because the encoder's rate control overshoots a little. */
const TARGET_HEADROOM = 0.06

export interface SourceInfo {
  width: number
  height: number
  /** Seconds of media the export will hold (after trim). */
  durationS: number
  /** The recording's average frame rate (30 when unknown). */
  fps?: number
  hasAudio: boolean
  /** The recording's video codec (mediabunny's names: 'avc', 'vp8', 'vp9', 'av1'). */
  videoCodec: string | null
  /** Bytes and seconds of the whole recording. */
  bytes: number
  recordingS: number
}

/** Output size for a resolution choice: never upscaled, aspect ratio kept, both sides even. */
export function outputSize(width: number, height: number, resolution: ExportResolution): { width: number; height: number } {
  const even = (v: number) => Math.max(2, Math.round(v / 2) * 2)
  const target = RESOLUTIONS.find((r) => r.value === resolution)?.height ?? null
  // "1080p" means the short side: a portrait recording asked for 720p gets 720 px wide.
  const short = Math.min(width, height)
  if (target === null || target >= short) return { width: even(width), height: even(height) }
  const scale = target / short
  return { width: even(width * scale), height: even(height * scale) }
}

/** The frame rate an export will have. */
export function outputFps(sourceFps: number | undefined, fps: ExportFps): number {
  const src = sourceFps && sourceFps > 0 ? sourceFps : 30
  return fps === 'original' ? src : Math.min(src, fps)
}

export interface Mp4Plan {
  /** True when the recording's H.264 is copied as it is (nothing to change): no encoder runs. */
  remux: boolean
  width: number
  height: number
  /** null: keep the recording's timing. */
  frameRate: number | null
  videoBps: number
  audioBps: number
  /** Expected bytes of the file. */
  estimateBytes: number
  /** True when a size limit asks for less than the lowest bitrate we encode at: the file will be over the limit. */
  overLimit: boolean
}

/** What an MP4 export with these settings encodes at, and how large the file will be. */
export function planMp4(src: SourceInfo, s: Mp4Settings): Mp4Plan {
  const { width, height } = outputSize(src.width, src.height, s.resolution)
  const fps = outputFps(src.fps, s.fps)
  const audioBps = src.hasAudio ? MP4_AUDIO_BPS : 0
  const dur = Math.max(0.001, src.durationS)
  const sameSize = width === src.width && height === src.height
  const sourceShare = estimateWebmBytes(src.bytes, src.recordingS, src.durationS)
  const fitsLimit = typeof s.quality !== 'object' || sourceShare <= s.quality.maxBytes
  if (
    src.videoCodec === 'avc' &&
    sameSize &&
    s.fps === 'original' &&
    (s.quality === 'original' || (typeof s.quality === 'object' && fitsLimit))
  ) {
    // Copied as recorded; the audio is re-encoded to AAC at about the bitrate the recorder used for Opus.
    return { remux: true, width, height, frameRate: null, videoBps: 0, audioBps, estimateBytes: sourceShare, overLimit: false }
  }
  let videoBps: number
  let overLimit = false
  if (s.quality === 'original') {
    // The recording's own video bitrate, per pixel and frame, at the new size and rate (kept within low..high).
    const srcVideoBps = Math.max(0, (src.bytes * 8) / Math.max(0.001, src.recordingS) - (src.hasAudio ? RECORDED_AUDIO_BPS : 0))
    const bpp = srcVideoBps / (src.width * src.height * (src.fps && src.fps > 0 ? src.fps : 30))
    videoBps = width * height * fps * Math.min(BITS_PER_PIXEL.high, Math.max(BITS_PER_PIXEL.low, bpp))
  } else if (typeof s.quality === 'object') {
    const budget = (s.quality.maxBytes * 8 * (1 - TARGET_HEADROOM)) / (1 + MUX_OVERHEAD) / dur - audioBps
    // Never more than "high" would spend: a short clip under a big limit does not need 40 Mbit/s.
    const ceiling = width * height * fps * BITS_PER_PIXEL.high
    videoBps = Math.min(budget, ceiling)
    if (videoBps < MIN_VIDEO_BPS) overLimit = true
  } else {
    videoBps = width * height * fps * BITS_PER_PIXEL[s.quality]
  }
  videoBps = Math.round(Math.min(MAX_VIDEO_BPS, Math.max(MIN_VIDEO_BPS, videoBps)))
  const estimateBytes = Math.round((((videoBps + audioBps) * dur) / 8) * (1 + MUX_OVERHEAD))
  return { remux: false, width, height, frameRate: s.fps === 'original' ? null : fps, videoBps, audioBps, estimateBytes, overLimit }
}

/** A WebM export copies the recording's packets: the trimmed share of its bytes. */
export function estimateWebmBytes(recordingBytes: number, recordingS: number, exportS: number): number {
  if (!(recordingS > 0)) return recordingBytes
  return Math.round(recordingBytes * Math.min(1, Math.max(0, exportS / recordingS)))
}

/**
 * A GIF's size, as a range: LZW on 8-bit palette indices takes roughly 0.15 (flat screen content) to 0.9 (camera
 * grain, dithering) bytes per pixel per frame.
 */
export function estimateGifBytes(
  width: number,
  height: number,
  fps: number,
  durationS: number,
  dither: boolean,
): { low: number; high: number } {
  const frames = Math.max(1, Math.round(durationS * fps))
  const px = width * height * frames
  return { low: Math.round(px * (dither ? 0.3 : 0.15)), high: Math.round(px * (dither ? 1.0 : 0.9)) }
}
