import { describe, expect, test } from 'vitest'
import {
  FILTERS,
  burstLooks,
  cssFilter,
  defaultFilterSettings,
  filterFunction,
  normalizeFilterSettings,
  previewToFrameScale,
} from '@/lib/filters'

describe('filters', () => {
  test('offers every filter the product promises', () => {
    expect(FILTERS.map((f) => f.id)).toEqual([
      'blur',
      'brightness',
      'contrast',
      'grayscale',
      'hue-rotate',
      'invert',
      'opacity',
      'saturate',
      'sepia',
      'drop-shadow',
    ])
  })

  test('nothing on gives "none"; several on combine in order', () => {
    const s = defaultFilterSettings()
    expect(cssFilter(s)).toBe('none')
    s.find((f) => f.id === 'grayscale')!.enabled = true
    s.find((f) => f.id === 'blur')!.enabled = true
    s.find((f) => f.id === 'blur')!.amount = 3
    expect(cssFilter(s)).toBe('blur(3px) grayscale(100%)')
  })

  test('lengths scale to the photo, percentages and angles do not', () => {
    expect(filterFunction('blur', 4, 2.5)).toBe('blur(10px)')
    expect(filterFunction('drop-shadow', 8, 2)).toBe('drop-shadow(8px 8px 16px rgba(0, 0, 0, 0.6))')
    expect(filterFunction('hue-rotate', 90, 3)).toBe('hue-rotate(90deg)')
    expect(filterFunction('contrast', 160, 3)).toBe('contrast(160%)')
  })

  test('amounts are clamped to the control range', () => {
    expect(filterFunction('grayscale', 500)).toBe('grayscale(100%)')
    expect(filterFunction('blur', -3)).toBe('blur(0px)')
  })

  test('stored settings survive a changed filter list', () => {
    const n = normalizeFilterSettings([
      { id: 'sepia', enabled: true, amount: 40 },
      { id: 'gone-filter', enabled: true, amount: 1 },
      { id: 'blur', enabled: true, amount: 'x' },
    ])
    expect(n).toHaveLength(FILTERS.length)
    expect(n.find((f) => f.id === 'sepia')).toEqual({ id: 'sepia', enabled: true, amount: 40 })
    expect(n.find((f) => f.id === 'blur')).toEqual({ id: 'blur', enabled: true, amount: 4 })
    expect(normalizeFilterSettings('garbage')).toEqual(defaultFilterSettings())
  })

  test('burst makes one look per filter', () => {
    const looks = burstLooks()
    expect(looks).toHaveLength(FILTERS.length)
    expect(new Set(looks.map((l) => l.filter(1))).size).toBe(FILTERS.length)
  })

  test('preview scale follows object-fit: contain', () => {
    // 1280x720 shown in a 640x480 box: limited by width, half size, so 2 frame px per CSS px.
    expect(previewToFrameScale(1280, 720, 640, 480)).toBe(2)
    // 640x480 in a 1280x360 box: limited by height (0.75).
    expect(previewToFrameScale(640, 480, 1280, 360)).toBeCloseTo(4 / 3)
    expect(previewToFrameScale(0, 0, 100, 100)).toBe(1)
  })
})

describe('clicks on the contained preview', async () => {
  const { pointInContainedFrame } = await import('@/lib/geometry')
  const box = { left: 100, top: 50, width: 800, height: 600 }
  test('maps a click to frame coordinates, letterbox excluded', () => {
    // 1280x720 in 800x600: shown 800x450, 75 px bars above and below.
    expect(pointInContainedFrame(500, 350, box, 1280, 720, false)).toEqual({ x: 0.5, y: 0.5 })
    expect(pointInContainedFrame(100, 125, box, 1280, 720, false)).toEqual({ x: 0, y: 0 })
    expect(pointInContainedFrame(500, 60, box, 1280, 720, false)).toBeNull()
  })
  test('undoes the mirror', () => {
    expect(pointInContainedFrame(300, 350, box, 1280, 720, true)).toEqual({ x: 0.75, y: 0.5 })
  })
})
