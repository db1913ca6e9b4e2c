/**
 * Touch-up (美颜): edge-preserving skin smoothing of the luma, limited to skin tones inside the person.
 *
 * The JavaScript renderers use `smoothLuma`, a fast guided filter (He, Sun and Tang, "Guided Image
 * Filtering", with the speed-up of their "Fast Guided Filter"): the filter's linear coefficients are
 * computed at half size (the chroma grid) from box means, then applied to every full-size pixel, so a
 * strong edge (an eye, the hairline: local variance well above `eps`) keeps its own pixels while flat
 * skin (variance below `eps`) takes the local mean. The result is mixed in by a per-chroma-cell weight
 * (skin likelihood times person alpha) and the strength. WebGL2 does the same job with a bilateral
 * filter in the composite shader (shaders.ts, TOUCH_UP), with the same skin test and strength.
 */

/** Skin in BT.601 chroma (0..255, 128 neutral): Chai and Ngan's box, Cb 77..127 and Cr 133..173, its sides softened inwards (grey stays out). */
export const SKIN_CB: readonly [number, number] = [77, 127]
export const SKIN_CR: readonly [number, number] = [133, 173]
/** Width of the soft sides of the skin box, inside it, in chroma levels. */
export const SKIN_SOFT = 10

const ramp = (x: number, lo: number, hi: number, soft: number) => {
  const a = Math.min(1, Math.max(0, (x - lo) / soft))
  const b = Math.min(1, Math.max(0, (hi - x) / soft))
  return Math.min(a, b)
}

/** Skin likelihood, 0..1, of a BT.601 chroma pair (Cb, Cr in 0..255). */
export function skinLikelihood(cb: number, cr: number): number {
  return ramp(cb, SKIN_CB[0], SKIN_CB[1], SKIN_SOFT) * ramp(cr, SKIN_CR[0], SKIN_CR[1], SKIN_SOFT)
}

/** Skin likelihood (0..255) for every chroma pair, indexed (Cb << 8) | Cr, as the YUV planes give them. */
export function buildSkinTable(): Uint8Array {
  const t = new Uint8Array(65536)
  for (let cb = 0; cb < 256; cb++) for (let cr = 0; cr < 256; cr++) t[(cb << 8) | cr] = Math.round(255 * skinLikelihood(cb, cr))
  return t
}

/** The guided filter's regularisation (luma levels squared) for a strength: variance below it is smoothed away. */
export function touchUpEps(strength: number): number {
  const s = Math.min(1, Math.max(0, strength))
  return (4 + 12 * s) ** 2
}

/** Box radius, in half-size pixels, for a frame height: about 1/90 of the height (4 at 720p, 3 at 512). */
export function touchUpRadius(height: number): number {
  return Math.max(1, Math.round(height / 180))
}

/** Reusable buffers of `smoothLuma` (one per renderer). */
export class TouchUpScratch {
  n = 0
  i = new Float32Array(0)
  ii = new Float32Array(0)
  a = new Float32Array(0)
  b = new Float32Array(0)
  t = new Float32Array(0)
  ensure(n: number) {
    if (n === this.n) return
    this.n = n
    this.i = new Float32Array(n)
    this.ii = new Float32Array(n)
    this.a = new Float32Array(n)
    this.b = new Float32Array(n)
    this.t = new Float32Array(n)
  }
}

/** Mean over a (2r+1)² box, clamped at the borders, in place (`tmp` is scratch of the same size). */
export function boxMean(data: Float32Array, tmp: Float32Array, w: number, h: number, r: number): void {
  const scale = 1 / (2 * r + 1)
  for (let y = 0; y < h; y++) {
    const base = y * w
    let acc = 0
    for (let k = -r; k <= r; k++) acc += data[base + Math.min(w - 1, Math.max(0, k))]!
    for (let x = 0; x < w; x++) {
      tmp[base + x] = acc * scale
      acc += data[base + Math.min(w - 1, x + r + 1)]! - data[base + Math.max(0, x - r)]!
    }
  }
  for (let x = 0; x < w; x++) {
    let acc = 0
    for (let k = -r; k <= r; k++) acc += tmp[Math.min(h - 1, Math.max(0, k)) * w + x]!
    for (let y = 0; y < h; y++) {
      data[y * w + x] = acc * scale
      acc += tmp[Math.min(h - 1, y + r + 1) * w + x]! - tmp[Math.max(0, y - r) * w + x]!
    }
  }
}

export interface LumaPlane {
  data: Uint8Array | Uint8ClampedArray
  offset: number
  stride: number
}

/**
 * Smooths a luma plane (width x height) in place where `weight` (one value 0..255 per 2x2 block, on the
 * chroma grid, (width+1)>>1 wide) is above 0, by `strength` 0..1. Returns the number of pixels changed.
 */
export function smoothLuma(
  y: LumaPlane,
  width: number,
  height: number,
  weight: Uint8Array,
  strength: number,
  scratch: TouchUpScratch,
): number {
  const s = Math.min(1, Math.max(0, strength))
  if (s === 0) return 0
  const cw = (width + 1) >> 1
  const ch = (height + 1) >> 1
  const n = cw * ch
  let any = false
  for (let i = 0; i < n; i++) {
    if (weight[i]) {
      any = true
      break
    }
  }
  if (!any) return 0
  scratch.ensure(n)
  const { i: I, ii: II, a: A, b: B, t: T } = scratch
  const d = y.data
  const { offset, stride } = y
  // Half size: each 2x2 block's mean (the border row/column of an odd size repeats).
  for (let by = 0; by < ch; by++) {
    const r0 = offset + Math.min(height - 1, by * 2) * stride
    const r1 = offset + Math.min(height - 1, by * 2 + 1) * stride
    for (let bx = 0; bx < cw; bx++) {
      const x0 = bx * 2
      const x1 = Math.min(width - 1, x0 + 1)
      const m = (d[r0 + x0]! + d[r0 + x1]! + d[r1 + x0]! + d[r1 + x1]!) * 0.25
      const k = by * cw + bx
      I[k] = m
      II[k] = m * m
    }
  }
  const r = touchUpRadius(height)
  boxMean(I, T, cw, ch, r)
  boxMean(II, T, cw, ch, r)
  const eps = touchUpEps(s)
  for (let k = 0; k < n; k++) {
    const m = I[k]!
    const v = Math.max(0, II[k]! - m * m)
    const a = v / (v + eps)
    A[k] = a
    B[k] = m * (1 - a)
  }
  boxMean(A, T, cw, ch, r)
  boxMean(B, T, cw, ch, r)
  // Full size: q = a * Y + b, mixed in by weight and strength.
  let changed = 0
  const ws = s / 255
  for (let py = 0; py < height; py++) {
    const row = offset + py * stride
    const crow = (py >> 1) * cw
    for (let px = 0; px < width; px++) {
      const k = crow + (px >> 1)
      const w = weight[k]!
      if (!w) continue
      const Y = d[row + px]!
      const q = A[k]! * Y + B[k]!
      const out = Math.round(Y + (q - Y) * w * ws)
      d[row + px] = out < 0 ? 0 : out > 255 ? 255 : out
      changed++
    }
  }
  return changed
}
