/**
 * Touch-up (美颜): edge-preserving skin smoothing of the luma, limited to skin tones inside the person.
 *
 * One filter on every path: a fast guided filter of the luma whose linear coefficients (q = a * Y + b) are
 * computed at half size (the chroma grid) from box means (`touchUpCoefficients`), with detail protection:
 * cells with a high gradient energy (hair strands, eyes, brows) keep their pixels, since skin tones alone
 * cannot tell blond hair from skin. The result is mixed in by skin likelihood x person alpha x strength.
 * The CPU renderer applies it to the Y plane (`smoothLuma`), the 2D canvas to RGBA (`smoothRgba`), and
 * WebGL2 uploads the coefficients as a small texture that its composite shader applies per pixel.
 */

import { smoothstep } from './mask'

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

/**
 * The guided filter's regularisation (full-range luma levels squared) for a strength: variance below it is
 * smoothed away.
 */
export function touchUpEps(strength: number): number {
  const s = Math.min(1, Math.max(0, strength))
  return (7 + 28 * s) ** 2
}

/**
 * Side of the coefficient cells, in pixels, for a frame height: 2 up to 540 lines, 4 above (the "Fast Guided
 * Filter" subsampling: the box means cost a quarter as much, and the box is the same size in pixels).
 */
export function touchUpCell(height: number): 2 | 4 {
  return height > 540 ? 4 : 2
}

/** Box radius, in cells, for a frame height: about 1/90 of the height in pixels (3 cells at 512, 2 at 720p). */
export function touchUpRadius(height: number): number {
  return Math.max(1, Math.round(height / (90 * touchUpCell(height))))
}

/**
 * Detail that is kept: a cell whose mean luma gradient (|dx| + |dy| of the full-size pixels, central differences,
 * averaged over the filter's box; full-range levels) is above the first value is smoothed less, above the second
 * not at all. Skin, even textured, stays under the first; hair strands, eyes, brows and lips are over the second.
 * Measured on the portrait fixture (tests/browser/touchup.test.ts): cheeks median 15, hair 31, eyes 58.
 */
export const DETAIL_KEEP: readonly [number, number] = [16, 28]

/** Reusable buffers of the touch-up (one per renderer). */
export class TouchUpScratch {
  /** The coefficient grid of the last run: cells per row and column, and log2 of the cell side. */
  cw = 0
  ch = 0
  shift = 1
  n = 0
  /** Per half-size cell: mean luma, its square, the coefficients a and b, gradient energy, box scratch. */
  i = new Float32Array(0)
  ii = new Float32Array(0)
  a = new Float32Array(0)
  b = new Float32Array(0)
  g = new Float32Array(0)
  t = new Float32Array(0)
  /** A full-size luma plane, for RGBA input. */
  luma = new Uint8Array(0)
  ensure(n: number) {
    if (n === this.n) return
    this.n = n
    this.i = new Float32Array(n)
    this.ii = new Float32Array(n)
    this.a = new Float32Array(n)
    this.b = new Float32Array(n)
    this.g = new Float32Array(n)
    this.t = new Float32Array(n)
  }
}

/**
 * Mean over a (2r+1)² box, clamped at the borders, in place (`tmp` is scratch of the same size). Both passes walk
 * the rows in memory order (the vertical one keeps a running sum per column), which is most of its speed.
 */
export function boxMean(data: Float32Array, tmp: Float32Array, w: number, h: number, r: number): void {
  const scale = 1 / (2 * r + 1)
  for (let y = 0; y < h; y++) {
    const base = y * w
    let acc = 0
    for (let k = -r; k <= r; k++) acc += data[base + Math.min(w - 1, Math.max(0, k))]!
    // The first r + 1 and last r + 1 columns clamp; the ones between read straight.
    const left = Math.min(w, r + 1)
    const right = Math.max(left, w - r - 1)
    let x = 0
    for (; x < left; x++) {
      tmp[base + x] = acc * scale
      acc += data[base + Math.min(w - 1, x + r + 1)]! - data[base + Math.max(0, x - r)]!
    }
    for (; x < right; x++) {
      tmp[base + x] = acc * scale
      acc += data[base + x + r + 1]! - data[base + x - r]!
    }
    for (; x < w; x++) {
      tmp[base + x] = acc * scale
      acc += data[base + Math.min(w - 1, x + r + 1)]! - data[base + Math.max(0, x - r)]!
    }
  }
  const acc = new Float64Array(w)
  for (let k = -r; k <= r; k++) {
    const row = Math.min(h - 1, Math.max(0, k)) * w
    for (let x = 0; x < w; x++) acc[x] += tmp[row + x]!
  }
  for (let y = 0; y < h; y++) {
    const base = y * w
    const add = Math.min(h - 1, y + r + 1) * w
    const sub = Math.max(0, y - r) * w
    for (let x = 0; x < w; x++) {
      data[base + x] = acc[x]! * scale
      acc[x] += tmp[add + x]! - tmp[sub + x]!
    }
  }
}

