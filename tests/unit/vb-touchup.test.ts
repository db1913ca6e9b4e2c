import { describe, expect, it } from 'vitest'
import { boxMean, buildSkinTable, skinLikelihood, smoothLuma, TouchUpScratch } from '../../src/lib/virtualBackground/touchUp.ts'

/** Deterministic noise (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A 128x128 luma picture: skin-like texture (150 ± 6) on the left, a hard edge (150 -> 40) at x = 64. */
function picture() {
  const w = 128
  const h = 128
  const r = rng(7)
  const d = new Uint8Array(w * h)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[y * w + x] = (x < 64 ? 150 : 40) + Math.round((r() - 0.5) * 12)
  return { w, h, d }
}

/** Mean luma variance inside 4x4 blocks of a rectangle (the browser tests' measure). */
function localVariance(d: Uint8Array, w: number, x0: number, y0: number, x1: number, y1: number) {
  let sum = 0
  let n = 0
  for (let by = y0; by + 4 <= y1; by += 4) {
    for (let bx = x0; bx + 4 <= x1; bx += 4) {
      let s1 = 0
      let s2 = 0
      for (let y = by; y < by + 4; y++) {
        for (let x = bx; x < bx + 4; x++) {
          s1 += d[y * w + x]!
          s2 += d[y * w + x]! ** 2
        }
      }
      sum += s2 / 16 - (s1 / 16) ** 2
      n++
    }
  }
  return sum / n
}

/** Mean horizontal step across the edge at x = 64 (pixels 62 and 65 on every row). */
const edgeStep = (d: Uint8Array, w: number, h: number) => {
  let s = 0
  for (let y = 0; y < h; y++) s += d[y * w + 62]! - d[y * w + 65]!
  return s / h
}

describe('touch-up', () => {
  it('classifies skin chroma as skin and sky, grass and grey as not', () => {
    // BT.601 chroma of a light skin (R 224, G 172, B 146): Cb about 108, Cr about 155.
    expect(skinLikelihood(108, 155)).toBe(1)
    expect(skinLikelihood(128, 128)).toBe(0) // grey
    expect(skinLikelihood(170, 100)).toBe(0) // sky blue
    expect(skinLikelihood(90, 90)).toBe(0) // green
    const t = buildSkinTable()
    expect(t[(108 << 8) | 155]).toBe(255)
    expect(t[(128 << 8) | 128]).toBe(0)
  })

  it('box means keep a constant and average a ramp', () => {
    const c = new Float32Array(25).fill(3)
    boxMean(c, new Float32Array(25), 5, 5, 1)
    expect([...c].every((x) => Math.abs(x - 3) < 1e-6)).toBe(true)
  })

  it('at full strength drops the texture variance by far more than 40% and keeps a hard edge within 10%', () => {
    const { w, h, d } = picture()
    const before = localVariance(d, w, 8, 8, 56, 120)
    const step = edgeStep(d, w, h)
    const weight = new Uint8Array((w / 2) * (h / 2)).fill(255)
    const changed = smoothLuma({ data: d, offset: 0, stride: w }, w, h, weight, 1, new TouchUpScratch())
    expect(changed).toBe(w * h)
    const after = localVariance(d, w, 8, 8, 56, 120)
    expect(after).toBeLessThan(before * 0.6)
    expect(Math.abs(edgeStep(d, w, h) - step)).toBeLessThan(step * 0.1)
  })

  it('leaves pixels of weight 0 untouched, and does nothing at strength 0', () => {
    const { w, h, d } = picture()
    const copy = d.slice()
    const weight = new Uint8Array((w / 2) * (h / 2))
    // Weight only on the top half.
    weight.fill(255, 0, (w / 2) * (h / 4))
    smoothLuma({ data: d, offset: 0, stride: w }, w, h, weight, 1, new TouchUpScratch())
    expect([...d.subarray((w * h) / 2)]).toEqual([...copy.subarray((w * h) / 2)])
    expect(d.subarray(0, (w * h) / 2)).not.toEqual(copy.subarray(0, (w * h) / 2))
    const e = copy.slice()
    expect(smoothLuma({ data: e, offset: 0, stride: w }, w, h, new Uint8Array((w / 2) * (h / 2)).fill(255), 0, new TouchUpScratch())).toBe(0)
    expect(e).toEqual(copy)
  })

  it('honours the offset and stride of a plane inside a larger buffer', () => {
    const { w, h, d } = picture()
    const stride = w + 16
    const buf = new Uint8Array(10 + stride * h).fill(77)
    for (let y = 0; y < h; y++) buf.set(d.subarray(y * w, y * w + w), 10 + y * stride)
    const weight = new Uint8Array((w / 2) * (h / 2)).fill(255)
    smoothLuma({ data: buf, offset: 10, stride }, w, h, weight, 1, new TouchUpScratch())
    smoothLuma({ data: d, offset: 0, stride: w }, w, h, weight, 1, new TouchUpScratch())
    for (let y = 0; y < h; y++) expect([...buf.subarray(10 + y * stride, 10 + y * stride + w)]).toEqual([...d.subarray(y * w, y * w + w)])
    expect(buf[10 + w]).toBe(77) // padding untouched
  })
})
