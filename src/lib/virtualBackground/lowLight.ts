/**
 * Low-light fix: a lift of the luma by a gamma curve chosen from the frame's measured mean brightness.
 *
 * The compositor measures the camera frame's mean luma (a 32x18 copy, four times a second), asks
 * `lowLightGamma` for the curve that brings it towards LOW_LIGHT_TARGET, and eases the curve in over about
 * a second (`easeGamma`), so a light switched on or off changes the picture smoothly, never in a jump. A frame
 * that is bright enough gets gamma 1: nothing changes. A gamma curve lifts the shadows most and leaves black
 * black and white white, so nothing clips. Every renderer applies it to the luma only (the same change added
 * to R, G and B, or a table over the Y plane), so colours keep their chroma.
 */

/** Mean luma (full range, 0..1) that the lift aims for: a normally exposed face on a normal room. */
export const LOW_LIGHT_TARGET = 0.42
/** The strongest lift: y^0.5 (a mean of 0.18 goes to about 0.42). */
export const LOW_LIGHT_MIN_GAMMA = 0.5
/** Time constant of the easing, in ms. */
export const LOW_LIGHT_EASE_MS = 700

/** The gamma (LOW_LIGHT_MIN_GAMMA..1) for a frame of this mean luma (0..1): 1 when it is bright enough. */
export function lowLightGamma(meanLuma: number): number {
  if (!Number.isFinite(meanLuma) || meanLuma >= LOW_LIGHT_TARGET) return 1
  const m = Math.max(1 / 255, meanLuma)
  // y^g = target at y = mean: g = ln(target) / ln(mean).
  return Math.min(1, Math.max(LOW_LIGHT_MIN_GAMMA, Math.log(LOW_LIGHT_TARGET) / Math.log(m)))
}

/** Moves `current` towards `target` by the share of the easing that `dtMs` covers. */
export function easeGamma(current: number, target: number, dtMs: number): number {
  if (!(dtMs > 0)) return current
  const k = 1 - Math.exp(-dtMs / LOW_LIGHT_EASE_MS)
  const next = current + (target - current) * k
  return Math.abs(next - target) < 0.002 ? target : next
}

/** The lifted luma (0..1) of a luma (0..1). */
export const liftLuma = (y: number, gamma: number): number => (y <= 0 ? 0 : y ** gamma)

/**
 * The lift as a table over 8-bit luma codes: full range (0..255) or video range (16..235, codes outside kept
 * at the ends), for the CPU renderer's Y plane and the 2D canvas's luma.
 */
export function buildLiftTable(gamma: number, fullRange: boolean): Uint8Array {
  const t = new Uint8Array(256)
  const lo = fullRange ? 0 : 16
  const span = fullRange ? 255 : 219
  for (let c = 0; c < 256; c++) {
    const y = Math.min(1, Math.max(0, (c - lo) / span))
    t[c] = c < lo || c > lo + span ? c : Math.round(lo + span * liftLuma(y, gamma))
  }
  return t
}

/** The lift table of the last gamma and range asked for, rebuilt only when they change (one per renderer). */
export class LiftTableCache {
  private key = ''
  private table: Uint8Array = new Uint8Array(256)
  get(gamma: number, fullRange: boolean): Uint8Array {
    const key = `${gamma.toFixed(3)}:${fullRange}`
    if (key !== this.key) {
      this.table = buildLiftTable(gamma, fullRange)
      this.key = key
    }
    return this.table
  }
}

/** Mean BT.601 luma (0..1) of RGBA bytes. */
export function meanLuma(rgba: Uint8Array | Uint8ClampedArray): number {
  let sum = 0
  const n = rgba.length >> 2
  for (let p = 0; p < rgba.length; p += 4) sum += 0.299 * rgba[p]! + 0.587 * rgba[p + 1]! + 0.114 * rgba[p + 2]!
  return n ? sum / n / 255 : 0
}
