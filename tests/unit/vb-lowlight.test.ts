import { describe, expect, it } from 'vitest'
import {
  buildLiftTable,
  easeGamma,
  liftLuma,
  LOW_LIGHT_MIN_GAMMA,
  LOW_LIGHT_TARGET,
  lowLightGamma,
  meanLuma,
} from '../../src/lib/virtualBackground/lowLight.ts'

describe('low-light fix', () => {
  it('leaves a bright enough frame alone and lifts a dark one towards the target', () => {
    expect(lowLightGamma(0.5)).toBe(1)
    expect(lowLightGamma(LOW_LIGHT_TARGET)).toBe(1)
    const g = lowLightGamma(0.25)
    expect(g).toBeLessThan(1)
    expect(liftLuma(0.25, g)).toBeCloseTo(LOW_LIGHT_TARGET, 5)
    // Very dark: the strongest lift, no more (noise would come up with it).
    expect(lowLightGamma(0.02)).toBe(LOW_LIGHT_MIN_GAMMA)
    expect(lowLightGamma(0)).toBe(LOW_LIGHT_MIN_GAMMA)
    expect(lowLightGamma(Number.NaN)).toBe(1)
  })

  it('keeps black black and white white, and lifts the shadows most', () => {
    const g = 0.6
    expect(liftLuma(0, g)).toBe(0)
    expect(liftLuma(1, g)).toBe(1)
    expect(liftLuma(0.1, g) - 0.1).toBeGreaterThan(liftLuma(0.8, g) - 0.8)
  })

  it('eases the curve in over about a second', () => {
    let g = 1
    g = easeGamma(g, 0.5, 100)
    expect(g).toBeGreaterThan(0.9)
    for (let t = 0; t < 40; t++) g = easeGamma(g, 0.5, 100)
    expect(g).toBe(0.5)
    expect(easeGamma(0.7, 0.5, 0)).toBe(0.7)
  })

  it('builds tables for full and video range luma codes', () => {
    const full = buildLiftTable(0.5, true)
    expect(full[0]).toBe(0)
    expect(full[255]).toBe(255)
    expect(full[64]).toBe(Math.round(255 * Math.sqrt(64 / 255)))
    const video = buildLiftTable(0.5, false)
    expect(video[16]).toBe(16)
    expect(video[235]).toBe(235)
    expect(video[10]).toBe(10)
    expect(video[70]).toBeGreaterThan(70)
    const none = buildLiftTable(1, true)
    expect([...none]).toEqual([...Array(256).keys()])
  })

  it('measures the mean luma of RGBA pixels', () => {
    const px = new Uint8Array([255, 255, 255, 255, 0, 0, 0, 255])
    expect(meanLuma(px)).toBeCloseTo(0.5, 5)
  })
})
