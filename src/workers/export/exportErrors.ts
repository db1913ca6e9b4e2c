/**
 * Export errors the page shows in the person's language. Workers have no vue-i18n, so an error made there carries
 * the key of its text (under `exportErrors` in src/i18n/locales) and the values to fill in; the export worker posts
 * both and the page translates them (`errorMessage` in src/lib/errorMessage.ts). `message` holds the full key, for logs.
 */
import type en from '@/i18n/locales/en'

export type ExportErrorKey = keyof (typeof en)['exportErrors']
export type ExportErrorParams = Record<string, string | number>

export class ExportError extends Error {
  override name = 'ExportError'
  readonly key: ExportErrorKey
  readonly params: ExportErrorParams

  constructor(key: ExportErrorKey, params: ExportErrorParams = {}) {
    super(`exportErrors.${key}`)
    this.key = key
    this.params = params
  }
}

/** What every export step rejects with when it is cancelled (recognised by its name, see `isAbortError`). */
export function abortError(): DOMException {
  return new DOMException('The export was cancelled.', 'AbortError')
}
