/**
 * Where a recording lives while it is being made: every MediaRecorder chunk is written to IndexedDB as it arrives,
 * so a closed or crashed tab loses at most the chunk in flight (one timeslice).
 *
 * Its own database ('media-studio-recordings'), apart from the gallery's 'media-studio', so the two schemas are
 * versioned independently. A session stays here until `discardRecording(id)`: the gallery calls that only after it
 * has saved the finished file, so a failed save (or a failed export) never loses the recording.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import { msg, render, type Message } from '@/i18n/message'

export const RECORDINGS_DB = 'media-studio-recordings'
const DB_VERSION = 1

export type SessionState = 'recording' | 'paused' | 'stopped'

export interface RecordingSession {
  id: string
  /** The mime type MediaRecorder reported. */
  mimeType: string
  startedAt: number
  /** Last time a chunk was stored (ms since epoch); a session still 'recording' long after that was interrupted. */
  updatedAt: number
  state: SessionState
  /** Chunks and bytes stored so far. */
  chunks: number
  bytes: number
  /** Recorded time (pauses excluded) when the last chunk arrived. */
  elapsedMs: number
  width: number | null
  height: number | null
  /** Free text from the app: source kind ('screen', 'camera', 'pip'), a title. */
  label?: string
}

interface RecordingsSchema extends DBSchema {
  sessions: { key: string; value: RecordingSession; indexes: { byStart: number } }
  chunks: { key: [string, number]; value: { id: string; seq: number; data: Blob } }
}

let dbPromise: Promise<IDBPDatabase<RecordingsSchema>> | null = null

function db(): Promise<IDBPDatabase<RecordingsSchema>> {
  dbPromise ??= openDB<RecordingsSchema>(RECORDINGS_DB, DB_VERSION, {
    upgrade(d) {
      const sessions = d.createObjectStore('sessions', { keyPath: 'id' })
      sessions.createIndex('byStart', 'startedAt')
      d.createObjectStore('chunks', { keyPath: ['id', 'seq'] })
    },
    blocking() {
      // Another tab wants a newer schema: let it, we reopen on next use.
      void dbPromise?.then((x) => x.close())
      dbPromise = null
    },
  })
  return dbPromise
}

/** Storage errors turned into words (QuotaExceededError is the one people meet: the disk is full). */
export function describeStorageError(err: unknown): Message {
  const name = err && typeof err === 'object' && 'name' in err ? String((err as { name: unknown }).name) : ''
  if (name === 'QuotaExceededError') {
    return msg('feedback.recorder.storageFull')
  }
  if (name === 'InvalidStateError' || name === 'UnknownError') {
    return msg('feedback.recorder.storageFailed')
  }
  return msg('feedback.recorder.saveFailed', { reason: err instanceof Error ? err.message : String(err) })
}

export function newRecordingId(): string {
  return `rec-${Date.now().toString(36)}-${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}`
}

export async function createSession(
  s: Omit<RecordingSession, 'updatedAt' | 'chunks' | 'bytes' | 'elapsedMs' | 'state'>,
): Promise<RecordingSession> {
  const session: RecordingSession = { ...s, updatedAt: Date.now(), chunks: 0, bytes: 0, elapsedMs: 0, state: 'recording' }
  await (await db()).put('sessions', session)
  return session
}

/**
 * Stores chunk `seq` and the session's new totals in one transaction: either both are on disk or neither is.
 * Call in order (seq 0, 1, 2, ...); the recorder chains these promises.
 */
export async function appendChunk(id: string, seq: number, data: Blob, update: { elapsedMs: number; state?: SessionState }): Promise<void> {
  const d = await db()
  const tx = d.transaction(['sessions', 'chunks'], 'readwrite')
  const sessions = tx.objectStore('sessions')
  const session = await sessions.get(id)
  if (!session) {
    tx.abort()
    throw new Error(render(msg('feedback.recorder.discarded', { id })))
  }
  await tx.objectStore('chunks').put({ id, seq, data })
  session.chunks = Math.max(session.chunks, seq + 1)
  session.bytes += data.size
  session.elapsedMs = update.elapsedMs
  session.updatedAt = Date.now()
  if (update.state) session.state = update.state
  await sessions.put(session)
  await tx.done
}

export async function updateSession(id: string, patch: Partial<Omit<RecordingSession, 'id'>>): Promise<void> {
  const d = await db()
  const tx = d.transaction('sessions', 'readwrite')
  const session = await tx.store.get(id)
  if (session) await tx.store.put({ ...session, ...patch, updatedAt: Date.now() })
  await tx.done
}

export async function getSession(id: string): Promise<RecordingSession | undefined> {
  return (await db()).get('sessions', id)
}

/** Every session still held, oldest first: interrupted ones and finished ones the gallery has not taken yet. */
export async function listSessions(): Promise<RecordingSession[]> {
  return (await db()).getAllFromIndex('sessions', 'byStart')
}

/**
 * The chunks of a recording, in order, as one Blob. Blobs from IndexedDB are file-backed: concatenating them does
 * not read the bytes into memory.
 */
export async function readChunks(id: string): Promise<{ blob: Blob; chunks: number }> {
  const d = await db()
  const rows = await d.getAll('chunks', IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]))
  rows.sort((a, b) => a.seq - b.seq)
  // Stop at a gap: a chunk after a missing one cannot be appended to a valid stream.
  const parts: Blob[] = []
  for (let i = 0; i < rows.length && rows[i]!.seq === i; i++) parts.push(rows[i]!.data)
  return { blob: new Blob(parts), chunks: parts.length }
}

/** Deletes a recording's chunks and session. The gallery calls this once the finished file is saved there. */
export async function discardRecording(id: string): Promise<void> {
  const d = await db()
  const tx = d.transaction(['sessions', 'chunks'], 'readwrite')
  await tx.objectStore('chunks').delete(IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]))
  await tx.objectStore('sessions').delete(id)
  await tx.done
}

/** Closes the connection (tests, and before deleting the database). */
export async function closeChunkStore(): Promise<void> {
  const p = dbPromise
  dbPromise = null
  if (p) (await p).close()
}
