import { describe, expect, it } from 'vitest'
import {
  applyDenseTable,
  applyLook,
  buildDenseTable,
  buildLut,
  denseIndex,
  LOOK_IDS,
  LOOKS,
  lookColor,
  type LookDirection,
  type LookId,
} from '../../src/lib/virtualBackground/looks.ts'
import { normalizeSettings } from '../../src/lib/virtualBackground/settings.ts'

/** A spread of everyday colours (skin, sky, foliage, greys, darks, highlights): a 7³ grid of RGB. */
const SAMPLES: [number, number, number][] = []
for (let r = 0; r <= 6; r++) for (let g = 0; g <= 6; g++) for (let b = 0; b <= 6; b++) SAMPLES.push([r / 6, g / 6, b / 6])

const mean = (cs: [number, number, number][]) => [0, 1, 2].map((k) => cs.reduce((a, c) => a + c[k]!, 0) / cs.length) as [number, number, number]
const saturation = (cs: [number, number, number][]) => cs.reduce((a, c) => a + Math.max(...c) - Math.min(...c), 0) / cs.length

/** How far the look moves the samples in its documented direction (0..1 units; positive = the right way). */
function movement(id: LookId, direction: LookDirection, strength = 1): number {
  const out = SAMPLES.map(([r, g, b]) => applyLook(id, strength, r, g, b))
  if (direction.kind === 'rgb') {
    const before = mean(SAMPLES)
    const after = mean(out)
    const v = direction.vector
    const norm = Math.hypot(...v)
    return ((after[0] - before[0]) * v[0] + (after[1] - before[1]) * v[1] + (after[2] - before[2]) * v[2]) / norm
  }
  const d = saturation(out) - saturation(SAMPLES)
  return direction.kind === 'saturate' ? d : -d
}

describe('colour looks', () => {
  it('offers at least eight looks besides none, each named once', () => {
    expect(LOOKS.length).toBeGreaterThanOrEqual(8)
    expect(new Set(LOOK_IDS).size).toBe(LOOK_IDS.length)
    expect(LOOK_IDS[0]).toBe('none')
  })

  for (const look of LOOKS) {
    it(`${look.id} moves the mean colour in its documented direction (${JSON.stringify(look.direction)}), in proportion to strength`, () => {
      const full = movement(look.id, look.direction, 1)
      // At least 3% of full scale (about 8 levels of 255) at full strength.
      expect(full).toBeGreaterThan(0.03)
      const half = movement(look.id, look.direction, 0.5)
      expect(half).toBeCloseTo(full / 2, 6)
      expect(Math.abs(movement(look.id, look.direction, 0))).toBe(0)
    })

    it(`${look.id} stays in 0..1 for every input`, () => {
      for (const [r, g, b] of SAMPLES) for (const c of lookColor(look.id, r, g, b)) expect(c >= 0 && c <= 1).toBe(true)
    })
  }

  it('mono makes every colour grey', () => {
    for (const [r, g, b] of SAMPLES) {
      const [R, G, B] = lookColor('mono', r, g, b)
      expect(R).toBe(G)
      expect(G).toBe(B)
    }
  })

  it('the none look is the identity, in the LUT and in the dense table', () => {
    const lut = buildLut('none', 5)
    expect(lut.length).toBe(5 * 5 * 5 * 4)
    // Red fastest, then green, then blue: entry (r=4, g=0, b=0) is index 4; (0, 4, 0) is 20; (0, 0, 4) is 100.
    expect([...lut.subarray(4 * 4, 4 * 4 + 4)]).toEqual([255, 0, 0, 255])
    expect([...lut.subarray(20 * 4, 20 * 4 + 4)]).toEqual([0, 255, 0, 255])
    expect([...lut.subarray(100 * 4, 100 * 4 + 4)]).toEqual([0, 0, 255, 255])
    const table = buildDenseTable('none', 1)
    for (const [r, g, b] of [
      [0, 0, 0],
      [255, 255, 255],
      [200, 120, 40],
      [13, 250, 99],
    ]) {
      const p = ((255 << 24) | (b! << 16) | (g! << 8) | r!) >>> 0
      const q = table[denseIndex(p)]!
      expect(Math.abs((q & 255) - r!)).toBeLessThanOrEqual(2)
      expect(Math.abs(((q >> 8) & 255) - g!)).toBeLessThanOrEqual(2)
      expect(Math.abs(((q >>> 16) & 255) - b!)).toBeLessThanOrEqual(2)
      expect(q >>> 24).toBe(255)
    }
  })

  it('the dense table at a strength matches applyLook within the 6-bit cell error', () => {
    const table = buildDenseTable('warm', 0.7)
    const px = new Uint32Array(SAMPLES.map(([r, g, b]) => ((255 << 24) | (Math.round(b * 255) << 16) | (Math.round(g * 255) << 8) | Math.round(r * 255)) >>> 0))
    applyDenseTable(table, px)
    SAMPLES.forEach(([r, g, b], i) => {
      const want = applyLook('warm', 0.7, r, g, b).map((x) => x * 255)
      const p = px[i]!
      expect(Math.abs((p & 255) - want[0]!)).toBeLessThanOrEqual(4)
      expect(Math.abs(((p >> 8) & 255) - want[1]!)).toBeLessThanOrEqual(4)
      expect(Math.abs(((p >>> 16) & 255) - want[2]!)).toBeLessThanOrEqual(4)
    })
  })

  it('settings keep a valid look and replace an unknown one', () => {
    expect(normalizeSettings({ look: { id: 'film', strength: 0.3 } }).look).toEqual({ id: 'film', strength: 0.3 })
    expect(normalizeSettings({ look: { id: 'sparkle', strength: 9 } }).look).toEqual({ id: 'none', strength: 1 })
    expect(normalizeSettings({}).look).toEqual({ id: 'none', strength: 0.8 })
  })
})
