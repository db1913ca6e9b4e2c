/**
 * Test page for the recording engine: the real composables and exporters, driven from Playwright through
 * `window.harness`. Nothing here is test-only logic beyond picking sources and moving bytes back to Node.
 */
import { effectScope, shallowRef } from 'vue'
import { useRecorder, type UseRecorderReturn } from '@/composables/useRecorder'
import { useMixedAudio } from '@/composables/useMixedAudio'
import { usePipCompositor } from '@/composables/usePipCompositor'
import { listUnfinished, recover, type FinishedRecording } from '@/lib/recording/finalize'
import { discardRecording } from '@/lib/recording/chunkStore'
import { exportRecording, type ExportFormat } from '@/workers/export/exportRecording'
import type { GifOptions } from '@/lib/recording/gifOptions'
import { probeBrowserFormat } from '@/lib/recording/browserProbe'

export type Source = 'screen' | 'camera' | 'pip' | 'camera-mixed'

const recordings = new Map<string, FinishedRecording>()
const exports = new Map<string, Blob>()
let current: { rec: UseRecorderReturn; stream: MediaStream; cleanup: () => void } | null = null

async function openSource(source: Source): Promise<{ stream: MediaStream; cleanup: () => void }> {
  if (source === 'screen') {
    const s = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 30 }, audio: true })
    return { stream: s, cleanup: () => s.getTracks().forEach((t) => t.stop()) }
  }
  if (source === 'camera') {
    const s = await navigator.mediaDevices.getUserMedia({ video: true, audio: true })
    return { stream: s, cleanup: () => s.getTracks().forEach((t) => t.stop()) }
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
    cleanup: () => {
      scope.stop()
      screen.getTracks().forEach((t) => t.stop())
      cam.getTracks().forEach((t) => t.stop())
    },
  }
}

function summary(r: FinishedRecording) {
  return { id: r.id, durationMs: r.durationMs, size: r.size, mime: r.mime, recorderMime: r.recorderMime, width: r.width, height: r.height, chunks: r.chunks, thumb: r.thumb?.size ?? 0 }
}

export interface ExportOk {
  ok: true
  key: string
  size: number
  path: string
  mime: string
  elapsedMs: number
  mediaSeconds: number
  width: number
  height: number
  /** Progress callbacks seen, the last value, and whether it never went back. */
  progress: number
  lastProgress: number
  monotonic: boolean
}

export interface ExportFailed {
  ok: false
  error: string
  aborted: boolean
  progress: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const harness = {
  async probe() {
    return (await probeBrowserFormat(true)).tried
  },
  /** Starts recording and returns at once (the crash test closes the page after this). */
  async startRecording(source: Source, opts: { mimeType?: string } = {}) {
    const { stream, cleanup } = await openSource(source)
    const scope = effectScope()
    const rec = scope.run(() => useRecorder({ stream, countdownS: 0, mimeType: opts.mimeType, label: source }))!
    await rec.start()
    if (rec.error.value) throw new Error(rec.error.value)
    current = { rec, stream, cleanup: () => (scope.stop(), cleanup()) }
    return { id: rec.recordingId.value!, mime: rec.format.value?.mimeType }
  },
  status() {
    const r = current?.rec
    return r && { state: r.state.value, elapsedMs: r.elapsedMs.value, bytes: r.bytes.value, error: r.error.value, notice: r.notice.value, stopReason: r.stopReason.value }
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
    return summary(r)
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
  async exportTo(id: string, format: ExportFormat, opts: { trim?: { startS: number; endS: number | null }; gif?: Partial<GifOptions>; cancelAfterMs?: number } = {}): Promise<ExportOk | ExportFailed> {
    const r = recordings.get(id)
    if (!r) throw new Error(`no recording ${id}`)
    const ac = new AbortController()
    const progress: number[] = []
    if (opts.cancelAfterMs !== undefined) setTimeout(() => ac.abort(), opts.cancelAfterMs)
    try {
      const res = await exportRecording({ input: r.blob, format, trim: opts.trim, gif: opts.gif, signal: ac.signal, onProgress: (p) => progress.push(p) })
      const key = `${id}.${format}`
      exports.set(key, res.blob)
      return { ok: true, key, size: res.size, path: res.path, mime: res.mime, elapsedMs: res.elapsedMs, mediaSeconds: res.mediaSeconds, width: res.width, height: res.height, progress: progress.length, lastProgress: progress.at(-1) ?? 0, monotonic: progress.every((p, i) => i === 0 || p >= progress[i - 1]!) }
    } catch (err) {
      return { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), aborted: ac.signal.aborted, progress: progress.length }
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
