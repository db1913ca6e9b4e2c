import { describe, expect, test } from 'vitest'
import { extensionFor, formatBytes, formatDuration, timestampedName } from '@/lib/format'

describe('format', () => {
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
