import { describe, expect, it } from 'vitest'
import {
  channelToMask,
  gaussianLinearTaps,
  iou,
  reducedSize,
  regionFraction,
  smoothMaskInPlace,
  smoothstep,
  temporalWeight,
} from '../../src/lib/virtualBackground/mask.ts'

describe('intersection over union', () => {
  it('is 1 for equal masks, 0 for disjoint ones, and counts partial overlap', () => {
    expect(iou([1, 1, 0, 0], [1, 1, 0, 0])).toBe(1)
    expect(iou([1, 1, 0, 0], [0, 0, 1, 1])).toBe(0)
    expect(iou([1, 1, 1, 0], [0, 1, 1, 1])).toBeCloseTo(0.5)
    expect(iou([0, 0], [0, 0])).toBe(1)
  })

  it('thresholds each mask on its own scale (0..255 output against a 0/1 truth)', () => {
    expect(iou([255, 200, 100, 0], [1, 1, 0, 0], 128, 1)).toBe(1)
    expect(iou([255, 127, 0], [1, 1, 0], 128, 1)).toBeCloseTo(0.5)
  })

  it('refuses masks of different sizes', () => {
    expect(() => iou([1], [1, 0])).toThrow(/differ/)
  })
})

describe('region fraction', () => {
  const w = 4
  // 4x3 mask, foreground in the left half.
  const m = [1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]
  it('measures the foreground share of a rectangle, clipped to the mask', () => {
    expect(regionFraction(m, w, { x: 0, y: 0, width: 2, height: 3 })).toBe(1)
    expect(regionFraction(m, w, { x: 2, y: 0, width: 2, height: 3 })).toBe(0)
    expect(regionFraction(m, w, { x: 1, y: 0, width: 2, height: 3 })).toBe(0.5)
    expect(regionFraction(m, w, { x: -5, y: -5, width: 7, height: 100 })).toBe(1)
    expect(regionFraction(m, w, { x: 10, y: 10, width: 2, height: 2 })).toBe(0)
  })
})

describe('mask helpers', () => {
  it('reads a channel of RGBA bytes as 0..1', () => {
    expect(Array.from(channelToMask([255, 0, 0, 255, 0, 0, 0, 128]))).toEqual([1, 0])
    expect(Array.from(channelToMask([255, 0, 0, 255, 0, 0, 0, 255], 3))).toEqual([1, 1])
  })

  it('smoothstep matches GLSL', () => {
    expect(smoothstep(0.4, 0.6, 0.3)).toBe(0)
    expect(smoothstep(0.4, 0.6, 0.5)).toBeCloseTo(0.5)
    expect(smoothstep(0.4, 0.6, 0.7)).toBe(1)
  })

  it('takes little of a small change (no flicker) and all of a large one (no ghost)', () => {
    expect(temporalWeight(0.5, 0.52, 0.35)).toBeCloseTo(0.35)
    expect(temporalWeight(0, 1, 0.35)).toBe(1)
    expect(temporalWeight(0.5, 0.5, 1)).toBe(1)
  })

  it('damps a flickering pixel and follows a moving edge', () => {
    const s = new Float32Array([0.9, 0])
    for (let i = 0; i < 10; i++) smoothMaskInPlace(s, [i % 2 ? 0.95 : 0.85, 1])
    expect(s[0]!).toBeGreaterThan(0.86)
    expect(s[0]!).toBeLessThan(0.94)
    expect(s[1]!).toBeCloseTo(1)
  })

  it('gives normalised Gaussian taps for linear sampling', () => {
    for (const r of [1, 4, 9, 16]) {
      const { offsets, weights } = gaussianLinearTaps(r)
      expect(offsets[0]).toBe(0)
      expect(weights[0]! + 2 * weights.slice(1).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6)
      expect(offsets.length).toBeLessThanOrEqual(Math.ceil(r / 2) + 1)
    }
  })

  it('sizes the reduced blur buffers', () => {
    expect(reducedSize(1280, 720, 4)).toEqual({ width: 320, height: 180 })
    expect(reducedSize(3, 3, 8)).toEqual({ width: 1, height: 1 })
  })
})
