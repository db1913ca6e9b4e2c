import { describe, expect, it } from 'vitest'
import {
  averageKeyColor,
  chromaDistance,
  keyAlpha,
  parseHexColor,
  rgbToCrCb,
  rgbToYCbCr,
  suppressSpill,
  toHexColor,
  yuvToRgb,
  yuvToRgbMatrix,
} from '../../src/lib/virtualBackground/color.ts'
import { buildKeyTables, buildRgbTables } from '../../src/lib/virtualBackground/yuvKey.ts'

const OBS = { similarity: 0.4, smoothness: 0.08, spill: 0.1 }

describe('colour maths of the chroma key', () => {
  it('puts greys at the centre of the CbCr plane whatever their brightness', () => {
    for (const v of [0, 0.25, 0.5, 1]) {
      const [cr, cb] = rgbToCrCb([v, v, v])
      expect(cr).toBeCloseTo(0.501961, 5)
      expect(cb).toBeCloseTo(0.501961, 5)
    }
  })

  it('gives BT.709 video-range YCbCr', () => {
    expect(rgbToYCbCr([0, 0, 0])[0]).toBeCloseTo(16 / 255, 4)
    expect(rgbToYCbCr([1, 1, 1])[0]).toBeCloseTo(235 / 255, 3)
    const [, cb, cr] = rgbToYCbCr([0, 0, 1])
    expect(cb).toBeCloseTo(240 / 255, 3)
    expect(cr).toBeLessThan(0.5)
  })

  it('measures a shadowed green as close to the key as a lit one (the key ignores brightness)', () => {
    const key = rgbToCrCb([0, 1, 0])
    const lit = chromaDistance([0.1, 0.8, 0.15], key)
    const shadow = chromaDistance([0.05, 0.4, 0.075], key)
    const skin = chromaDistance([0.9, 0.7, 0.6], key)
    expect(lit).toBeLessThan(OBS.similarity)
    expect(shadow).toBeLessThan(OBS.similarity)
    expect(skin).toBeGreaterThan(OBS.similarity + OBS.smoothness)
  })

  it('ramps alpha from 0 at `similarity` to 1 at `similarity + smoothness`, like OBS', () => {
    expect(keyAlpha(0.3, OBS)).toBe(0)
    expect(keyAlpha(0.4, OBS)).toBe(0)
    expect(keyAlpha(0.44, OBS)).toBeCloseTo(Math.pow(0.5, 1.5), 6)
    expect(keyAlpha(0.48, OBS)).toBeCloseTo(1, 9)
    expect(keyAlpha(0.9, OBS)).toBe(1)
  })

  it('desaturates spill near the key and leaves far colours alone', () => {
    const near = suppressSpill([0.3, 0.6, 0.3], 0.41, OBS)
    expect(Math.max(...near) - Math.min(...near)).toBeLessThan(0.05)
    expect(suppressSpill([0.8, 0.2, 0.1], 0.9, OBS)).toEqual([0.8, 0.2, 0.1].map((c) => expect.closeTo(c, 9)))
  })

  it('parses and formats hex colours', () => {
    expect(parseHexColor('#00ff00')).toEqual([0, 1, 0])
    expect(parseHexColor('0f0')).toEqual([0, 1, 0])
    expect(parseHexColor('green')).toBeNull()
    expect(toHexColor([255, 128, 0])).toBe('#ff8000')
    expect(toHexColor([1, 0.5, 0], true)).toBe('#ff8000')
  })

  it('picks a key colour from a patch, ignoring a few stray pixels', () => {
    const patch = new Uint8Array(49 * 4)
    for (let i = 0; i < 49; i++) patch.set(i < 5 ? [200, 40, 40, 255] : [30, 180, 60, 255], i * 4)
    expect(averageKeyColor(patch)).toBe('#1eb43c')
  })

  it('converts video-range BT.601 and BT.709 YUV back to RGB', () => {
    for (const matrix of ['bt601', 'bt709'] as const) {
      const t = yuvToRgbMatrix(matrix, false)
      expect(yuvToRgb(16 / 255, 128 / 255, 128 / 255, t).map((c) => Math.round(c * 255))).toEqual([0, 0, 0])
      expect(yuvToRgb(235 / 255, 128 / 255, 128 / 255, t).map((c) => Math.round(c * 255))).toEqual([255, 255, 255])
    }
    // BT.601 video-range pure red is Y 81, Cb 90, Cr 240.
    const red = yuvToRgb(81 / 255, 90 / 255, 240 / 255, yuvToRgbMatrix('bt601', false)).map((c) => Math.round(c * 255))
    expect(red[0]).toBeGreaterThan(250)
    expect(red[1]).toBeLessThan(5)
    expect(red[2]).toBeLessThan(5)
  })
})

describe('YUV lookup tables of the CPU renderer', () => {
  it('key a camera green out and keep skin and grey in', () => {
    const { alpha, spill } = buildKeyTables([0, 1, 0], OBS, 'bt601', false)
    // BT.601 video-range chroma of (0.1, 0.75, 0.2) and of a skin tone.
    const green = (64 << 8) | 74
    const skin = (110 << 8) | 160
    expect(alpha[green]).toBe(0)
    expect(alpha[skin]).toBe(255)
    expect(alpha[(128 << 8) | 128]).toBe(255)
    // Spill of a far colour is untouched.
    expect(spill[skin]).toBe(skin)
  })

  it('convert YUV to RGB with integer tables matching the matrix', () => {
    const t = buildRgbTables('bt601', false)
    const m = yuvToRgbMatrix('bt601', false)
    for (const [y, u, v] of [
      [81, 90, 240],
      [145, 54, 34],
      [41, 240, 110],
      [128, 128, 128],
    ] as const) {
      const expected = yuvToRgb(y / 255, u / 255, v / 255, m).map((c) => c * 255)
      const got = [t.y[y]! + t.rv[v]!, t.y[y]! - t.gu[u]! - t.gv[v]!, t.y[y]! + t.bu[u]!].map((c) => Math.min(255, Math.max(0, c)))
      got.forEach((c, i) => expect(Math.abs(c - expected[i]!)).toBeLessThanOrEqual(2))
    }
  })
})
