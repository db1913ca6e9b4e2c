import { onScopeDispose } from 'vue'
import { PEER_KEY_STORAGE_KEY } from '@/lib/signaling/client'
import { IN_CALL_KEY } from './useCall'

/**
 * One person, one seat, across the tabs of one browser. The seat (the peer key the server knows) lives in the tab's
 * sessionStorage, which only a duplicated tab inherits: a call link opened in a fresh tab would be a third person
 * ("This call is full") or, worse, a second copy of you. Tabs of the same browser therefore answer one question on a
 * BroadcastChannel: "who is in room X?". A tab that holds the seat answers with its peer key; the fresh tab shows
 * "You are in this call in another tab", and "Use this tab" takes the seat over with that key: the server then moves
 * the call here and tells the other tab it was replaced, exactly as for a duplicated tab. Nothing changes on the wire.
 */
export const SEAT_CHANNEL = 'media-studio:call-seat'
/** How long to wait for another tab's answer (same-browser messages arrive within milliseconds). */
const ANSWER_MS = 400

type SeatMessage = { type: 'who'; room: string; ask: string } | { type: 'here'; room: string; ask: string; key: string }

export function useCallSeat(options: { room: () => string; holding: () => boolean }) {
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(SEAT_CHANNEL) : null
  const waiting = new Map<string, (key: string | null) => void>()

  if (channel) {
    channel.onmessage = (e: MessageEvent<SeatMessage>) => {
      const m = e.data
      if (!m || m.room !== options.room()) return
      if (m.type === 'who' && options.holding()) {
        const key = sessionStorage.getItem(PEER_KEY_STORAGE_KEY)
        if (key) channel.postMessage({ type: 'here', room: m.room, ask: m.ask, key } satisfies SeatMessage)
      } else if (m.type === 'here') {
        waiting.get(m.ask)?.(m.key)
      }
    }
  }

  /** The peer key of another tab of this browser that is in the room now, or null. */
  function otherTab(): Promise<string | null> {
    if (!channel) return Promise.resolve(null)
    const ask = crypto.randomUUID()
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), ANSWER_MS)
      function done(key: string | null) {
        clearTimeout(timer)
        waiting.delete(ask)
        resolve(key)
      }
      waiting.set(ask, done)
      channel.postMessage({ type: 'who', room: options.room(), ask } satisfies SeatMessage)
    })
  }

  /** Makes this tab the holder of that seat: the call mounted next joins with it straight away. */
  function takeOver(key: string) {
    sessionStorage.setItem(PEER_KEY_STORAGE_KEY, key)
    sessionStorage.setItem(IN_CALL_KEY, options.room())
  }

  onScopeDispose(() => {
    waiting.forEach((done) => done(null))
    channel?.close()
  })

  return { otherTab, takeOver }
}
