/** The text to show for a caught error, in the current language where the error carries a message key. */
import { t } from '@/i18n'
import { ExportError } from '@/workers/export/exportErrors'

export function errorMessage(err: unknown): string {
  if (err instanceof ExportError) return t(`exportErrors.${err.key}`, err.params)
  return err instanceof Error ? err.message : String(err)
}
