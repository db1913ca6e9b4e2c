/**
 * The export worker: every export step that touches pixels or packets (decode, scale, encode, mux) runs here or in
 * an encoder's own worker, off the page's main thread, so the page keeps drawing at full rate while a GIF or a video
 * exports. GIF frames are decoded and scaled here and handed to the page, which passes them to gif.js's workers
 * (started from the page: gifExport.ts says why). ffmpeg.wasm, for MP4 remux and as the fallback encoder, runs in its
 * own worker and is driven from the page. A `ping` is answered at once: the page's liveness watch (liveness.ts).
 */
/// <reference lib="webworker" />
import { mediaInfo } from '@/lib/recording/mediaInfo'
import type { ExportJob, FromWorker, JobResults, ToWorker } from './exportProtocol'
import { ExportError } from './exportErrors'
import { decodeGifFrames, type GifFrame } from './gifFrames'
import { exportWebm } from './webmExport'
import { transcodeMp4WebCodecs } from './webcodecsMp4'
import { fileTarget } from '@/lib/recording/fileTarget'

const scope = self as unknown as DedicatedWorkerGlobalScope
const running = new Map<number, AbortController>()

async function run(
  job: ExportJob,
  signal: AbortSignal,
  onProgress: (p: number) => void,
  onFrame: (frame: GifFrame) => void,
): Promise<JobResults[ExportJob['kind']]> {
  switch (job.kind) {
    case 'info':
      return mediaInfo(job.input)
    case 'gif':
      return decodeGifFrames({ input: job.input, options: job.gif, trim: job.trim, signal, onProgress, onFrame })
    case 'webm': {
      const out = job.out ? await fileTarget(job.out) : null
      try {
        const blob = await exportWebm({
          input: job.input,
          copyVideo: job.copyVideo,
          trim: job.trim,
          target: out?.target,
          signal,
          onProgress,
        })
        await out?.close()
        return { blob }
      } catch (err) {
        await out?.abort()
        throw err
      }
    }
    case 'mp4': {
      const out = job.out ? await fileTarget(job.out) : null
      try {
        const r = await transcodeMp4WebCodecs({
          input: job.input,
          hasAudio: job.hasAudio,
          trim: job.trim,
          encode: job.encode,
          target: out?.target,
          signal,
          onProgress,
        })
        await out?.close()
        return r
      } catch (err) {
        await out?.abort()
        throw err
      }
    }
  }
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data
  if (m.type === 'ping') return scope.postMessage({ type: 'pong' } satisfies FromWorker)
  if (m.type === 'cancel') {
    running.get(m.id)?.abort()
    return
  }
  const ac = new AbortController()
  running.set(m.id, ac)
  const post = (msg: FromWorker) => scope.postMessage(msg)
  // Progress at most every 50 ms: the page only redraws a bar.
  let lastPost = 0
  const onProgress = (p: number) => {
    const now = performance.now()
    if (now - lastPost < 50 && p < 1) return
    lastPost = now
    post({ type: 'progress', id: m.id, p })
  }
  const onFrame = (frame: GifFrame) => scope.postMessage({ type: 'frame', id: m.id, frame } satisfies FromWorker, [frame.data.buffer])
  run(m.job, ac.signal, onProgress, onFrame)
    .then((result) => post({ type: 'done', id: m.id, result }))
    .catch((err: unknown) => {
      const e = err instanceof Error || err instanceof DOMException ? err : new Error(String(err))
      const keyed = e instanceof ExportError ? { key: e.key, params: e.params } : {}
      post({ type: 'error', id: m.id, name: ac.signal.aborted ? 'AbortError' : e.name, message: e.message, ...keyed })
    })
    .finally(() => running.delete(m.id))
}
