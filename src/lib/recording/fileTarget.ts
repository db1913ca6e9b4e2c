/**
 * A mediabunny output target that writes straight to a file on disk (a file the person picked with the File System
 * Access API, or one in the origin private file system), so an export of any length never sits in memory.
 */
import { StreamTarget, type StreamTargetChunk } from 'mediabunny'

export interface FileTarget {
  target: StreamTarget
  /** Flushes and closes the file (call after the output is finalized). */
  close(): Promise<void>
  /** Drops what was written (a failed or cancelled export leaves no half file). */
  abort(): Promise<void>
}

export async function fileTarget(handle: FileSystemFileHandle): Promise<FileTarget> {
  const writable = await handle.createWritable({ keepExistingData: false })
  let failed: unknown = null
  const stream = new WritableStream<StreamTargetChunk>({
    async write(chunk) {
      try {
        await writable.write({ type: 'write', position: chunk.position, data: chunk.data as Uint8Array<ArrayBuffer> })
      } catch (err) {
        failed = err
        throw err
      }
    },
  })
  // Chunked writes (4 MB): few disk writes, and little held in memory at a time.
  const target = new StreamTarget(stream, { chunked: true, chunkSize: 4 * 1024 * 1024 })
  return {
    target,
    async close() {
      if (failed) throw failed instanceof Error ? failed : new Error(String(failed))
      await writable.close()
    },
    async abort() {
      await writable.abort().catch(() => undefined)
    },
  }
}

/**
 * A new, empty file in the origin private file system (`dir/name`), or null where there is none or it cannot be
 * written as a stream (Safari offers OPFS writes to workers only): the caller then keeps the output in memory.
 */
export async function privateFile(dir: string, name: string): Promise<FileSystemFileHandle | null> {
  try {
    if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) return null
    const root = await navigator.storage.getDirectory()
    const folder = await root.getDirectoryHandle(dir, { create: true })
    const handle = await folder.getFileHandle(name, { create: true })
    if (typeof handle.createWritable !== 'function') return null
    return handle
  } catch {
    return null
  }
}

/**
 * Deletes files in the private folder `dir` last written more than `olderThanMs` ago, except `keep`. Finished
 * recordings and exports live there until the gallery has its own copy and the page no longer shows them; an hour
 * is far past that.
 */
export async function prunePrivateFiles(dir: string, olderThanMs = 3_600_000, keep: ReadonlySet<string> = new Set()): Promise<void> {
  try {
    const root = await navigator.storage.getDirectory()
    const folder = await root.getDirectoryHandle(dir, { create: true })
    const now = Date.now()
    for await (const [name, h] of (folder as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      if (keep.has(name) || h.kind !== 'file') continue
      const file = await (h as FileSystemFileHandle).getFile()
      if (now - file.lastModified > olderThanMs) await folder.removeEntry(name).catch(() => undefined)
    }
  } catch {
    // No private file system, or a file in use: nothing to prune now.
  }
}