export interface LumaPlane {
  data: Uint8Array | Uint8ClampedArray
  offset: number
  stride: number
}

/**
 * The touch-up's coefficients for a luma plane (width x height), per cell (touchUpCell: 2x2 or 4x4 pixels; the
 * grid is left in scratch.cw, .ch, .shift): `q = a * Y + b` is the smoothed luma, in the plane's own units, with
 * the detail protection (DETAIL_KEEP) already folded in (a cell with detail has a = 1, b = 0). Left in
 * `scratch.a` and `scratch.b`.
 *
 * A fast guided filter (He, Sun and Tang, "Guided Image Filtering", with the speed-up of their "Fast Guided
 * Filter"): the coefficients come from box means over the cells, so flat skin (variance below `eps`) takes the
 * local mean and a strong edge keeps its own pixels. The detail measure is the mean gradient of the cell's
 * central 2x2 pixels (all of a 2x2 cell; over twice the span in a 4x4 cell), averaged over the same box.
 */
export function touchUpCoefficients(
  y: LumaPlane,
  width: number,
  height: number,
  strength: number,
  scratch: TouchUpScratch,
  /** False for video-range luma (16..235): the thresholds scale with the range. */
  fullRange = true,
): void {
  const unit = fullRange ? 1 : 219 / 255
  const c = touchUpCell(height)
  const shift = c === 4 ? 2 : 1
  const cw = (width + c - 1) >> shift
  const ch = (height + c - 1) >> shift
  const n = cw * ch
  scratch.ensure(n)
  scratch.cw = cw
  scratch.ch = ch
  scratch.shift = shift
  const { i: I, ii: II, a: A, b: B, g: G, t: T } = scratch
  const d = y.data
  const { offset, stride } = y
  const inv = 1 / (c * c)
  const half = (c >> 1) - 1
  // Differences span 2 pixels in 2x2 cells and 4 in 4x4 ones: a picture twice as large measures the same.
  const step = c >> 1
  for (let by = 0; by < ch; by++) {
    const top = by * c
    // Rows of the cell (the border row repeats when the height is not a multiple of the cell).
    const r0 = offset + Math.min(height - 1, top) * stride
    const r1 = offset + Math.min(height - 1, top + 1) * stride
    const r2 = offset + Math.min(height - 1, top + 2) * stride
    const r3 = offset + Math.min(height - 1, top + 3) * stride
    // The central 2x2 whose gradients are measured, and the rows above and below it.
    const gy0 = Math.min(height - 1, top + half)
    const gy1 = Math.min(height - 1, gy0 + 1)
    const g0 = offset + gy0 * stride
    const g1 = offset + gy1 * stride
    // Rows step above and below each of the two.
    const u0 = offset + Math.max(0, gy0 - step) * stride
    const d0 = offset + Math.min(height - 1, gy0 + step) * stride
    const u1 = offset + Math.max(0, gy1 - step) * stride
    const d1 = offset + Math.min(height - 1, gy1 + step) * stride
    for (let bx = 0; bx < cw; bx++) {
      const left = bx * c
      const x0 = Math.min(width - 1, left)
      const x1 = Math.min(width - 1, left + 1)
      let sum: number
      if (c === 2) {
        sum = d[r0 + x0]! + d[r0 + x1]! + d[r1 + x0]! + d[r1 + x1]!
      } else {
        const x2 = Math.min(width - 1, left + 2)
        const x3 = Math.min(width - 1, left + 3)
        sum =
          d[r0 + x0]! +
          d[r0 + x1]! +
          d[r0 + x2]! +
          d[r0 + x3]! +
          d[r1 + x0]! +
          d[r1 + x1]! +
          d[r1 + x2]! +
          d[r1 + x3]! +
          d[r2 + x0]! +
          d[r2 + x1]! +
          d[r2 + x2]! +
          d[r2 + x3]! +
          d[r3 + x0]! +
          d[r3 + x1]! +
          d[r3 + x2]! +
          d[r3 + x3]!
      }
      const m = sum * inv
      const k = by * cw + bx
      I[k] = m
      II[k] = m * m
      // Central differences at the central 2x2, each over 2 * step pixels: horizontal, then vertical.
      const gx0 = Math.min(width - 1, left + half)
      const gx1 = Math.min(width - 1, gx0 + 1)
      const l0 = Math.max(0, gx0 - step)
      const h0 = Math.min(width - 1, gx0 + step)
      const l1 = Math.max(0, gx1 - step)
      const h1 = Math.min(width - 1, gx1 + step)
      const gx =
        Math.abs(d[g0 + h0]! - d[g0 + l0]!) +
        Math.abs(d[g0 + h1]! - d[g0 + l1]!) +
        Math.abs(d[g1 + h0]! - d[g1 + l0]!) +
        Math.abs(d[g1 + h1]! - d[g1 + l1]!)
      const gy =
        Math.abs(d[d0 + gx0]! - d[u0 + gx0]!) +
        Math.abs(d[d0 + gx1]! - d[u0 + gx1]!) +
        Math.abs(d[d1 + gx0]! - d[u1 + gx0]!) +
        Math.abs(d[d1 + gx1]! - d[u1 + gx1]!)
      G[k] = (gx + gy) * 0.25
    }
  }
  const r = touchUpRadius(height)
  boxMean(I, T, cw, ch, r)
  boxMean(II, T, cw, ch, r)
  boxMean(G, T, cw, ch, r)
  const eps = touchUpEps(strength) * unit * unit
  for (let k = 0; k < n; k++) {
    const m = I[k]!
    const v = Math.max(0, II[k]! - m * m)
    const a = v / (v + eps)
    A[k] = a
    B[k] = m * (1 - a)
  }
  boxMean(A, T, cw, ch, r)
  boxMean(B, T, cw, ch, r)
  const lo = DETAIL_KEEP[0] * unit
  const hi = DETAIL_KEEP[1] * unit
  for (let k = 0; k < n; k++) {
    const keep = 1 - smoothstep(lo, hi, G[k]!)
    A[k] = 1 + (A[k]! - 1) * keep
    B[k] = B[k]! * keep
  }
}

