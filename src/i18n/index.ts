/**
 * The app's languages: English and Simplified Chinese. The browser's language picks one the first time; the switch
 * in the header changes it and the choice is remembered (localStorage). Components use `useI18n()`; plain modules
 * (error texts made outside a component) use `t` from here, which follows the same current language.
 */
import { createI18n } from 'vue-i18n'
import en from './locales/en'
import zhCN from './locales/zh-CN'
import { pickLocale, type AppLocale } from './locale'

export { SUPPORTED_LOCALES, type AppLocale } from './locale'
export type MessageSchema = typeof en

export const LOCALE_STORAGE_KEY = 'media-studio:locale'

function storedLocale(): string | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage.getItem(LOCALE_STORAGE_KEY)
  } catch {
    return null
  }
}

function browserLanguages(): readonly string[] {
  return typeof navigator === 'undefined' ? [] : navigator.languages?.length ? navigator.languages : [navigator.language]
}

export const i18n = createI18n<[MessageSchema], AppLocale, false>({
  legacy: false,
  locale: pickLocale(storedLocale(), browserLanguages()),
  fallbackLocale: 'en',
  messages: { en, 'zh-CN': zhCN },
  missingWarn: false,
  fallbackWarn: false,
})

/** The current language (reactive). */
export function currentLocale(): AppLocale {
  return i18n.global.locale.value
}

export function setLocale(locale: AppLocale) {
  i18n.global.locale.value = locale
  try {
    localStorage.setItem(LOCALE_STORAGE_KEY, locale)
  } catch {
    // storage blocked: the choice lasts for this page only
  }
  if (typeof document !== 'undefined') document.documentElement.lang = locale
}

/** Translate outside a component (composables, plain modules); follows the current language. */
export const t = i18n.global.t
