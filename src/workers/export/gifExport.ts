/**
 * GIF export: frames are decoded with WebCodecs in one sequential pass (mediabunny's VideoSampleSink, no `<video>`
 * seeking), the one shown at each GIF frame's time is scaled to the asked width, and gif.js encodes them in its own
 * workers (gif.worker.js served from our build). (Asking mediabunny for the frame at each time instead, with
 * `canvasesAtTimestamps`, sometimes never got the last few from Firefox's VP8 decoder: the export hung at 24%.)
 * Progress: decoding and encoding are separate passes (gif.js starts only once it has every frame); their shares of
 * the bar are what they take on this kind of machine (decoding ~1/4, palette + LZW ~3/4).
 */
import { ALL_FORMATS, BlobSource, Input, VideoSampleSink, type VideoSample } from 'mediabunny'
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

/**
 * Rejects `stalled` when `kick()` has not been called for `ms` (each decoded frame and each encoder progress kicks
 * it): a decoder or encoder that stops answering fails the export with a message instead of hanging it.
 */
function stallWatch(ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined
  let fire: (err: Error) => void = () => undefined
  const stalled = new Promise<never>((_, reject) => (fire = reject))
  stalled.catch(() => undefined)
  const kick = () => {
    clearTimeout(timer)
    timer = setTimeout(() => fire(new ExportError('gifStalled', { s: ms / 1000 })), ms)
  }
  kick()
  return { stalled, kick, stop: () => clearTimeout(timer) }
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
    const watch = stallWatch(GIF_STALL_MS)
    // A cancel ends the wait for the decoder at once, even one that has stopped answering.
    const cancelled = new Promise<never>((_, reject) => job.signal?.addEventListener('abort', () => reject(abortError()), { once: true }))
    cancelled.catch(() => undefined)
    try {
      const scratch = new OffscreenCanvas(width, height)
      const ctx = scratch.getContext('2d', { willReadFrequently: true })!
      let i = 0
      // The frame on screen at the next GIF frame's time: the last one decoded that starts at or before it.
      let shown: VideoSample | null = null
      let drawn = false
      const addFramesBefore = (t: number) => {
        while (i < times.length && times[i]! < t) {
          if (shown && !drawn) {
            shown.drawWithFit(ctx, { fit: 'fill' })
            drawn = true
          }
          // Before the first frame, the canvas is blank; after the last, it repeats: the timing stays right.
          gif.addFrame(ctx.getImageData(0, 0, width, height), { delay: delays[i] })
          i++
          job.onProgress?.((i / times.length) * DECODE_SHARE)
        }
      }
      // From a second before the first GIF frame, so the frame shown at that time is among those decoded.
      const samples = new VideoSampleSink(video).samples(Math.max(first, (times[0] ?? first) - 1))
      let pending: Promise<IteratorResult<VideoSample, void>> | null = null
      try {
        if (job.signal?.aborted) throw abortError()
        for (;;) {
          pending = samples.next()
          const next = await Promise.race([pending, watch.stalled, cancelled])
          pending = null
          if (next.done) break
          const sample = next.value
          watch.kick()
          if (job.signal?.aborted) {
            sample.close()
            throw abortError()
          }
          addFramesBefore(sample.timestamp)
          shown?.close()
          shown = sample
          drawn = false
          if (i >= times.length) break
        }
        addFramesBefore(Infinity)
      } finally {
        shown?.close()
        // A frame that arrives after a cancel or a stall won the race is closed when it comes.
        pending?.then((r) => r.value?.close(), () => undefined)
        // Ends the decoder when the loop stopped early (all frames taken, a cancel, a stall); not awaited, since
        // a stalled generator may never answer.
        void samples.return(undefined).catch(() => undefined)
      }
      watch.kick()
      const data = await new Promise<Uint8Array>((resolve, reject) => {
        const fail = (err: Error) => {
          reject(err) // first: abort() emits 'abort', which would settle this as a cancel
          gif.abort()
        }
        watch.stalled.catch(fail)
        gif.on('progress', (p) => {
          watch.kick()
          job.onProgress?.(DECODE_SHARE + Math.min(0.99, p) * (1 - DECODE_SHARE))
        })
        gif.on('finished', (_blob, bytes) => resolve(bytes))
        gif.on('abort', () => reject(abortError()))
        if (job.signal?.aborted) return reject(abortError())
        gif.render()
        // gif.js spawns its workers in render() and never listens for their errors (a script that fails to load):
        // without this the export would wait for ever.
        const internals = gif as unknown as { freeWorkers?: Worker[]; activeWorkers?: Worker[] }
        for (const w of [...(internals.freeWorkers ?? []), ...(internals.activeWorkers ?? [])]) {
          w.addEventListener('error', (e) => fail(new ExportError('gifWorkerFailed', { detail: e.message || 'worker error' })), { once: true })
        }
      })
      job.onProgress?.(1)
      return { blob: new Blob([trimGifPadding(data) as Uint8Array<ArrayBuffer>], { type: 'image/gif' }), frames: i, width, height }
    } finally {
      watch.stop()
      job.signal?.removeEventListener('abort', onAbort)
      // gif.js keeps its idle workers forever; end them so each export leaves nothing running.
      const internals = gif as unknown as { freeWorkers?: Worker[]; activeWorkers?: Worker[] }
      for (const w of [...(internals.freeWorkers ?? []), ...(internals.activeWorkers ?? [])]) w.terminate()
    }
  } finally {
    input.dispose()
  }
}
