import { describe, expect, it } from 'vitest'
import { applyFilter, boxSizes, contextFilterWorks, parseFilter, type Pixels } from '@/lib/filterPixels'
import { burstLooks, cssFilter, defaultFilterSettings } from '@/lib/filters'

function image(w: number, h: number, rgba: (x: number, y: number) => [number, number, number, number]): Pixels {
  const data = new Uint8ClampedArray(w * h * 4)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(rgba(x, y), (y * w + x) * 4)
  return { data, width: w, height: h }
}

const px = (img: Pixels, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4))

describe('parseFilter', () => {
  it('reads every look the app writes', () => {
    for (const look of burstLooks()) expect(parseFilter(look.filter(1.5))).toHaveLength(1)
    const all = defaultFilterSettings().map((s) => ({ ...s, enabled: true }))
    expect(parseFilter(cssFilter(all)).map((o) => o.fn)).toEqual(all.map((s) => s.id))
    expect(parseFilter('none')).toEqual([])
    expect(parseFilter('drop-shadow(4px 4px 8px rgba(0, 0, 0, 0.6))')).toEqual([{ fn: 'drop-shadow', dx: 4, dy: 4, px: 8, rgba: [0, 0, 0, 0.6] }])
    expect(parseFilter('sepia(30%)')).toEqual([{ fn: 'sepia', amount: 0.3 }])
  })
  it('refuses a function it does not know', () => {
    expect(() => parseFilter('url(#x)')).toThrow(/Unknown filter/)
  })
})

describe('applyFilter', () => {
  const colourful = () => image(8, 8, (x, y) => [x * 30, y * 30, 200 - x * 20, 255])

  it('grayscale(100%) makes every pixel grey with Rec. 709 luma', () => {
    const img = applyFilter(colourful(), 'grayscale(100%)')
    for (let i = 0; i < img.data.length; i += 4) expect(new Set(img.data.subarray(i, i + 3)).size).toBe(1)
    const [r, g, b] = [60, 90, 160]
    expect(px(applyFilter(image(1, 1, () => [r, g, b, 255]), 'grayscale(100%)'), 0, 0)[0]).toBe(Math.round(0.2126 * r + 0.7152 * g + 0.0722 * b))
  })

  it('neutral strengths change nothing, and invert(100%) twice gives the picture back', () => {
    const a = colourful()
    const before = Array.from(a.data)
    applyFilter(a, 'brightness(100%) contrast(100%) grayscale(0%) hue-rotate(0deg) saturate(100%) sepia(0%) opacity(100%) blur(0px)')
    expect(Array.from(a.data)).toEqual(before)
    applyFilter(a, 'invert(100%) invert(100%)')
    expect(Array.from(a.data)).toEqual(before)
  })

  it('brightness and contrast clamp to the byte range', () => {
    expect(px(applyFilter(image(1, 1, () => [200, 100, 10, 255]), 'brightness(200%)'), 0, 0)).toEqual([255, 200, 20, 255])
    expect(px(applyFilter(image(1, 1, () => [200, 100, 10, 255]), 'contrast(300%)'), 0, 0)).toEqual([255, 45, 0, 255])
  })

  it('opacity scales alpha only', () => {
    expect(px(applyFilter(image(1, 1, () => [10, 20, 30, 255]), 'opacity(70%)'), 0, 0)).toEqual([10, 20, 30, 178])
  })

  it('blur keeps a flat area flat, fades to transparent at the edges, and spreads an edge', () => {
    const img = applyFilter(image(60, 60, (x) => (x < 30 ? [0, 0, 0, 255] : [255, 255, 255, 255])), 'blur(3px)')
    expect(px(img, 15, 30)).toEqual([0, 0, 0, 255])
    expect(px(img, 30, 0)[3]).toBeLessThan(255)
    const mid = px(img, 30, 30)[0]!
    expect(mid).toBeGreaterThan(60)
    expect(mid).toBeLessThan(200)
    expect(boxSizes(3)).toEqual([6, 6, 6])
  })

  it('a drop shadow shows only where the picture is transparent', () => {
    const img = applyFilter(image(20, 20, (x, y) => (x < 10 && y < 10 ? [255, 0, 0, 255] : [0, 0, 0, 0])), 'drop-shadow(4px 4px 0px rgba(0, 0, 0, 0.6))')
    expect(px(img, 5, 5)).toEqual([255, 0, 0, 255])
    expect(px(img, 12, 12)).toEqual([0, 0, 0, 153])
    expect(px(img, 18, 2)[3]).toBe(0)
  })
})

describe('contextFilterWorks', () => {
  it('is false for a context without filter (Safari) and one that ignores it, true for one that keeps it', () => {
    expect(contextFilterWorks({})).toBe(false)
    const ignoring = { get filter() { return 'none' }, set filter(_v: string) {} }
    expect(contextFilterWorks(ignoring)).toBe(false)
    const keeping = { filter: 'none' }
    expect(contextFilterWorks(keeping)).toBe(true)
    expect(keeping.filter).toBe('none')
  })
})