const clampByte = (x: number) => (x <= 0 ? 0 : x >= 255 ? 255 : Math.round(x))

const anyWeight = (weight: Uint8Array, n: number) => {
  for (let i = 0; i < n; i++) if (weight[i]) return true
  return false
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
  fullRange = true,
): number {
  const s = Math.min(1, Math.max(0, strength))
  const cw = (width + 1) >> 1
  if (s === 0 || !anyWeight(weight, cw * ((height + 1) >> 1))) return 0
  touchUpCoefficients(y, width, height, s, scratch, fullRange)
  const { a: A, b: B, cw: gw, shift } = scratch
  const d = y.data
  const { offset, stride } = y
  // Full size: q = a * Y + b, mixed in by weight (per 2x2) and strength. Walked by 2x2 weight cells, so the
  // (usually many) cells with no skin cost one read each. Per cell: out = Y * (1 + (a - 1) f) + b f, f = w * s.
  let changed = 0
  const ws = s / 255
  const ch = (height + 1) >> 1
  for (let cy = 0; cy < ch; cy++) {
    const py0 = cy * 2
    const rows = py0 + 1 < height ? 2 : 1
    const grow = (py0 >> shift) * gw
    for (let cx = 0; cx < cw; cx++) {
      const w = weight[cy * cw + cx]!
      if (!w) continue
      const px0 = cx * 2
      const cols = px0 + 1 < width ? 2 : 1
      const k = grow + (px0 >> shift)
      const f = w * ws
      const a = 1 + (A[k]! - 1) * f
      const b = B[k]! * f + 0.5
      for (let j = 0; j < rows; j++) {
        const i = offset + (py0 + j) * stride + px0
        for (let x = 0; x < cols; x++) {
          const out = (a * d[i + x]! + b) | 0
          d[i + x] = out < 0 ? 0 : out > 255 ? 255 : out
        }
      }
      changed += rows * cols
    }
  }
  return changed
}

