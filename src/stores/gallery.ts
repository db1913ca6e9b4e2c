import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { clearMedia, deleteMedia, listMedia, loadBlob, renameMedia, saveMedia, StorageFullError, type MediaItem } from './mediaDb'
import { cleanFileName, extensionFor, timestampedName, uniqueName } from '@/lib/format'
import { MessageError, messageRef, msg } from '@/i18n/message'
import type { FinishedRecording } from '@/lib/recording/finalize'
import { discardRecording } from '@/lib/recording/chunkStore'

/** A dark 16:9 tile for a recording whose first frame could not be decoded. */
async function placeholderThumb(): Promise<Blob> {
  const c = new OffscreenCanvas(320, 180)
  const ctx = c.getContext('2d')!
  ctx.fillStyle = '#1f2937'
  ctx.fillRect(0, 0, 320, 180)
  return c.convertToBlob({ type: 'image/jpeg', quality: 0.8 })
}

/** Gallery metadata as plain data for the views; blobs stay in IndexedDB until someone opens one. */
export type GalleryItem = Omit<MediaItem, 'thumb'> & { thumbUrl: string }

export interface StorageUsage {
  /** Bytes of photos and recordings in the gallery. */
  gallery: number
  /** What the browser reports for this origin (all storage), when it can. */
  used?: number
  quota?: number
}

export const useGalleryStore = defineStore('gallery', () => {
  const items = ref<GalleryItem[]>([])
  const loaded = ref(false)
  // A message key, shown in the language of the moment.
  const error = messageRef()
  const usage = ref<StorageUsage>({ gallery: 0 })
  /**
   * Whether the browser keeps this site's data under storage pressure (navigator.storage.persisted()); null where
   * it cannot say. Asked for (persist()) when a recording is saved, since recordings are what eviction would lose.
   */
  const persisted = ref<boolean | null>(null)

  const photos = computed(() => items.value.filter((i) => i.kind === 'photo'))
  const recordings = computed(() => items.value.filter((i) => i.kind === 'recording'))

  function toGalleryItem({ thumb, ...meta }: MediaItem): GalleryItem {
    return { ...meta, thumbUrl: URL.createObjectURL(thumb) }
  }

  function release(list: readonly GalleryItem[]) {
    for (const i of list) URL.revokeObjectURL(i.thumbUrl)
  }

  async function refreshUsage() {
    const gallery = items.value.reduce((sum, i) => sum + i.size, 0)
    let used: number | undefined
    let quota: number | undefined
    try {
      const est = await navigator.storage?.estimate?.()
      used = est?.usage
      quota = est?.quota
    } catch {
      // estimate() is optional; the gallery's own total is still shown
    }
    usage.value = { gallery, used, quota }
  }

  async function refreshPersisted() {
    persisted.value = (await navigator.storage?.persisted?.().catch(() => null)) ?? null
  }

  /** Asks the browser to keep our data (once granted it stays); the answer shows in the Gallery's storage line. */
  async function askToPersist() {
    if (persisted.value === true || !navigator.storage?.persist) return
    persisted.value = await navigator.storage.persist().catch(() => false)
  }

  async function load() {
    try {
      const list = (await listMedia()).map(toGalleryItem)
      release(items.value)
      items.value = list
      loaded.value = true
      error.value = null
      await Promise.all([refreshUsage(), refreshPersisted()])
    } catch (err) {
      error.value = msg('gallery.openFailed', { reason: (err as Error).message })
    }
  }

  /** Saves atomically; on failure nothing is stored and the error says why. Returns the new item. */
  async function add(item: MediaItem, blob: Blob): Promise<GalleryItem> {
    // Two items taken in the same second get the same timestamp: the second becomes …-2, so each has its own name.
    const taken = loaded.value
      ? items.value.map((i) => i.name)
      : await listMedia().then(
          (l) => l.map((i) => i.name),
          () => [],
        )
    item = { ...item, name: uniqueName(item.name, taken) }
    try {
      await saveMedia(item, blob)
    } catch (err) {
      throw err instanceof StorageFullError ? err : new MessageError(msg('gallery.saveFailed', { reason: (err as Error).message }))
    }
    const gi = toGalleryItem(item)
    items.value = [gi, ...items.value]
    await refreshUsage()
    return gi
  }

  /**
   * A finished (or recovered) recording into the gallery. Its chunks stay in the recorder's store until the gallery
   * holds the file, so a failed save loses nothing and the recording is offered again on the next start.
   */
  async function addRecording(rec: FinishedRecording, createdAt = Date.now()): Promise<GalleryItem> {
    const item = await add(
      {
        id: rec.id,
        kind: 'recording',
        name: timestampedName('recording', new Date(createdAt), extensionFor(rec.mime)),
        createdAt,
        mime: rec.mime,
        size: rec.blob.size,
        width: rec.width,
        height: rec.height,
        durationMs: rec.durationMs,
        thumb: rec.thumb ?? (await placeholderThumb()),
      },
      rec.blob,
    )
    await discardRecording(rec.id).catch(() => {
      // Saved in the gallery; leftover chunks are only offered again, never lost.
    })
    // Not awaited: Firefox answers persist() only once the person has answered its permission prompt (in automation,
    // never), and the recording is saved whatever the answer; the storage line updates when it comes.
    void askToPersist()
    return item
  }

  async function remove(ids: readonly string[]) {
    await deleteMedia(ids)
    const gone = new Set(ids)
    release(items.value.filter((i) => gone.has(i.id)))
    items.value = items.value.filter((i) => !gone.has(i.id))
    await refreshUsage()
  }

  async function removeAll() {
    await clearMedia()
    release(items.value)
    items.value = []
    await refreshUsage()
  }

  /** Renames an item (its download name); the extension stays. Returns the new name, or null when the typed name is unusable. */
  async function rename(id: string, typed: string): Promise<string | null> {
    const item = items.value.find((i) => i.id === id)
    if (!item) return null
    const clean = cleanFileName(typed, item.name)
    if (!clean) return null
    if (clean === item.name) return clean
    const name = uniqueName(
      clean,
      items.value.filter((i) => i.id !== id).map((i) => i.name),
    )
    await renameMedia(id, name)
    items.value = items.value.map((i) => (i.id === id ? { ...i, name } : i))
    return name
  }

  async function blobOf(id: string): Promise<Blob> {
    const blob = await loadBlob(id)
    if (!blob) throw new MessageError(msg('gallery.gone'))
    return blob
  }

  async function download(id: string) {
    const item = items.value.find((i) => i.id === id)
    const blob = await blobOf(id)
    const url = URL.createObjectURL(blob)
    const a = document.createElement('a')
    a.href = url
    a.download = item?.name ?? `media-studio-${id}.${extensionFor(blob.type)}`
    a.click()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  }

  return {
    items,
    photos,
    recordings,
    loaded,
    error,
    usage,
    persisted,
    load,
    add,
    addRecording,
    remove,
    removeAll,
    rename,
    blobOf,
    download,
    refreshUsage,
  }
})
