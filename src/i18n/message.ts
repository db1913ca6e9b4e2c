/**
 * A message kept as its key and values rather than as text, so that what a page shows (an error, a notice) is
 * rendered in the language of the moment: switching the language re-renders it, where a string made with `t()` when
 * the error happened would stay in the old language.
 */
import { computed, shallowRef, type WritableComputedRef } from 'vue'
import { t } from '@/i18n'

/** A message key with its values; a value may itself be a message (a reason that is translated too). */
export interface Message {
  key: string
  params?: Record<string, string | number | Message>
}

/** What a composable may store: a message, or a text that is not the app's own (a browser's error message). */
export type Text = string | Message

export function msg(key: string, params?: Message['params']): Message {
  return params ? { key, params } : { key }
}

export function isMessage(v: unknown): v is Message {
  return !!v && typeof v === 'object' && typeof (v as Message).key === 'string'
}

/** The text of `m` in the current language (reactive: read inside a computed or a template, it follows a switch). */
export function render(m: Text): string {
  if (typeof m === 'string') return m
  if (!m.params) return t(m.key)
  const params: Record<string, string | number> = {}
  for (const [k, v] of Object.entries(m.params)) params[k] = isMessage(v) ? render(v) : v
  return t(m.key, params)
}

/**
 * A ref for a message shown by a view: set it to a `Message` (or a plain string, or null); read it as the text in the
 * current language.
 */
export function messageRef(initial: Text | null = null): WritableComputedRef<string | null, Text | null> {
  const stored = shallowRef<Text | null>(initial)
  return computed({
    get: () => (stored.value === null ? null : render(stored.value)),
    set: (v) => {
      stored.value = v
    },
  })
}

/** An error whose text is one of the app's messages: caught and shown, it is rendered in the language of the moment. */
export class MessageError extends Error {
  override name = 'MessageError'
  readonly text: Message

  constructor(text: Message) {
    super(render(text))
    this.text = text
  }
}
