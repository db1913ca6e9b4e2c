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
  // Chunked writes (16 MB): few, large disk writes; mediabunny keeps at most one chunk in memory.
  const target = new StreamTarget(stream, { chunked: true, chunkSize: 16 * 1024 * 1024 })
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
