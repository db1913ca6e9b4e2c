import { describe, expect, test } from 'vitest'
import { extensionFor, formatBytes, formatDuration, formatPercent, timestampedName } from '@/lib/format'

describe('format', () => {
  test('percent: a fraction as a whole percentage', () => {
    expect(formatPercent(0)).toBe('0%')
    expect(formatPercent(0.347)).toBe('35%')
    expect(formatPercent(1)).toBe('100%')
  })

  test('bytes', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(25 * 1024 * 1024)).toBe('25 MB')
    expect(formatBytes(-1)).toBe('–')
  })
  test('durations', () => {
    expect(formatDuration(0)).toBe('0:00')
    expect(formatDuration(65_400)).toBe('1:05')
    expect(formatDuration(3_723_000)).toBe('1:02:03')
  })
  test('file names', () => {
    expect(extensionFor('image/jpeg')).toBe('jpg')
    expect(extensionFor('video/webm;codecs=vp9')).toBe('webm')
    expect(extensionFor('video/x-matroska;codecs=avc1')).toBe('mkv')
    expect(timestampedName('photo', new Date(2026, 10, 21, 9, 5, 3), 'png')).toBe('photo-2026-11-21_09-05-03.png')
  })
})

describe('names and localized numbers', () => {
  test('a second photo in the same second gets its own name', async () => {
    const { uniqueName } = await import('@/lib/format')
    const first = 'photo-2026-11-29_10-15-02.png'
    expect(uniqueName(first, [])).toBe(first)
    expect(uniqueName(first, [first])).toBe('photo-2026-11-29_10-15-02-2.png')
    expect(uniqueName(first, [first, 'photo-2026-11-29_10-15-02-2.png'])).toBe('photo-2026-11-29_10-15-02-3.png')
  })
  test('a typed name is cleaned and keeps the file type', async () => {
    const { cleanFileName } = await import('@/lib/format')
    expect(cleanFileName('  Holiday / beach  ', 'photo-1.png')).toBe('Holiday  beach.png')
    expect(cleanFileName('talk.webm', 'recording-1.webm')).toBe('talk.webm')
    expect(cleanFileName('会议记录', 'recording-1.mkv')).toBe('会议记录.mkv')
    expect(cleanFileName('<>:*?', 'photo-1.png')).toBe('')
    expect(cleanFileName('..', 'photo-1.png')).toBe('')
  })
  test('sizes and dates follow the language', async () => {
    const { formatBytes, formatDateTime } = await import('@/lib/format')
    expect(formatBytes(1536, 'en')).toBe('1.5 KB')
    expect(formatBytes(1536, 'de')).toBe('1,5 KB')
    const at = new Date(2026, 10, 29, 10, 15)
    expect(formatDateTime(at, 'zh-CN')).toMatch(/2026年11月29日/)
    expect(formatDateTime(at, 'en')).toMatch(/Nov 29, 2026/)
  })
})
