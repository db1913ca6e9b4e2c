/**
 * Lookup tables of the CPU renderer, which composites straight from a camera frame's YUV planes.
 *
 * The chroma key needs only a pixel's two chroma bytes: OBS's key distance is measured in BT.709 CbCr,
 * and the CbCr of any YUV colour is a linear function of its own Cb and Cr (grey maps to grey), so a
 * 256x256 table indexed by (U << 8 | V) holds the foreground alpha, and another the spill-suppressed
 * chroma, for every possible pixel. Rebuilt only when the key settings change.
 */
import { keyAlpha, rgbToCrCb, yuvToRgbMatrix, type ChromaKeyParams, type YuvMatrix } from './color'

export interface KeyTables {
  /** Foreground alpha 0..255 for chroma (u << 8 | v). */
  alpha: Uint8Array
  /** Spill-suppressed chroma, (u' << 8 | v'), for chroma (u << 8 | v). */
  spill: Uint16Array
}

export function buildKeyTables(
  keyRgb: readonly [number, number, number],
  p: ChromaKeyParams,
  matrix: YuvMatrix,
  fullRange: boolean,
): KeyTables {
  const key = rgbToCrCb(keyRgb)
  const t = yuvToRgbMatrix(matrix, fullRange)
  const m = t.m
  const alpha = new Uint8Array(65536)
  const spill = new Uint16Array(65536)
  const yMid = t.offset[0] + 0.5 / m[0]!
  const ya = yMid - t.offset[0]
  for (let u = 0; u < 256; u++) {
    const b = u / 255 - t.offset[1]
    for (let v = 0; v < 256; v++) {
      const c = v / 255 - t.offset[2]
      // Unclamped RGB of this chroma at mid grey: the CbCr (hence the key distance) does not depend on Y.
      const rgb: [number, number, number] = [
        m[0]! * ya + m[3]! * b + m[6]! * c,
        m[1]! * ya + m[4]! * b + m[7]! * c,
        m[2]! * ya + m[5]! * b + m[8]! * c,
      ]
      const crcb = rgbToCrCb(rgb)
      const d = Math.hypot(crcb[0] - key[0], crcb[1] - key[1])
      const i = (u << 8) | v
      alpha[i] = Math.round(255 * keyAlpha(d, p))
      const s = Math.pow(Math.min(1, Math.max(0, (d - p.similarity) / Math.max(p.spill, 1e-4))), 1.5)
      // Desaturating towards luma is, in YUV, pulling the chroma towards 128.
      const su = Math.round(128 + (u - 128) * s)
      const sv = Math.round(128 + (v - 128) * s)
      spill[i] = (su << 8) | sv
    }
  }
  return { alpha, spill }
}

/** Integer YUV -> RGB tables (values scaled by 1, rounding done per entry) for a frame's matrix and range. */
export interface RgbTables {
  y: Int16Array
  rv: Int16Array
  gu: Int16Array
  gv: Int16Array
  bu: Int16Array
}

export function buildRgbTables(matrix: YuvMatrix, fullRange: boolean): RgbTables {
  const t = yuvToRgbMatrix(matrix, fullRange)
  const m = t.m
  const y = new Int16Array(256)
  const rv = new Int16Array(256)
  const gu = new Int16Array(256)
  const gv = new Int16Array(256)
  const bu = new Int16Array(256)
  for (let i = 0; i < 256; i++) {
    y[i] = Math.round(255 * m[0]! * (i / 255 - t.offset[0]))
    const c = i / 255 - 128 / 255
    rv[i] = Math.round(255 * m[6]! * c)
    gu[i] = Math.round(-255 * m[4]! * c)
    gv[i] = Math.round(-255 * m[7]! * c)
    bu[i] = Math.round(255 * m[5]! * c)
  }
  return { y, rv, gu, gv, bu }
}
