/** GIF export settings and the frame plan they give. Pure, unit-tested. */
import type { TrimRange } from './trim.ts'

/** gif.js dithering modes (`-serpentine` variants scan alternate rows backwards, fewer worms). */
export type GifDither =
  | false
  | 'FloydSteinberg'
  | 'FalseFloydSteinberg'
  | 'Stucki'
  | 'Atkinson'
  | 'FloydSteinberg-serpentine'
  | 'FalseFloydSteinberg-serpentine'
  | 'Stucki-serpentine'
  | 'Atkinson-serpentine'

export interface GifOptions {
  /** Output width in pixels; height follows the aspect ratio. @default 640 */
  width: number
  /** Frames per second. @default 10 */
  fps: number
  /** gif.js colour sampling interval: 1 best and slowest, 30 fastest. @default 10 */
  quality: number
  /** @default false */
  dither: GifDither
  /** Worker count for gif.js. @default 2 */
  workers: number
}

export const GIF_DEFAULTS: GifOptions = { width: 640, fps: 10, quality: 10, dither: false, workers: 2 }

export const GIF_LIMITS = { minWidth: 64, maxWidth: 1920, minFps: 1, maxFps: 30, minQuality: 1, maxQuality: 30 }

export function normalizeGifOptions(o: Partial<GifOptions> = {}, sourceWidth = Infinity): GifOptions {
  const clamp = (v: number | undefined, lo: number, hi: number, d: number) =>
    typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, Math.round(v))) : d
  const maxW = Math.min(GIF_LIMITS.maxWidth, Number.isFinite(sourceWidth) && sourceWidth > 0 ? sourceWidth : Infinity)
  return {
    width: clamp(o.width, GIF_LIMITS.minWidth, maxW, Math.min(GIF_DEFAULTS.width, maxW)),
    fps: clamp(o.fps, GIF_LIMITS.minFps, GIF_LIMITS.maxFps, GIF_DEFAULTS.fps),
    quality: clamp(o.quality, GIF_LIMITS.minQuality, GIF_LIMITS.maxQuality, GIF_DEFAULTS.quality),
    dither: o.dither ?? GIF_DEFAULTS.dither,
    workers: clamp(o.workers, 1, 8, GIF_DEFAULTS.workers),
  }
}

/** Output size: the asked width, the source's aspect ratio, both even (some decoders dislike odd sizes). */
export function gifSize(sourceWidth: number, sourceHeight: number, width: number): { width: number; height: number } {
  const w = Math.max(2, Math.round(Math.min(width, sourceWidth) / 2) * 2)
  const h = Math.max(2, Math.round((w * sourceHeight) / sourceWidth / 2) * 2)
  return { width: w, height: h }
}

/**
 * The times (seconds, in the source) of the frames a gif samples: one every 1/fps from the trim start, the frame
 * showing at each time. GIF delays are in centiseconds, so the delay is rounded and the error carried over.
 */
export function gifFrameTimes(durationS: number, fps: number, trim: TrimRange | null = null): number[] {
  const start = trim?.startS ?? 0
  const end = Math.min(trim?.endS ?? durationS, durationS)
  const n = Math.max(1, Math.round((end - start) * fps))
  return Array.from({ length: n }, (_, i) => start + i / fps)
}

/** Per-frame delays in ms that are multiples of 10 and add up to n/fps seconds (no drift over long gifs). */
export function gifDelays(n: number, fps: number): number[] {
  const delays: number[] = []
  let acc = 0
  for (let i = 1; i <= n; i++) {
    const target = Math.round((i * 100) / fps) * 10
    delays.push(Math.max(10, target - acc))
    acc = Math.max(target, acc + 10)
  }
  return delays
}

/**
 * gif.js 0.2.0 sizes its output for a whole last page and leaves that page's unused bytes as zeros after the GIF
 * trailer (0x3B); decoders then report "invalid block label". The real file ends at the last trailer byte.
 */
export function trimGifPadding(data: Uint8Array): Uint8Array {
  let end = data.length
  while (end > 0 && data[end - 1] === 0) end--
  if (end > 0 && data[end - 1] === 0x3b) return end === data.length ? data : data.subarray(0, end)
  return data
}
