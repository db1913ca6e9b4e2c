/** Which of the app's languages to show: a remembered choice first, else the first browser language we have. Pure. */
export const SUPPORTED_LOCALES = ['en', 'zh-CN'] as const
export type AppLocale = (typeof SUPPORTED_LOCALES)[number]

export function isAppLocale(v: unknown): v is AppLocale {
  return typeof v === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(v)
}

export function pickLocale(stored: string | null | undefined, browser: readonly string[]): AppLocale {
  if (isAppLocale(stored)) return stored
  for (const tag of browser) {
    const lower = tag.toLowerCase()
    // Any Chinese (zh, zh-CN, zh-Hans, zh-SG…) reads Simplified Chinese; the app has no Traditional Chinese yet.
    if (lower === 'zh' || lower.startsWith('zh-')) return 'zh-CN'
    if (lower === 'en' || lower.startsWith('en-')) return 'en'
  }
  return 'en'
}
