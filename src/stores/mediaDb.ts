import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import { MessageError, msg } from '@/i18n/message'

/**
 * The gallery's IndexedDB: metadata (with a small thumbnail) apart from the full blobs, so listing the
 * gallery never loads every photo or recording into memory. A save writes both in ONE transaction:
 * if the quota runs out, the transaction aborts and nothing is half-saved.
 */

export type MediaKind = 'photo' | 'recording'

export interface MediaItem {
  id: string
  kind: MediaKind
  name: string
  createdAt: number
  mime: string
  size: number
  width: number
  height: number
  /** Recordings only. */
  durationMs?: number
  /** The CSS filter a photo was taken with ('none' when unfiltered). */
  filter?: string
  thumb: Blob
}

interface MediaDbSchema extends DBSchema {
  items: { key: string; value: MediaItem; indexes: { createdAt: number } }
  blobs: { key: string; value: Blob }
}

export const DB_NAME = 'media-studio'
const DB_VERSION = 1

export class StorageFullError extends MessageError {
  override name = 'StorageFullError'
  constructor() {
    super(msg('gallery.storageFull'))
  }
}

let dbPromise: Promise<IDBPDatabase<MediaDbSchema>> | undefined

export function mediaDb(): Promise<IDBPDatabase<MediaDbSchema>> {
  dbPromise ??= openDB<MediaDbSchema>(DB_NAME, DB_VERSION, {
    upgrade(db) {
      const items = db.createObjectStore('items', { keyPath: 'id' })
      items.createIndex('createdAt', 'createdAt')
      db.createObjectStore('blobs')
    },
    blocking() {
      // A newer version of the app wants to upgrade: let it, this tab reopens on next use.
      void dbPromise?.then((db) => db.close())
      dbPromise = undefined
    },
  }).catch((err: unknown) => {
    dbPromise = undefined
    throw err
  })
  return dbPromise
}

function isQuotaError(err: unknown): boolean {
  return err instanceof DOMException && (err.name === 'QuotaExceededError' || err.code === 22)
}

export async function saveMedia(item: MediaItem, blob: Blob): Promise<void> {
  const db = await mediaDb()
  const tx = db.transaction(['items', 'blobs'], 'readwrite')
  try {
    await Promise.all([tx.objectStore('blobs').put(blob, item.id), tx.objectStore('items').put(item), tx.done])
  } catch (err) {
    try {
      tx.abort()
    } catch {
      // already aborted or finished: the transaction did not commit either way
    }
    if (isQuotaError(err) || isQuotaError(tx.error)) throw new StorageFullError()
    throw err
  }
}

/** Newest first. */
export async function listMedia(): Promise<MediaItem[]> {
  const db = await mediaDb()
  const items = await db.getAllFromIndex('items', 'createdAt')
  return items.reverse()
}

export async function loadBlob(id: string): Promise<Blob | undefined> {
  return (await mediaDb()).get('blobs', id)
}

export async function deleteMedia(ids: readonly string[]): Promise<void> {
  const db = await mediaDb()
  const tx = db.transaction(['items', 'blobs'], 'readwrite')
  await Promise.all([...ids.flatMap((id) => [tx.objectStore('items').delete(id), tx.objectStore('blobs').delete(id)]), tx.done])
}

export async function clearMedia(): Promise<void> {
  const db = await mediaDb()
  const tx = db.transaction(['items', 'blobs'], 'readwrite')
  await Promise.all([tx.objectStore('items').clear(), tx.objectStore('blobs').clear(), tx.done])
}

/** Changes an item's name (its file name on download); the blob is untouched. */
export async function renameMedia(id: string, name: string): Promise<void> {
  const db = await mediaDb()
  const tx = db.transaction('items', 'readwrite')
  const item = await tx.store.get(id)
  if (item) await tx.store.put({ ...item, name })
  await tx.done
}
