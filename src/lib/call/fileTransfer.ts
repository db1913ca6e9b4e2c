/**
 * File transfer over an RTCDataChannel: the sender reads the file in slices, cuts them into chunks and keeps the
 * channel's send buffer between a low and a high water mark (`bufferedAmountLowThreshold` and the
 * `bufferedamountlow` event), so a 1 GB file never sits in memory on the sending side and the page stays
 * responsive; the receiver collects the chunks of one file at a time (the channel is ordered and reliable).
 * Written against a structural channel type so Node tests can drive it with a fake channel.
 */
import { t } from '@/i18n'
import { FILE_CHUNK_BYTES, type FileControl, type FileStart } from './dataProtocol.ts'

export interface ChannelLike {
  readonly readyState: string
  readonly bufferedAmount: number
  bufferedAmountLowThreshold: number
  send(data: string | ArrayBuffer): void
  addEventListener(type: 'bufferedamountlow' | 'close', listener: () => void): void
  removeEventListener(type: 'bufferedamountlow' | 'close', listener: () => void): void
}

export interface SendFileOptions {
  id: string
  name: string
  mime: string
  /** @default FILE_CHUNK_BYTES */
  chunkBytes?: number
  /** Stop queueing above this many buffered bytes. @default 1 MiB */
  highWaterBytes?: number
  /** Resume when the buffer drains to this. @default 256 KiB */
  lowWaterBytes?: number
  /** Bytes that left this browser (queued minus still buffered), after every chunk and drain. */
  onProgress?: (sentBytes: number) => void
  signal?: AbortSignal
}

export class TransferAborted extends Error {
  constructor(message: string = t('feedback.transferCancelled')) {
    super(message)
    this.name = 'TransferAborted'
  }
}

function control(channel: ChannelLike, message: FileControl): void {
  channel.send(JSON.stringify(message))
}

/** Resolves once `channel.bufferedAmount` is at most `low`; rejects if the channel closes or `signal` aborts. */
export function drained(channel: ChannelLike, low: number, signal?: AbortSignal): Promise<void> {
  if (channel.bufferedAmount <= low) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      channel.removeEventListener('bufferedamountlow', onLow)
      channel.removeEventListener('close', onClose)
      signal?.removeEventListener('abort', onAbort)
    }
    const onLow = () => {
      if (channel.bufferedAmount > low) return
      cleanup()
      resolve()
    }
    const onClose = () => {
      cleanup()
      reject(new TransferAborted(t('call.chat.closed')))
    }
    const onAbort = () => {
      cleanup()
      reject(new TransferAborted())
    }
    channel.addEventListener('bufferedamountlow', onLow)
    channel.addEventListener('close', onClose)
    signal?.addEventListener('abort', onAbort)
  })
}

/**
 * Sends `blob` as `file-start`, chunks, `file-end`. Resolves when every byte is handed to the channel; the
 * caller waits for the receiver's `file-ack` to call it delivered. Cancelling (`signal`) sends `file-cancel`.
 */
export async function sendFile(channel: ChannelLike, blob: Blob, options: SendFileOptions): Promise<void> {
  const chunk = options.chunkBytes ?? FILE_CHUNK_BYTES
  const high = options.highWaterBytes ?? 1024 * 1024
  const low = options.lowWaterBytes ?? 256 * 1024
  const slice = Math.max(chunk, Math.floor(high / chunk) * chunk)
  const { signal } = options
  channel.bufferedAmountLowThreshold = low
  const ensureOpen = () => {
    if (signal?.aborted) throw new TransferAborted()
    if (channel.readyState !== 'open') throw new TransferAborted(t('call.chat.closed'))
  }
  ensureOpen()
  const start: FileStart = { t: 'file-start', id: options.id, name: options.name, size: blob.size, mime: options.mime }
  control(channel, start)
  let queued = 0
  const report = () => options.onProgress?.(Math.max(0, queued - channel.bufferedAmount))
  try {
    for (let offset = 0; offset < blob.size; offset += slice) {
      // One read per slice (about the high water mark), cut into chunks: few reads, bounded memory.
      const bytes = await blob.slice(offset, Math.min(blob.size, offset + slice)).arrayBuffer()
      for (let at = 0; at < bytes.byteLength; at += chunk) {
        if (channel.bufferedAmount > high) {
          report()
          await drained(channel, low, signal)
        }
        ensureOpen()
        const part = bytes.slice(at, Math.min(bytes.byteLength, at + chunk))
        channel.send(part)
        queued += part.byteLength
      }
      report()
    }
    ensureOpen()
    control(channel, { t: 'file-end', id: options.id })
    report()
  } catch (err) {
    if (err instanceof TransferAborted && channel.readyState === 'open') {
      try {
        control(channel, { t: 'file-cancel', id: options.id })
      } catch {
        // the channel closed meanwhile; the other side notices that on its own
      }
    }
    throw err
  }
}

/** The receiving side of one file: chunks in, a Blob out once every byte is there. */
export class IncomingFile {
  readonly id: string
  readonly name: string
  readonly size: number
  readonly mime: string
  private parts: ArrayBuffer[] = []
  private bytes = 0

  constructor(start: FileStart) {
    this.id = start.id
    this.name = start.name
    this.size = start.size
    this.mime = start.mime
  }

  get received(): number {
    return this.bytes
  }

  get complete(): boolean {
    return this.bytes === this.size
  }

  /** Adds a chunk; false (and nothing kept) when it would go past the announced size. */
  push(chunk: ArrayBuffer): boolean {
    if (this.bytes + chunk.byteLength > this.size) return false
    this.parts.push(chunk)
    this.bytes += chunk.byteLength
    return true
  }

  toBlob(): Blob {
    const blob = new Blob(this.parts, { type: this.mime || 'application/octet-stream' })
    this.parts = []
    return blob
  }

  discard(): void {
    this.parts = []
  }
}
