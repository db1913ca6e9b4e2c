/**
 * What the two peers say to each other over their data channels, validated on arrival like signaling is (the
 * other side is another person's browser: never trust its shape). Two negotiated channels, made by both sides
 * with the same ids so neither waits for the other:
 * - `chat` (id 0): chat messages and each side's media state (muted, camera off, sharing), JSON text frames;
 * - `file` (id 1): file transfers, a JSON `file-start`, the bytes as binary frames in order, a JSON `file-end`.
 */
import '../zodCsp.ts'
import { z } from 'zod'

export const CHAT_CHANNEL = { label: 'chat', id: 0 } as const
export const FILE_CHANNEL = { label: 'file', id: 1 } as const

export const MAX_CHAT_LENGTH = 4000
/** Kept in memory until saved, so a limit a phone can hold. */
export const MAX_FILE_BYTES = 1024 * 1024 * 1024
/** 16 KiB: the size every browser's SCTP stack takes without fragmenting trouble. */
export const FILE_CHUNK_BYTES = 16 * 1024
/** Text frames are tiny; anything bigger is not ours. */
const MAX_TEXT_FRAME = 16 * 1024

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)

export const ChatMessage = z.strictObject({
  t: z.literal('chat'),
  id: Id,
  text: z.string().min(1).max(MAX_CHAT_LENGTH),
  /** Sender's clock, ms; shown as the sending time. */
  at: z.number().finite(),
})
export type ChatMessage = z.infer<typeof ChatMessage>

/** What the sender currently sends, so the other side can show "muted" or "camera off" instead of a frozen frame. */
export const PeerMediaState = z.strictObject({
  t: z.literal('state'),
  audio: z.boolean(),
  video: z.boolean(),
  screen: z.boolean(),
})
export type PeerMediaState = z.infer<typeof PeerMediaState>

export const ChatChannelMessage = z.discriminatedUnion('t', [ChatMessage, PeerMediaState])
export type ChatChannelMessage = z.infer<typeof ChatChannelMessage>

export const FileStart = z.strictObject({
  t: z.literal('file-start'),
  id: Id,
  name: z.string().min(1).max(255),
  size: z.number().int().min(0).max(MAX_FILE_BYTES),
  mime: z.string().max(255),
})
export type FileStart = z.infer<typeof FileStart>

export const FileControl = z.discriminatedUnion('t', [
  FileStart,
  /** Every byte of `id` was sent. */
  z.strictObject({ t: z.literal('file-end'), id: Id }),
  /** The receiver has every byte (the sender's progress reaches 100 % only then). */
  z.strictObject({ t: z.literal('file-ack'), id: Id }),
  /** Either side gives up on `id`. */
  z.strictObject({ t: z.literal('file-cancel'), id: Id }),
])
export type FileControl = z.infer<typeof FileControl>

/** Parses a text frame with `schema`; null for anything malformed (logged by the caller, never thrown). */
export function parseFrame<T>(schema: z.ZodType<T>, frame: string): T | null {
  if (frame.length > MAX_TEXT_FRAME) return null
  let json: unknown
  try {
    json = JSON.parse(frame)
  } catch {
    return null
  }
  const r = schema.safeParse(json)
  return r.success ? r.data : null
}

/**
 * A name safe to save under: no folders, no control or bidi characters, not empty, at most 255 characters.
 * (Browsers sanitize `download` names too; this keeps what the UI shows equal to what is saved.)
 */
export function safeFileName(name: string): string {
  const cleaned = name
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/[/\\:*?"<>|]/g, '_')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 255)
  return cleaned || 'file'
}