/**
 * BT.601 luma (0..255, integer weights) of RGBA (or BGRA, `bgr`) pixels into `scratch.luma`, a full-size plane
 * (width x height, no padding) that touchUpCoefficients can read. `stride` is the source row's length in bytes.
 */
export function rgbaToLuma(
  rgba: Uint8Array | Uint8ClampedArray,
  offset: number,
  stride: number,
  width: number,
  height: number,
  scratch: TouchUpScratch,
  bgr = false,
): Uint8Array {
  if (scratch.luma.length !== width * height) scratch.luma = new Uint8Array(width * height)
  const L = scratch.luma
  const ri = bgr ? 2 : 0
  const bi = bgr ? 0 : 2
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = offset + y * stride, o = y * width; x < width; x++, i += 4, o++) {
      L[o] = (77 * rgba[i + ri]! + 150 * rgba[i + 1]! + 29 * rgba[i + bi]! + 128) >> 8
    }
  }
  return L
}

/**
 * Touch-up of RGBA pixels (the 2D-canvas renderer) in place: the same filter on their BT.601 luma, the change
 * added to R, G and B alike (colours stay put). `person` (0..255 per half-size cell, or null for everywhere) is
 * multiplied by the skin likelihood of each cell's mean colour. Returns the number of pixels changed.
 */
export function smoothRgba(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  person: Uint8Array | null,
  strength: number,
  scratch: TouchUpScratch,
  weight: Uint8Array,
): number {
  const s = Math.min(1, Math.max(0, strength))
  if (s === 0) return 0
  const cw = (width + 1) >> 1
  const ch = (height + 1) >> 1
  const L = rgbaToLuma(rgba, 0, width * 4, width, height, scratch)
  // Skin per cell, from the chroma of the cell's mean colour (BT.601, full range), times the person.
  for (let by = 0; by < ch; by++) {
    const r0 = by * 2 * width
    const r1 = Math.min(height - 1, by * 2 + 1) * width
    for (let bx = 0; bx < cw; bx++) {
      const k = by * cw + bx
      const a = person ? person[k]! : 255
      if (!a) {
        weight[k] = 0
        continue
      }
      const x0 = bx * 2
      const x1 = Math.min(width - 1, x0 + 1)
      const p00 = (r0 + x0) * 4
      const p01 = (r0 + x1) * 4
      const p10 = (r1 + x0) * 4
      const p11 = (r1 + x1) * 4
      const R = (rgba[p00]! + rgba[p01]! + rgba[p10]! + rgba[p11]!) * 0.25
      const G = (rgba[p00 + 1]! + rgba[p01 + 1]! + rgba[p10 + 1]! + rgba[p11 + 1]!) * 0.25
      const B = (rgba[p00 + 2]! + rgba[p01 + 2]! + rgba[p10 + 2]! + rgba[p11 + 2]!) * 0.25
      const cb = 128 - 0.168736 * R - 0.331264 * G + 0.5 * B
      const cr = 128 + 0.5 * R - 0.418688 * G - 0.081312 * B
      weight[k] = Math.round(skinLikelihood(cb, cr) * a)
    }
  }
  if (!anyWeight(weight, cw * ch)) return 0
  touchUpCoefficients({ data: L, offset: 0, stride: width }, width, height, s, scratch)
  const { a: A, b: B, cw: gw, shift } = scratch
  const ws = s / 255
  let changed = 0
  for (let py = 0; py < height; py++) {
    const crow = (py >> 1) * cw
    const grow = (py >> shift) * gw
    for (let px = 0; px < width; px++) {
      const w = weight[crow + (px >> 1)]!
      if (!w) continue
      const k = grow + (px >> shift)
      const i = py * width + px
      const Y = L[i]!
      const delta = (A[k]! * Y + B[k]! - Y) * w * ws
      const p = i * 4
      rgba[p] = clampByte(rgba[p]! + delta)
      rgba[p + 1] = clampByte(rgba[p + 1]! + delta)
      rgba[p + 2] = clampByte(rgba[p + 2]! + delta)
      changed++
    }
  }
  return changed
}
