/**
 * Test page for the recording engine: the real composables and exporters, driven from Playwright through
 * `window.harness`. Nothing here is test-only logic beyond picking sources and moving bytes back to Node.
 */
import { effectScope, shallowRef } from 'vue'
import { useRecorder, type UseRecorderOptions, type UseRecorderReturn } from '@/composables/useRecorder'
import { useMixedAudio } from '@/composables/useMixedAudio'
import { usePipCompositor } from '@/composables/usePipCompositor'
import { listUnfinished, recover, type FinishedRecording } from '@/lib/recording/finalize'
import { appendChunk, createSession, discardRecording, newRecordingId, updateSession } from '@/lib/recording/chunkStore'
import { finalizeRecording } from '@/lib/recording/finalize'
import { privateFile } from '@/lib/recording/fileTarget'
import { exportRecording, type ExportFormat, type Mp4Engine } from '@/workers/export/exportRecording'
import type { Mp4Settings } from '@/lib/recording/exportSettings'
import type { GifOptions } from '@/lib/recording/gifOptions'
import { probeBrowserFormat } from '@/lib/recording/browserProbe'

export type Source = 'screen' | 'camera' | 'pip' | 'camera-mixed' | 'late'

const LATE_SOURCE_MS = 1000
const recordings = new Map<string, FinishedRecording>()
const exports = new Map<string, Blob>()
let current: { rec: UseRecorderReturn; stream: MediaStream; cleanup: () => void } | null = null

/**
 * The export workers (exportClient.ts names its worker 'export') a test has frozen: to
 * simulate a worker whose event loop stopped (as Firefox does to a worker that starts workers in quick succession),
 * nothing more goes in or comes out of it. The only test-only hook here, installed before any export runs.
 */
const frozen = new WeakSet<Worker>()
/** Set by an export that asks for it: the export worker freezes at its first message to the page from then on. */
let freezeAtNextMessage = false
{
  const Native = window.Worker
  class WatchedWorker extends Native {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options)
      if (options?.name !== 'export') return
      // Registered before the page's own onmessage, so it can keep a frozen worker's messages from it.
      this.addEventListener('message', (e) => {
        if (freezeAtNextMessage) {
          freezeAtNextMessage = false
          frozen.add(this)
        }
        if (frozen.has(this)) e.stopImmediatePropagation()
      })
    }
    override postMessage(message: unknown, options?: StructuredSerializeOptions | Transferable[]) {
      if (frozen.has(this)) return
      if (Array.isArray(options)) super.postMessage(message, options)
      else super.postMessage(message, options)
    }
  }
  window.Worker = WatchedWorker
}

/** A source's stream, and what the recorder awaits before it starts (the Record view passes its mixer's `flowing`). */
async function openSource(source: Source): Promise<{ stream: MediaStream; cleanup: () => void; ready?: UseRecorderOptions['ready'] }> {
  if (source === 'screen') {
    const s = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 30 }, audio: true })
    return { stream: s, cleanup: () => s.getTracks().forEach((t) => t.stop()) }
  }
  if (source === 'camera') {
    const s = await navigator.mediaDevices.getUserMedia({ video: true, audio: true })
    return { stream: s, cleanup: () => s.getTracks().forEach((t) => t.stop()) }
  }
  if (source === 'late') {
    // A picture that begins LATE_SOURCE_MS after the source opens (what a compositor or background worker that is
    // still starting gives): a canvas stream, drawn at 30 fps from then on, with no frame before.
    const canvas = document.createElement('canvas')
    canvas.width = 320
    canvas.height = 240
    const ctx = canvas.getContext('2d')!
    const s = canvas.captureStream(30)
    let n = 0
    let timer: ReturnType<typeof setInterval> | undefined
    const begin = setTimeout(() => {
      timer = setInterval(() => {
        ctx.fillStyle = `hsl(${(n++ * 7) % 360} 80% 50%)`
        ctx.fillRect(0, 0, canvas.width, canvas.height)
      }, 1000 / 30)
    }, LATE_SOURCE_MS)
    return { stream: s, cleanup: () => (clearTimeout(begin), clearInterval(timer), s.getTracks().forEach((t) => t.stop())) }
  }
  // Screen + camera bubble + mixed audio: the compositor and the mixer, as the Record view wires them.
  const screen = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 30 }, audio: true })
  const cam = await navigator.mediaDevices.getUserMedia({ video: true, audio: true })
  const scope = effectScope()
  const out = scope.run(() => {
    const screenTrack = shallowRef<MediaStreamTrack | null>(screen.getVideoTracks()[0] ?? null)
    const camTrack = shallowRef<MediaStreamTrack | null>(source === 'pip' ? (cam.getVideoTracks()[0] ?? null) : null)
    const pip = usePipCompositor({ screen: screenTrack, camera: camTrack, corner: 'bottom-right', size: 0.25, shape: 'round', fps: 30 })
    const mix = useMixedAudio({ sources: { screen: screen.getAudioTracks()[0] ?? null, mic: cam.getAudioTracks()[0] ?? null } })
    return { pip, mix }
  })!
  await out.pip.ready
  const stream = new MediaStream([out.pip.track.value!, ...(out.mix.track.value ? [out.mix.track.value] : [])])
  return {
    stream,
    ready: (ms, signal) => out.mix.flowing(ms, signal),
    cleanup: () => {
      scope.stop()
      screen.getTracks().forEach((t) => t.stop())
      cam.getTracks().forEach((t) => t.stop())
    },
  }
}

