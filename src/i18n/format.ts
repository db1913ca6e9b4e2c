/** Sizes, dates and times in the current language (Intl), for templates: `const f = useFormat()` then `f.bytes(n)`. */
import { useI18n } from 'vue-i18n'
import { formatBytes, formatClock, formatDateTime } from '@/lib/format'

export function useFormat() {
  const { locale } = useI18n()
  return {
    bytes: (n: number) => formatBytes(n, locale.value),
    dateTime: (at: number | Date) => formatDateTime(at, locale.value),
    clock: (at: number | Date) => formatClock(at, locale.value),
  }
}
