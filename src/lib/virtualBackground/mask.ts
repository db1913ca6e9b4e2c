/**
 * Masks as plain arrays (one value per pixel, 0 = background, 1 or 255 = foreground): the quality tests'
 * measures (IoU, how much of a region is foreground) and the CPU reference of the worker's mask
 * refinement (temporal smoothing, smoothstep), used by the 2D fallback and by unit tests.
 */

export type MaskData = ArrayLike<number>

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

/** Intersection over union of two masks of the same size, each thresholded (value >= threshold is foreground). */
export function iou(a: MaskData, b: MaskData, threshold = 0.5, thresholdB = threshold): number {
  if (a.length !== b.length) throw new Error(`mask sizes differ: ${a.length} vs ${b.length}`)
  let inter = 0
  let union = 0
  for (let i = 0; i < a.length; i++) {
    const fa = a[i]! >= threshold
    const fb = b[i]! >= thresholdB
    if (fa && fb) inter++
    if (fa || fb) union++
  }
  return union === 0 ? 1 : inter / union
}

/** Fraction (0..1) of a rectangle of a width-wide mask whose values are >= threshold. */
export function regionFraction(mask: MaskData, width: number, rect: Rect, threshold = 0.5): number {
  const height = Math.floor(mask.length / width)
  const x0 = Math.max(0, Math.floor(rect.x))
  const y0 = Math.max(0, Math.floor(rect.y))
  const x1 = Math.min(width, Math.ceil(rect.x + rect.width))
  const y1 = Math.min(height, Math.ceil(rect.y + rect.height))
  let on = 0
  let total = 0
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      total++
      if (mask[y * width + x]! >= threshold) on++
    }
  }
  return total === 0 ? 0 : on / total
}

/** One channel (0 = R, 3 = A) of RGBA bytes as a 0..1 mask. */
export function channelToMask(rgba: ArrayLike<number>, channel = 0): Float32Array {
  const out = new Float32Array(Math.floor(rgba.length / 4))
  for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4 + channel]! / 255
  return out
}

/** GLSL's smoothstep. */
export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0 || 1e-6)))
  return t * t * (3 - 2 * t)
}

/**
 * How much of a new mask to take when smoothing over time. A still person should not flicker (take
 * little of each new, noisy mask), a moving one should not leave a ghost (take all of it): the weight
 * grows with how much the pixel changed. The shader uses the same curve.
 */
export function temporalWeight(previous: number, next: number, base = 0.35): number {
  const change = Math.abs(next - previous)
  return Math.min(1, base + (1 - base) * smoothstep(0.1, 0.6, change))
}

/** Blends a new mask into the smoothed one, in place, pixel by pixel with `temporalWeight`. */
export function smoothMaskInPlace(smoothed: Float32Array, next: MaskData, base = 0.35): Float32Array {
  for (let i = 0; i < smoothed.length; i++) {
    const p = smoothed[i]!
    const n = next[i]!
    smoothed[i] = p + (n - p) * temporalWeight(p, n, base)
  }
  return smoothed
}

/** Sizes at which a mask-weighted blur runs: the frame divided by `factor`, at least 1x1. */
export function reducedSize(width: number, height: number, factor: number): { width: number; height: number } {
  return { width: Math.max(1, Math.round(width / factor)), height: Math.max(1, Math.round(height / factor)) }
}

/**
 * Normalised Gaussian weights for a separable blur of a given radius, folded for linear sampling:
 * pairs of taps share one bilinear fetch, so a radius-r blur costs about r/2+1 fetches per pass.
 * Returns offsets (in texels) and weights, the first being the centre tap.
 */
export function gaussianLinearTaps(radius: number): { offsets: number[]; weights: number[] } {
  const r = Math.max(1, Math.round(radius))
  const sigma = Math.max(0.5, r / 2)
  const w: number[] = []
  for (let i = 0; i <= r; i++) w.push(Math.exp(-(i * i) / (2 * sigma * sigma)))
  const total = w[0]! + 2 * w.slice(1).reduce((a, b) => a + b, 0)
  const offsets = [0]
  const weights = [w[0]! / total]
  for (let i = 1; i <= r; i += 2) {
    const w1 = w[i]!
    const w2 = i + 1 <= r ? w[i + 1]! : 0
    const sum = w1 + w2
    offsets.push((i * w1 + (i + 1) * w2) / sum)
    weights.push(sum / total)
  }
  return { offsets, weights }
}