function summary(r: FinishedRecording) {
  return {
    id: r.id,
    durationMs: r.durationMs,
    size: r.size,
    mime: r.mime,
    recorderMime: r.recorderMime,
    width: r.width,
    height: r.height,
    chunks: r.chunks,
    thumb: r.thumb?.size ?? 0,
  }
}

export interface ExportOk {
  ok: true
  key: string
  size: number
  estimateBytes: number | null
  path: string
  engine: string
  mime: string
  /** The result is a file on disk (read on demand), not bytes in memory. */
  onDisk: boolean
  elapsedMs: number
  mediaSeconds: number
  width: number
  height: number
  /** Progress callbacks seen, the last value, and whether it never went back. */
  progress: number
  lastProgress: number
  monotonic: boolean
  /** Main-thread long tasks (over 50 ms) seen during the export, and the longest (ms). */
  longTasks: number
  longestTaskMs: number
  /** requestAnimationFrame callbacks per second on this page during the export, and the longest gap between two (ms). */
  rafFps: number
  rafMaxGapMs: number
}

export interface ExportFailed {
  ok: false
  error: string
  aborted: boolean
  progress: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Watches the main thread while an export runs: long tasks (PerformanceObserver) and the page's own rAF rate. */
function watchMainThread() {
  const tasks: number[] = []
  const obs = new PerformanceObserver((list) => list.getEntries().forEach((e) => tasks.push(e.duration)))
  obs.observe({ type: 'longtask' })
  let frames = 0
  let maxGap = 0
  let prev = performance.now()
  const t0 = prev
  let raf = requestAnimationFrame(function tick(now) {
    frames++
    maxGap = Math.max(maxGap, now - prev)
    prev = now
    raf = requestAnimationFrame(tick)
  })
  return {
    async stop() {
      // Long-task entries are delivered asynchronously: give the observer a frame to report the last ones.
      await new Promise((r) => setTimeout(r, 100))
      cancelAnimationFrame(raf)
      obs.disconnect()
      const seconds = (performance.now() - t0) / 1000
      return {
        longTasks: tasks.length,
        longestTaskMs: Math.round(Math.max(0, ...tasks)),
        rafFps: Math.round((frames / seconds) * 10) / 10,
        rafMaxGapMs: Math.round(maxGap),
      }
    },
  }
}

const harness = {
  async probe() {
    return (await probeBrowserFormat(true)).tried
  },
  /** Starts recording and returns at once (the crash test closes the page after this). */
  async startRecording(source: Source, opts: { mimeType?: string } = {}) {
    const { stream, cleanup, ready } = await openSource(source)
    const scope = effectScope()
    const rec = scope.run(() => useRecorder({ stream, countdownS: 0, mimeType: opts.mimeType, label: source, ready }))!
    await rec.start()
    if (rec.error.value) throw new Error(rec.error.value)
    current = { rec, stream, cleanup: () => (scope.stop(), cleanup()) }
    return { id: rec.recordingId.value!, mime: rec.format.value?.mimeType }
  },
  status() {
    const r = current?.rec
    return (
      r && {
        state: r.state.value,
        elapsedMs: r.elapsedMs.value,
        bytes: r.bytes.value,
        error: r.error.value,
        notice: r.notice.value,
        stopReason: r.stopReason.value,
      }
    )
  },
  pause: () => current?.rec.pause(),
  resume: () => current?.rec.resume(),
  /** Ends the source the way the browser's "Stop sharing" does. */
  endSource() {
    current?.stream.getVideoTracks().forEach((t) => {
      t.stop()
      t.dispatchEvent(new Event('ended'))
    })
  },
  async stopRecording() {
    const c = current!
    const r = (await c.rec.stop()) ?? c.rec.result.value
    c.cleanup()
    current = null
    if (!r) throw new Error(c.rec.error.value ?? 'no result')
    recordings.set(r.id, r)
    // What the recorder's own clock counted (the REC counter), beside the file's duration.
    return { ...summary(r), recordedMs: c.rec.elapsedMs.value }
  },
  /** Waits for the current recording to finish by itself (source ended, a limit). */
  async waitFinished(timeoutMs = 15000) {
    const c = current!
    const t0 = performance.now()
    while (!c.rec.result.value && performance.now() - t0 < timeoutMs) await sleep(100)
    const r = c.rec.result.value
    c.cleanup()
    current = null
    if (!r) throw new Error(c.rec.error.value ?? 'recording did not finish')
    recordings.set(r.id, r)
    return { ...summary(r), stopReason: c.rec.stopReason.value, notice: c.rec.notice.value }
  },
  /** Records for `ms` of recorded time; `pause` pauses for `pause.forMs` after `pause.atMs`. */
  async record(source: Source, ms: number, opts: { mimeType?: string; pause?: { atMs: number; forMs: number } } = {}) {
    await harness.startRecording(source, opts)
    if (opts.pause) {
      await sleep(opts.pause.atMs)
      harness.pause()
      await sleep(opts.pause.forMs)
      harness.resume()
      await sleep(ms - opts.pause.atMs)
    } else await sleep(ms)
    return harness.stopRecording()
  },
  /**
   * Puts a recording made elsewhere (native ffmpeg, served at `url`) into the chunk store as MediaRecorder would
   * have, `chunkBytes` at a time. Finish it with `finish(id)`.
   */
  async injectRecording(url: string, mimeType: string, chunkBytes = 4 * 1024 * 1024) {
    const id = newRecordingId()
    await createSession({ id, mimeType, startedAt: Date.now(), width: null, height: null, label: 'injected' })
    // The browser keeps a large download's bytes in its blob store (spilled to disk), not in this page.
    const file = await (await fetch(url)).blob()
    let seq = 0
    for (let at = 0; at < file.size; at += chunkBytes) await appendChunk(id, seq++, file.slice(at, at + chunkBytes), { elapsedMs: 0 })
    await updateSession(id, { state: 'stopped' })
    return { id, chunks: seq }
  },
  /** Reads every byte of a stored recording's chunks (diagnostics). */
  async readStored(id: string) {
    const { readChunks } = await import('@/lib/recording/chunkStore')
    const { blob } = await readChunks(id)
    const r = blob.stream().getReader()
    let n = 0
    try {
      for (;;) {
        const { done, value } = await r.read()
        if (done) break
        n += value.byteLength
      }
      return { n, size: blob.size }
    } catch (e) {
      return { n, size: blob.size, error: String(e) }
    }
  },
  /** Finishes a stored recording with the app's finalize (as useRecorder does on stop). */
  async finish(id: string) {
    const t0 = performance.now()
    const r = await finalizeRecording(id)
    recordings.set(r.id, r)
    return { ...summary(r), finishMs: performance.now() - t0, onDisk: r.blob instanceof File }
  },
  async listUnfinished() {
    return listUnfinished()
  },
  async recover(id: string) {
    const r = await recover(id)
    recordings.set(r.id, r)
    return summary(r)
  },
  async discard(id: string) {
    await discardRecording(id)
    recordings.delete(id)
  },
  async loadFfmpeg() {
    const { loadFfmpeg } = await import('@/workers/export/ffmpegClient')
    const { info } = await loadFfmpeg()
    return info
  },
  async exportTo(
    id: string,
    format: ExportFormat,
    opts: {
      trim?: { startS: number; endS: number | null }
      gif?: Partial<GifOptions>
      mp4?: Partial<Mp4Settings>
      engine?: Mp4Engine
      cancelAfterMs?: number
      /**
       * Freeze the export worker (see `frozen`) at its first answer to this export, so the job has begun and
       * cannot finish (a timer could fire before the job reached the worker, or after the worker's part was done).
       */
      freezeWorker?: boolean
      /** Write the export to a file in the origin private file system as it is made. */
      toDisk?: boolean
    } = {},
  ): Promise<ExportOk | ExportFailed> {
    const r = recordings.get(id)
    if (!r) throw new Error(`no recording ${id}`)
    const ac = new AbortController()
    const progress: number[] = []
    if (opts.cancelAfterMs !== undefined) setTimeout(() => ac.abort(), opts.cancelAfterMs)
    freezeAtNextMessage = opts.freezeWorker === true
    const watch = watchMainThread()
    try {
      const out = opts.toDisk ? ((await privateFile('exports', `${id}.${format}`)) ?? undefined) : undefined
      if (opts.toDisk && !out) throw new Error('no private file system here')
      const res = await exportRecording({
        input: r.blob,
        format,
        trim: opts.trim,
        gif: opts.gif,
        mp4: opts.mp4,
        mp4Engine: opts.engine,
        out,
        signal: ac.signal,
        onProgress: (p) => progress.push(p),
      })
      const key = `${id}.${format}`
      exports.set(key, res.blob)
      return {
        ok: true,
        key,
        size: res.size,
        estimateBytes: res.estimateBytes,
        path: res.path,
        engine: res.engine,
        mime: res.mime,
        onDisk: res.blob instanceof File,
        elapsedMs: res.elapsedMs,
        mediaSeconds: res.mediaSeconds,
        width: res.width,
        height: res.height,
        progress: progress.length,
        lastProgress: progress.at(-1) ?? 0,
        monotonic: progress.every((p, i) => i === 0 || p >= progress[i - 1]!),
        ...(await watch.stop()),
      }
    } catch (err) {
      await watch.stop()
      return {
        ok: false,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        aborted: ac.signal.aborted,
        progress: progress.length,
      }
    } finally {
      freezeAtNextMessage = false
    }
  },
  /** A GIF export whose gif.js worker script is `workerURL` (one that does not load, to see the export say so). */
  async gifWithWorker(id: string, workerURL: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const r = recordings.get(id)
    if (!r) throw new Error(`no recording ${id}`)
    const { exportGif } = await import('@/workers/export/gifExport')
    try {
      await exportGif({ input: r.blob, gifWorkerURL: new URL(workerURL, location.href).href, options: { width: 160, fps: 5 } })
      return { ok: true }
    } catch (err) {
      return { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }
    }
  },
  /** Bytes of a recording (key = id) or an export (key = id.format), base64, for checks with ffprobe in Node. */
  async bytes(key: string): Promise<string> {
    const blob = exports.get(key) ?? recordings.get(key)?.blob
    if (!blob) throw new Error(`no blob ${key}`)
    const buf = new Uint8Array(await blob.arrayBuffer())
    let s = ''
    for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000))
    return btoa(s)
  },
  dropExport(key: string) {
    exports.delete(key)
  },
  crossOriginIsolated: () => globalThis.crossOriginIsolated === true,
}

declare global {
  interface Window {
    harness: typeof harness
  }
}
window.harness = harness
document.title = 'recording harness ready'
