/**
 * The export worker's half of a GIF export: frames are decoded with WebCodecs in one sequential pass (mediabunny's
 * VideoSampleSink, no `<video>` seeking), the one shown at each GIF frame's time is scaled to the asked width, and
 * its pixels are handed on (transferred, not copied) to the page, where gif.js encodes them (gifExport.ts).
 * (Asking mediabunny for the frame at each time instead, with `canvasesAtTimestamps`, sometimes never got the last
 * few from Firefox's VP8 decoder: the export hung at 24%.)
 */
import { ALL_FORMATS, BlobSource, Input, VideoSampleSink, type VideoSample } from 'mediabunny'
import { gifDelays, gifFrameTimes, gifSize, normalizeGifOptions, type GifOptions } from '@/lib/recording/gifOptions'
import type { TrimRange } from '@/lib/recording/trim'
import { ExportError, abortError } from './exportErrors'
import { stallWatch } from './stallWatch'

/** One GIF frame: RGBA pixels at the GIF's size, and how long it shows (ms). */
export interface GifFrame {
  data: Uint8ClampedArray<ArrayBuffer>
  width: number
  height: number
  delay: number
}

export interface GifFramesJob {
  input: Blob
  options?: Partial<GifOptions>
  trim?: TrimRange | null
  signal?: AbortSignal
  /** Decoding progress, 0..1. */
  onProgress?: (p: number) => void
  /** Each frame in order; the receiver owns `data` (it may transfer it). */
  onFrame: (frame: GifFrame) => void
}

/**
 * A decoder that gives no frame for this long has stopped answering (decoding a frame takes milliseconds): the
 * export fails with a message instead of spinning for ever.
 */
export const DECODE_STALL_MS = 30_000

/** Decodes `job.input` into GIF frames; resolves with how many there were and their size. */
export async function decodeGifFrames(job: GifFramesJob): Promise<{ frames: number; width: number; height: number }> {
  const input = new Input({ source: new BlobSource(job.input), formats: ALL_FORMATS })
  const watch = stallWatch(DECODE_STALL_MS, () => new ExportError('gifStalled', { s: DECODE_STALL_MS / 1000 }))
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

    // A cancel ends the wait for the decoder at once, even one that has stopped answering.
    const cancelled = new Promise<never>((_, reject) => job.signal?.addEventListener('abort', () => reject(abortError()), { once: true }))
    cancelled.catch(() => undefined)
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
        job.onFrame({ data: ctx.getImageData(0, 0, width, height).data, width, height, delay: delays[i]! })
        i++
        job.onProgress?.(i / times.length)
      }
    }
    // From a second before the first GIF frame, so the frame shown at that time is among those decoded.
    const samples = new VideoSampleSink(video).samples(Math.max(first, (times[0] ?? first) - 1))
    let pending: Promise<IteratorResult<VideoSample, void>> | null = null
    // The stall is counted from the first frame asked for, not from the file's setup (a large file's index takes a while).
    watch.kick()
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
      pending?.then(
        (r) => r.value?.close(),
        () => undefined,
      )
      // Ends the decoder when the loop stopped early (all frames taken, a cancel, a stall); not awaited, since
      // a stalled generator may never answer.
      void samples.return(undefined).catch(() => undefined)
    }
    return { frames: i, width, height }
  } finally {
    watch.stop()
    input.dispose()
  }
}
