import { describe, expect, test } from 'vitest'
import en from '@/i18n/locales/en'
import zhCN from '@/i18n/locales/zh-CN'
import { pickLocale } from '@/i18n/locale'
import { i18n } from '@/i18n'

/** Every leaf key of a message tree, as dotted paths. */
function keys(tree: object, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
}
function leaves(tree: object): string[] {
  return Object.values(tree).flatMap((v) => (v && typeof v === 'object' ? leaves(v) : [v as string]))
}
/** The {named} values a message uses. */
function placeholders(tree: object, key: string): string[] {
  const v = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], tree) as string
  return [...new Set([...v.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort()
}

describe('messages', () => {
  test('English and Chinese have exactly the same keys', () => {
    const a = keys(en).sort()
    const b = keys(zhCN).sort()
    expect(b.filter((k) => !a.includes(k))).toEqual([])
    expect(a.filter((k) => !b.includes(k))).toEqual([])
    expect(a.length).toBeGreaterThan(300)
  })

  test('each Chinese message uses the same values as its English one', () => {
    for (const k of keys(en)) expect(placeholders(zhCN, k), k).toEqual(placeholders(en, k))
  })

  test('no message is empty, and the Chinese ones are written in Chinese', () => {
    expect(leaves(en).filter((v) => !v.trim())).toEqual([])
    expect(leaves(zhCN).filter((v) => !v.trim())).toEqual([])
    // Proper names and units may stay in Latin letters; anything longer than a few words must be Chinese.
    const untranslated = keys(zhCN).filter((k) => {
      const v = k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], zhCN) as string
      return v.split(/\s+/).length > 3 && !/[\u4e00-\u9fff]/.test(v)
    })
    expect(untranslated).toEqual([])
  })

  test('every message compiles (vue-i18n syntax: no stray @ { } |)', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      i18n.global.locale.value = locale
      for (const k of keys(en)) {
        const out = i18n.global.t(k, { n: 2, name: 'X', size: '1 MB', reason: 'r', detail: 'd', constraint: 'c' })
        expect(out, `${locale} ${k}`).not.toBe(k)
      }
    }
    i18n.global.locale.value = 'en'
  })
})

describe('language choice', () => {
  test('a remembered choice wins over the browser', () => {
    expect(pickLocale('zh-CN', ['en-US'])).toBe('zh-CN')
    expect(pickLocale('en', ['zh-CN'])).toBe('en')
  })
  test('otherwise the first browser language the app has', () => {
    expect(pickLocale(null, ['zh-CN', 'en'])).toBe('zh-CN')
    expect(pickLocale(null, ['zh-Hans-CN'])).toBe('zh-CN')
    expect(pickLocale(null, ['de-DE', 'zh', 'en'])).toBe('zh-CN')
    expect(pickLocale(null, ['en-GB', 'zh-CN'])).toBe('en')
  })
  test('English when nothing matches or the stored value is not a language of the app', () => {
    expect(pickLocale(null, ['de-DE', 'fr'])).toBe('en')
    expect(pickLocale('klingon', [])).toBe('en')
  })
})

describe('messages kept as keys (shown in the language of the moment)', () => {
  test('a stored message, and a message inside its values, render in the language current when read', async () => {
    const { messageRef, msg, MessageError } = await import('@/i18n/message')
    const { errorText } = await import('@/lib/errorMessage')
    const before = i18n.global.locale.value
    try {
      i18n.global.locale.value = 'en'
      const shown = messageRef()
      shown.value = msg('record.audioWarning.one', { source: msg('record.audioWarning.microphone') })
      const english = shown.value
      expect(english).toContain(en.record.audioWarning.microphone)
      i18n.global.locale.value = 'zh-CN'
      expect(shown.value).toContain(zhCN.record.audioWarning.microphone)
      expect(shown.value).not.toBe(english)
      // A caught MessageError gives its message back, not its (English) text.
      i18n.global.locale.value = 'en'
      const err = new MessageError(msg('gallery.gone'))
      expect(err.message).toBe(en.gallery.gone)
      shown.value = errorText(err)
      i18n.global.locale.value = 'zh-CN'
      expect(shown.value).toBe(zhCN.gallery.gone)
      // A browser's own text stays as it is; null clears.
      shown.value = 'NotReadableError: Could not start video source'
      expect(shown.value).toBe('NotReadableError: Could not start video source')
      shown.value = null
      expect(shown.value).toBeNull()
    } finally {
      i18n.global.locale.value = before
    }
  })
})
