/** Call links: `/call/<room>` on this app's origin. */
import { ROOM_ID_PATTERN, type RoomId } from '../signaling/schema.ts'

export const CALL_PATH = '/call/'

export function isRoomId(x: string): boolean {
  return ROOM_ID_PATTERN.test(x)
}

/** The shareable link of `room` for an app served at `origin` + `base` (Vite's BASE_URL, '/' by default). */
export function callLink(origin: string, room: RoomId, base = '/'): string {
  return `${origin}${base.replace(/\/+$/, '')}${CALL_PATH}${room}`
}

/**
 * A room id from what someone pasted: a call link (any origin, with or without query or hash) or a bare room id.
 * Null when it is neither.
 */
export function parseRoomInput(input: string): RoomId | null {
  const text = input.trim()
  if (isRoomId(text)) return text
  let path: string
  try {
    path = new URL(text).pathname
  } catch {
    // Not a full URL: maybe a path such as "/call/abc…" or "call/abc…".
    path = text.split(/[?#]/)[0]!
  }
  const m = path.match(/(?:^|\/)call\/([^/]+)\/?$/)
  const candidate = m ? decodeURIComponent(m[1]!) : ''
  return isRoomId(candidate) ? candidate : null
}
