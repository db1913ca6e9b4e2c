/**
 * GIF export, driven from the page: the export worker decodes the recording and scales each GIF frame
 * (gifFrames.ts) and hands its pixels over; gif.js, here on the page, encodes them in its own workers (gif.worker.js
 * served from our build). The page only passes frames along (gif.js posts each to its workers as a copy, well under a
 * millisecond at 640 px) and joins the encoded pieces; decoding, scaling, palettes and LZW run off its main thread
 * (the export bench measures 0 long tasks).
 *
 * gif.js's workers are started from the page on purpose, not from the export worker. In Firefox (153 ESR, measured
 * in a standalone page) a worker that starts workers of its own in quick succession (two at a time, rounds 30 ms
 * apart) is stopped for good after 2 to 12 rounds, headless or not: its timers and messages stop and no error is
 * raised (with 1.5 s between rounds, 30 rounds passed). GIF exports hung at 25% in Firefox in CI with the stall
 * watch inside that worker silent too, which fits; five exports in a row with the old code passed here, so that hang
 * was rare. Starting gif.js's workers from the page takes the case away. (ffmpeg.wasm's multi-thread core starts 32
 * workers at once from its own worker, and stalls in Firefox in most loads: see ffmpegClient.ts.)
 *
 * Progress: decoding and encoding are separate passes (gif.js starts only once it has every frame); their shares of
 * the bar are what they take on this kind of machine (decoding ~1/4, palette + LZW ~3/4).
 */
import { normalizeGifOptions, trimGifPadding, type GifOptions } from '@/lib/recording/gifOptions'
import type { TrimRange } from '@/lib/recording/trim'
import { runExportJob } from './exportClient'
import { ExportError, abortError } from './exportErrors'
import { stallWatch } from './stallWatch'

export interface GifJob {
  input: Blob
  /** Absolute URL of gif.js's worker script. */
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

type GifInternals = { freeWorkers?: Worker[]; activeWorkers?: Worker[] }

export async function exportGif(job: GifJob): Promise<{ blob: Blob; frames: number; width: number; height: number }> {
  const { default: GIF } = await import('gif.js')
  // Quality, dither and workers; the width is fitted to the source by the export worker, which knows its size.
  const opts = normalizeGifOptions(job.options)
  // (Typed by a cast, not an annotation: it is assigned in a callback, which narrowing does not see.)
  let gif = null as InstanceType<typeof GIF> | null
  const workers = () => {
    const internals = gif as unknown as GifInternals | null
    return [...(internals?.freeWorkers ?? []), ...(internals?.activeWorkers ?? [])]
  }
  // A frame the page cannot take (gif.js or ImageData throwing) ends the decoding with that error.
  const decoding = new AbortController()
  const onCancel = () => decoding.abort()
  job.signal?.addEventListener('abort', onCancel, { once: true })
  if (job.signal?.aborted) decoding.abort()
  let frameError: unknown = null
  try {
    let decoded: { frames: number; width: number; height: number }
    try {
      decoded = await runExportJob(
        { kind: 'gif', input: job.input, trim: job.trim ?? null, gif: job.options },
        {
          signal: decoding.signal,
          onProgress: (p) => job.onProgress?.(p * DECODE_SHARE),
          onFrame: (f) => {
            if (frameError) return
            try {
              gif ??= new GIF({
                workers: opts.workers,
                quality: opts.quality,
                dither: opts.dither,
                width: f.width,
                height: f.height,
                workerScript: job.gifWorkerURL,
                repeat: 0,
              })
              gif.addFrame(new ImageData(f.data, f.width, f.height), { delay: f.delay })
            } catch (err) {
              frameError = err
              decoding.abort()
            }
          },
        },
      )
    } catch (err) {
      throw frameError ?? err
    } finally {
      job.signal?.removeEventListener('abort', onCancel)
    }
    if (frameError) throw frameError
    if (!gif || decoded.frames === 0) throw new ExportError('gifNoVideo')
    const encoder = gif
    const stopEncoder = () => encoder.abort()
    const watch = stallWatch(GIF_STALL_MS, () => new ExportError('gifStalled', { s: GIF_STALL_MS / 1000 }))
    try {
      const data = await new Promise<Uint8Array>((resolve, reject) => {
        const fail = (err: Error) => {
          reject(err) // first: abort() emits 'abort', which would settle this as a cancel
          encoder.abort()
        }
        watch.stalled.catch(fail)
        encoder.on('progress', (p) => {
          watch.kick()
          job.onProgress?.(DECODE_SHARE + Math.min(0.99, p) * (1 - DECODE_SHARE))
        })
        encoder.on('finished', (_blob, bytes) => resolve(bytes))
        encoder.on('abort', () => reject(abortError()))
        if (job.signal?.aborted) return reject(abortError())
        job.signal?.addEventListener('abort', stopEncoder, { once: true })
        encoder.render()
        // gif.js spawns its workers in render() and never listens for their errors (a script that fails to load):
        // without this the export would wait for ever.
        for (const w of workers()) {
          w.addEventListener('error', (e) => fail(new ExportError('gifWorkerFailed', { detail: e.message || 'worker error' })), {
            once: true,
          })
        }
      })
      job.onProgress?.(1)
      return { blob: new Blob([trimGifPadding(data) as Uint8Array<ArrayBuffer>], { type: 'image/gif' }), ...decoded }
    } finally {
      watch.stop()
      job.signal?.removeEventListener('abort', stopEncoder)
    }
  } finally {
    // gif.js keeps its idle workers forever; end them so each export leaves nothing running.
    for (const w of workers()) w.terminate()
  }
}
