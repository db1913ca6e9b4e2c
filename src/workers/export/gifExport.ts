/**
 * GIF export: frames are decoded with WebCodecs (mediabunny's CanvasSink, sequential decode, no `<video>` seeking),
 * scaled to the asked width, and encoded by gif.js in its own workers (gif.worker.js served from our build).
 * Progress: decoding and encoding are separate passes (gif.js starts only once it has every frame); their shares of
 * the bar are what they take on this kind of machine (decoding ~1/4, palette + LZW ~3/4).
 */
import { ALL_FORMATS, BlobSource, CanvasSink, Input } from 'mediabunny'
import { gifDelays, gifFrameTimes, gifSize, normalizeGifOptions, trimGifPadding, type GifOptions } from '@/lib/recording/gifOptions'
import type { TrimRange } from '@/lib/recording/trim'
import { ExportError } from './exportErrors'

export interface GifJob {
  input: Blob
  /** URL of gif.js's worker script (from the page's `virtual:media-assets`: workers have no Vite plugins). */
  gifWorkerURL: string
  options?: Partial<GifOptions>
  trim?: TrimRange | null
  signal?: AbortSignal
  onProgress?: (p: number) => void
}

const DECODE_SHARE = 0.25

/**
 * gif.js reports progress after every frame it encodes (tens of milliseconds each at 640 px); this long with none
 * means its workers are gone or stuck, and the export fails with a message instead of spinning for ever.
 */
export const GIF_STALL_MS = 30_000

function abortError(): DOMException {
  return new DOMException('The export was cancelled.', 'AbortError')
}

export async function exportGif(job: GifJob): Promise<{ blob: Blob; frames: number; width: number; height: number }> {
  const { default: GIF } = await import('gif.js')
  const input = new Input({ source: new BlobSource(job.input), formats: ALL_FORMATS })
  try {
    const video = await input.getPrimaryVideoTrack()
    if (!video) throw new ExportError('gifNoVideo')
    if (!(await video.canDecode())) throw new ExportError('gifCannotDecode')
    const srcW = await video.getDisplayWidth()
    const srcH = await video.getDisplayHeight()
    const opts = normalizeGifOptions(job.options, srcW)
    const { width, height } = gifSize(srcW, srcH, opts.width)
    const first = await video.getFirstTimestamp()
    const duration = await input.computeDuration()
    const times = gifFrameTimes(duration, opts.fps, job.trim ?? null).map((t) => Math.max(first, t))
    const delays = gifDelays(times.length, opts.fps)

    const gif = new GIF({
      workers: opts.workers,
      quality: opts.quality,
      dither: opts.dither,
      width,
      height,
      workerScript: job.gifWorkerURL,
      repeat: 0,
    })
    const onAbort = () => gif.abort()
    job.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const sink = new CanvasSink(video, { width, height, fit: 'fill', poolSize: 2 })
      const scratch = new OffscreenCanvas(width, height)
      const ctx = scratch.getContext('2d', { willReadFrequently: true })!
      let i = 0
      for await (const frame of sink.canvasesAtTimestamps(times)) {
        if (job.signal?.aborted) throw abortError()
        if (frame) {
          ctx.drawImage(frame.canvas, 0, 0)
        }
        // A missing frame (before the first one) repeats the last picture, so timing stays right.
        gif.addFrame(ctx.getImageData(0, 0, width, height), { delay: delays[i] })
        i++
        job.onProgress?.((i / times.length) * DECODE_SHARE)
      }
      let watchdog: ReturnType<typeof setTimeout> | undefined
      const data = await new Promise<Uint8Array>((resolve, reject) => {
        const fail = (err: Error) => {
          reject(err) // first: abort() emits 'abort', which would settle this as a cancel
          gif.abort()
        }
        const arm = () => {
          clearTimeout(watchdog)
          watchdog = setTimeout(() => fail(new ExportError('gifStalled', { s: GIF_STALL_MS / 1000 })), GIF_STALL_MS)
        }
        gif.on('progress', (p) => {
          arm()
          job.onProgress?.(DECODE_SHARE + Math.min(0.99, p) * (1 - DECODE_SHARE))
        })
        gif.on('finished', (_blob, bytes) => resolve(bytes))
        gif.on('abort', () => reject(abortError()))
        if (job.signal?.aborted) return reject(abortError())
        arm()
        gif.render()
        // gif.js spawns its workers in render() and never listens for their errors (a script that fails to load):
        // without this the export would wait for ever.
        const internals = gif as unknown as { freeWorkers?: Worker[]; activeWorkers?: Worker[] }
        for (const w of [...(internals.freeWorkers ?? []), ...(internals.activeWorkers ?? [])]) {
          w.addEventListener('error', (e) => fail(new ExportError('gifWorkerFailed', { detail: e.message || 'worker error' })), { once: true })
        }
      }).finally(() => clearTimeout(watchdog))
      job.onProgress?.(1)
      return { blob: new Blob([trimGifPadding(data) as Uint8Array<ArrayBuffer>], { type: 'image/gif' }), frames: i, width, height }
    } finally {
      job.signal?.removeEventListener('abort', onAbort)
      // gif.js keeps its idle workers forever; end them so each export leaves nothing running.
      const internals = gif as unknown as { freeWorkers?: Worker[]; activeWorkers?: Worker[] }
      for (const w of [...(internals.freeWorkers ?? []), ...(internals.activeWorkers ?? [])]) w.terminate()
    }
  } finally {
    input.dispose()
  }
}
