/** The text to show for a caught error, in the current language where the error carries a message key. */
import { MessageError, msg, render, type Text } from '@/i18n/message'
import { ExportError } from '@/workers/export/exportErrors'

/** The error as a message the page renders in the language of the moment (a browser's own message stays as is). */
export function errorText(err: unknown): Text {
  if (err instanceof ExportError) return msg(`exportErrors.${err.key}`, err.params)
  if (err instanceof MessageError) return err.text
  return err instanceof Error ? err.message : String(err)
}

export function errorMessage(err: unknown): string {
  return render(errorText(err))
}
