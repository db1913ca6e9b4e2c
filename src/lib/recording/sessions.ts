/**
 * Which recordings in the chunk store are unfinished (no tab is recording them and the gallery has not taken them),
 * and the Web Lock a recorder holds while it runs. Light on purpose: the app lists sessions at start-up, and this
 * must not pull in the media library that finishing a recording needs (finalize.ts, loaded only to recover one).
 */
import { discardRecording, listSessions, type RecordingSession } from './chunkStore.ts'

export const LOCK_PREFIX = 'media-studio-recording:'
const activeHere = new Set<string>()

/** Sessions being recorded right now (by any tab), from the Web Locks the recorder holds while it runs. */
async function liveSessionIds(): Promise<Set<string>> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
  if (!locks) return new Set(activeHere)
  const state = await locks.query()
  const names = (state.held ?? []).map((l) => l.name ?? '')
  return new Set([...activeHere, ...names.filter((n) => n.startsWith(LOCK_PREFIX)).map((n) => n.slice(LOCK_PREFIX.length))])
}

/**
 * Marks a session as live for as long as `until` is pending (held as a Web Lock, so other tabs see it too and a
 * crashed tab releases it).
 */
export function holdLiveLock(id: string, until: Promise<unknown>): void {
  activeHere.add(id)
  const done = () => activeHere.delete(id)
  if (typeof navigator !== 'undefined' && navigator.locks) {
    void navigator.locks.request(LOCK_PREFIX + id, () => until.catch(() => undefined)).finally(done)
  } else {
    void until.catch(() => undefined).finally(done)
  }
}

export interface UnfinishedRecording extends RecordingSession {
  /** True when the tab died while recording; false for a stopped recording the gallery has not taken yet. */
  interrupted: boolean
}

/** Recordings in storage that no tab is recording and the gallery has not taken: offer them on app start. */
export async function listUnfinished(): Promise<UnfinishedRecording[]> {
  const live = await liveSessionIds()
  const sessions = (await listSessions()).filter((s) => !live.has(s.id))
  // A session that never got a chunk (the tab died in its first half second) holds nothing to recover.
  for (const s of sessions) if (s.chunks === 0) await discardRecording(s.id).catch(() => undefined)
  return sessions.filter((s) => s.chunks > 0).map((s) => ({ ...s, interrupted: s.state !== 'stopped' }))
}
