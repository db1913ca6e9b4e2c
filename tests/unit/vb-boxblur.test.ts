import { describe, expect, test } from 'vitest'
import { boxBlurRound } from '../../src/lib/virtualBackground/boxBlur.ts'

/** The definition: each output the mean of the 2r + 1 samples around it along the axis, edge samples repeated. */
function reference(p: Float32Array, w: number, h: number, r: number): Float64Array {
  const mean = (get: (i: number) => number, n: number, i: number) => {
    let s = 0
    for (let k = i - r; k <= i + r; k++) s += get(Math.min(n - 1, Math.max(0, k)))
    return s / (2 * r + 1)
  }
  const t = new Float64Array(p.length)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) for (let c = 0; c < 4; c++) t[(y * w + x) * 4 + c] = mean((i) => p[(y * w + i) * 4 + c]!, w, x)
  const out = new Float64Array(p.length)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) for (let c = 0; c < 4; c++) out[(y * w + x) * 4 + c] = mean((i) => t[(i * w + x) * 4 + c]!, h, y)
  return out
}

function picture(w: number, h: number): Float32Array {
  const p = new Float32Array(w * h * 4)
  let seed = 7
  for (let i = 0; i < p.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0
    p[i] = (seed >>> 8) % 256
  }
  return p
}

describe('boxBlurRound', () => {
  test.each([
    [17, 11, 1],
    [40, 23, 3],
    [9, 31, 6],
    [5, 4, 8],
  ])('a %ix%i picture, radius %i: every channel is the mean of its box, edges repeated', (w, h, r) => {
    const p = picture(w, h)
    const want = reference(p, w, h, r)
    boxBlurRound(p, new Float32Array(p.length), w, h, r)
    let worst = 0
    for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i]! - want[i]!))
    expect(worst).toBeLessThan(1e-3)
  })

  test('channels do not mix: a picture lit in one channel stays in that channel', () => {
    const w = 12
    const h = 8
    const p = new Float32Array(w * h * 4)
    for (let i = 0; i < w * h; i++) p[i * 4 + 2] = i % 5 === 0 ? 200 : 0
    boxBlurRound(p, new Float32Array(p.length), w, h, 2)
    for (let i = 0; i < w * h; i++) expect([p[i * 4]!, p[i * 4 + 1]!, p[i * 4 + 3]!]).toEqual([0, 0, 0])
    expect(Math.max(...p.filter((_, i) => i % 4 === 2))).toBeGreaterThan(0)
  })
})
