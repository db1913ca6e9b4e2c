import { describe, expect, it } from 'vitest'
import { classifyBackgroundFile, classifyBackgroundUrl, coverRect, planDownscale, MAX_BACKGROUND_PIXELS } from '../../src/lib/virtualBackground/upload.ts'
import { render } from '../../src/i18n/message.ts'
import { defaultVirtualBackgroundSettings, normalizeSettings } from '../../src/lib/virtualBackground/settings.ts'

describe('background uploads', () => {
  it('accepts pictures and videos by type, or by name when the type is missing', () => {
    expect(classifyBackgroundFile({ name: 'beach.jpg', type: 'image/jpeg', size: 1000 })).toEqual({ ok: true, kind: 'image' })
    expect(classifyBackgroundFile({ name: 'loop.webm', type: 'video/webm', size: 1000 })).toEqual({ ok: true, kind: 'video' })
    expect(classifyBackgroundFile({ name: 'x.png', type: '', size: 10 })).toEqual({ ok: true, kind: 'image' })
  })

  it('refuses what is not a picture or a video with a message that says what to choose', () => {
    const v = classifyBackgroundFile({ name: 'notes.txt', type: 'text/plain', size: 5 })
    expect(v.ok).toBe(false)
    if (!v.ok) expect(render(v.message)).toMatch(/"notes.txt" is not a picture or a video \(it is text\/plain\).*JPEG, PNG or WebP.*WebM or MP4/)
    const pdf = classifyBackgroundFile({ name: 'doc.pdf', type: 'application/pdf', size: 5 })
    expect(pdf.ok).toBe(false)
  })

  it('refuses empty files, SVG and files over 1 GB', () => {
    expect(classifyBackgroundFile({ name: 'a.png', type: 'image/png', size: 0 }).ok).toBe(false)
    const svg = classifyBackgroundFile({ name: 'logo.svg', type: 'image/svg+xml', size: 10 })
    expect(svg.ok).toBe(false)
    if (!svg.ok) expect(render(svg.message)).toMatch(/PNG or JPEG/)
    expect(classifyBackgroundFile({ name: 'big.mp4', type: 'video/mp4', size: 2 ** 31 }).ok).toBe(false)
  })

  it('guesses the kind of a URL', () => {
    expect(classifyBackgroundUrl('/backgrounds/dusk.jpg?v=1')).toBe('image')
    expect(classifyBackgroundUrl('https://example.test/a.webm#t=1')).toBe('video')
    expect(classifyBackgroundUrl('data:image/png;base64,AAAA')).toBe('image')
    expect(classifyBackgroundUrl('/api/thing')).toBeNull()
  })

  it('downscales a 50-megapixel picture instead of refusing it, keeping its aspect', () => {
    const plan = planDownscale(8660, 5774)
    expect(plan.scaled).toBe(true)
    expect(plan.width * plan.height).toBeLessThanOrEqual(MAX_BACKGROUND_PIXELS)
    expect(plan.width / plan.height).toBeCloseTo(8660 / 5774, 2)
    expect(render(plan.message!)).toMatch(/50 megapixels \(8660x5774\).*scaled down to \d+x\d+/)
  })

  it('keeps ordinary pictures as they are and caps very long sides', () => {
    expect(planDownscale(1920, 1080)).toEqual({ width: 1920, height: 1080, scaled: false })
    const panorama = planDownscale(10000, 500)
    expect(panorama.width).toBe(4096)
    expect(panorama.height).toBe(204)
    expect(() => planDownscale(0, 10)).toThrow()
  })

  it('covers a frame with a picture of another aspect, centred', () => {
    const wide = coverRect(2000, 1000, 1280, 720)
    expect(wide.sh).toBe(1000)
    expect(wide.sw).toBeCloseTo(1777.78, 1)
    expect(wide.sx).toBeCloseTo(111.11, 1)
    const tall = coverRect(1000, 2000, 1280, 720)
    expect(tall.sw).toBe(1000)
    expect(tall.uvOffset[1]).toBeCloseTo((2000 - 562.5) / 2 / 2000, 5)
  })
})

describe('settings', () => {
  it('are plain data that survive JSON', () => {
    const s = defaultVirtualBackgroundSettings()
    expect(normalizeSettings(JSON.parse(JSON.stringify(s)))).toEqual(s)
  })

  it('normalise anything persisted to valid settings', () => {
    const s = normalizeSettings({ mode: 'laser', engine: 'chroma', blurStrength: 7, chroma: { keyColor: 'nope', similarity: -1 }, image: { kind: 'builtin', id: 'gone' } })
    expect(s.mode).toBe('none')
    expect(s.engine).toBe('chroma')
    expect(s.blurStrength).toBe(1)
    expect(s.chroma.keyColor).toBe('#00ff00')
    expect(s.chroma.similarity).toBe(0)
    expect(s.image).toEqual(defaultVirtualBackgroundSettings().image)
    expect(normalizeSettings(null)).toEqual(defaultVirtualBackgroundSettings())
  })
})
