/**
 * Virtual background: turns a camera (or screen) track into a processed track with a chroma key or person
 * segmentation and a colour, picture, looping video or blur behind. The processed track is made once and
 * stays the same for its consumers (preview, recorder, call) while mode, engine, background or source change.
 *
 * This file wires the parts together and holds the setters; each job lives in its own module under
 * ./virtualBackground/: the pipelines (how frames get in and pictures out, chosen by capability; see
 * pipeline.ts), the frame pump, background pictures and videos, and the segmentation worker's life.
 *
 * When no pipeline can start, or a running one fails for good, the processed track gives way to the raw
 * camera (a call never sends a frozen or black picture) and `error` says so.
 */
import {
  computed,
  onScopeDispose,
  ref,
  shallowRef,
  toRaw,
  toValue,
  watch,
  type ComputedRef,
  type MaybeRefOrGetter,
  type Ref,
  type ShallowRef,
  type WritableComputedRef,
} from 'vue'
import { messageRef, msg, render, type Message, type Text } from '@/i18n/message'
import {
  defaultVirtualBackgroundSettings,
  type BackgroundEngine,
  type BackgroundMode,
  type VirtualBackgroundSettings,
  needsPersonMask,
} from '@/lib/virtualBackground/settings'
import type { CompositorCommand, CompositorEvent, CompositorStats, RenderSettings, RendererKind } from '@/workers/background/protocol'
import { mediapipeAssetBase } from 'virtual:mediapipe-assets'
import { createBackgrounds } from './virtualBackground/backgrounds'
import { startMainThread } from './virtualBackground/mainThreadPipeline'
import {
  describe,
  PIPELINE_ORDER,
  PipelineUnavailable,
  type Pipeline,
  type PipelineContext,
  type StartPipeline,
  type VirtualBackgroundPipeline,
} from './virtualBackground/pipeline'
import { createSegmenterHost, type ModelStatus } from './virtualBackground/segmenter'
import { startWorkerBitmap } from './virtualBackground/workerBitmapPipeline'
import { startWorkerStream } from './virtualBackground/workerStreamPipeline'
import { startWorkerTrack } from './virtualBackground/workerTrackPipeline'

export type { VirtualBackgroundSettings, BackgroundMode, BackgroundEngine } from '@/lib/virtualBackground/settings'
export type { VirtualBackgroundPipeline } from './virtualBackground/pipeline'
export type { ModelStatus } from './virtualBackground/segmenter'
export type VirtualBackgroundStats = CompositorStats

export interface UseVirtualBackgroundOptions {
  /** The camera (or screen) track to process; null/undefined shows nothing new (the output keeps its last frame). */
  source: MaybeRefOrGetter<MediaStreamTrack | null | undefined>
  /** Settings, e.g. a pinia store's state; the methods below write to it. @default a new ref of defaultVirtualBackgroundSettings() */
  settings?: Ref<VirtualBackgroundSettings>
  /** Absolute URL (ending in '/') of the @mediapipe/selfie_segmentation files. @default the URL our build serves them at */
  assetBase?: string
  /** Base URL of the built-in backgrounds. @default import.meta.env.BASE_URL */
  baseUrl?: string
  /** Forces a path (tests, troubleshooting); it still falls back to the raw camera if it cannot start. @default 'auto' */
  pipeline?: 'auto' | VirtualBackgroundPipeline
  /** Forces the renderer (tests, troubleshooting). @default WebGL2 on a hardware GPU, else the CPU renderer */
  renderer?: RendererKind
  /** @default globalThis.window */
  window?: Window
}

export interface UseVirtualBackgroundReturn {
  /**
   * The processed track. Made on first use (the first source), then the same track until the scope is
   * disposed, except when the background effect cannot run: then it becomes a copy of the raw camera.
   */
  track: ShallowRef<MediaStreamTrack | null>
  /** A stream holding `track`, for a `<video>`'s srcObject. */
  stream: ShallowRef<MediaStream | null>
  settings: Ref<VirtualBackgroundSettings>
  /** Delivered fps, worker ms per frame (p50/p95), mask rate and time; updated every second. */
  stats: ShallowRef<VirtualBackgroundStats | null>
  /** What went wrong and what to do about it, in words for a person (null when all is well). */
  error: WritableComputedRef<string | null, Text | null>
  /** Something to know that is not an error (a large picture was scaled down, a slower renderer is used). */
  notice: WritableComputedRef<string | null, Text | null>
  /** The browser can make a processed track at all (canvas.captureStream and workers). */
  isSupported: ComputedRef<boolean>
  /** Person segmentation can run (a worker with OffscreenCanvas and WebAssembly). */
  isSegmentationSupported: ComputedRef<boolean>
  /** The running path (null before the start, and when the raw camera is shown instead). */
  pipeline: Ref<VirtualBackgroundPipeline | null>
  renderer: Ref<RendererKind | null>
  modelStatus: Ref<ModelStatus>
  setMode(mode: BackgroundMode): void
  setEngine(engine: BackgroundEngine): void
  /** Sets the `image` mode with a picture: a File/Blob, a URL, or a built-in background's id. Resolves false (with `error`) when it cannot be used. */
  setBackgroundImage(source: File | Blob | string): Promise<boolean>
  /** Sets the `video` mode with a looping video: a File/Blob, a URL, or a built-in background's id. */
  setBackgroundVideo(source: File | Blob | string): Promise<boolean>
  /** Picture or video, decided by the file's type (an upload control can call only this). */
  setBackgroundFile(file: File | Blob): Promise<boolean>
  setBackgroundColor(color: string): void
  /** Picks the chroma key colour from the camera frame at (x, y), each 0..1 of the frame's width/height (unmirrored). */
  pickKeyColor(x: number, y: number): Promise<string | null>
  /** Before/after: true shows the camera as it is (the track and its consumers stay as they are). */
  setShowOriginal(show: boolean): void
  toggleOriginal(): void
}

/** A running compositor reports stats every second; this long without one, it is taken for dead. */
const SILENT_MS = 6000
/** This many stats reports in a row with camera frames in and no picture out: the output has frozen. */
const FROZEN_REPORTS = 4

const STARTERS: Record<VirtualBackgroundPipeline, StartPipeline> = {
  'worker-stream': startWorkerStream,
  'worker-track': startWorkerTrack,
  'worker-bitmap': startWorkerBitmap,
  'main-thread': startMainThread,
}

function renderSettings(s: VirtualBackgroundSettings): RenderSettings {
  const { image: _i, video: _v, ...rest } = toRaw(s)
  return JSON.parse(JSON.stringify(rest)) as RenderSettings
}

export function useVirtualBackground(options: UseVirtualBackgroundOptions): UseVirtualBackgroundReturn {
  const win = (options.window ?? (typeof window === 'undefined' ? undefined : window)) as (Window & typeof globalThis) | undefined
  const settings = options.settings ?? ref(defaultVirtualBackgroundSettings())
  const track = shallowRef<MediaStreamTrack | null>(null)
  const stream = shallowRef<MediaStream | null>(null)
  const stats = shallowRef<VirtualBackgroundStats | null>(null)
  // Kept as message keys: shown in the language of the moment, also after a switch.
  const error = messageRef()
  const notice = messageRef()
  const pipeline = ref<VirtualBackgroundPipeline | null>(null)
  const renderer = ref<RendererKind | null>(null)
  const modelStatus = ref<ModelStatus>('idle')
  const isSupported = computed(
    () => !!win && typeof win.Worker === 'function' && typeof win.HTMLCanvasElement?.prototype.captureStream === 'function',
  )
  const isSegmentationSupported = computed(
    () => isSupported.value && typeof win!.OffscreenCanvas === 'function' && typeof win!.WebAssembly === 'object',
  )

  let running: Pipeline | null = null
  /** The raw camera shown when no pipeline runs (a clone of the source, ours to stop). */
  let raw: MediaStreamTrack | null = null
  /** The source `raw` was cloned from. */
  let rawOf: MediaStreamTrack | null = null
  let currentSource: MediaStreamTrack | null = null
  let sourceWatch: AbortController | null = null
  let pickId = 0
  const picks = new Map<number, (color: string | null) => void>()
  let disposed = false

  function setOutput(t: MediaStreamTrack | null) {
    track.value = t
    stream.value = t ? new MediaStream([t]) : null
  }

  function send(cmd: CompositorCommand, transfer: Transferable[] = []) {
    if (!running) {
      for (const t of transfer) if (t instanceof ImageBitmap) t.close()
      return
    }
    try {
      running.send(cmd, transfer)
    } catch (err) {
      error.value = msg('feedback.background.updateFailed', { reason: describe(err) })
    }
  }

  /**
   * The page's own person-detection error last shown ("Person detection …"), cleared again once the model is ready.
   * The worker's reports and all other errors stay.
   */
  let detectionError: Message | null = null
  function showDetectionError(message: Message) {
    detectionError = message
    error.value = message
  }

  const segmenter = win
    ? createSegmenterHost({
        window: win,
        assetBase: options.assetBase ?? mediapipeAssetBase,
        connect: (port) => send({ type: 'segmenter', port }, port ? [port] : []),
        onStatus(status, message, fromPage) {
          modelStatus.value = status
          if (status === 'error') {
            // With no background, detection runs for touch-up alone: say what that means for it.
            const key = settings.value.mode === 'none' ? 'feedback.background.touchUpDetectionFailed' : 'feedback.background.detectionFailed'
            const text = msg(key, { message: message ?? msg('feedback.background.detectionStopped') })
            if (message === undefined || fromPage) showDetectionError(text)
            else error.value = text
          } else if (status === 'ready' && detectionError !== null && error.value === render(detectionError)) error.value = null
        },
      })
    : null

  const backgrounds = win
    ? createBackgrounds({
        window: win,
        baseUrl: options.baseUrl ?? import.meta.env.BASE_URL,
        settings,
        error,
        notice,
        sendImage: (bitmap) => send({ type: 'backgroundImage', bitmap }, [bitmap]),
        setVideo: (video) => running?.setBackgroundVideo(video),
      })
    : null

  // Watchdog: a worker that died without a word (killed, out of memory) or a compositor that takes frames
  // and draws none would leave consumers with a frozen picture; both count as fatal.
  let lastStatsAt = 0
  let frozenReports = 0
  const watchdog = win?.setInterval(() => {
    if (!running || disposed) return
    if (performance.now() - lastStatsAt > SILENT_MS) onFatal(msg('feedback.background.stoppedResponding', { seconds: SILENT_MS / 1000 }))
  }, 1000)

  function onEvent(e: CompositorEvent) {
    switch (e.type) {
      case 'ready':
        renderer.value = e.renderer
        lastStatsAt = performance.now()
        if (e.note) notice.value = e.note
        break
      case 'stats':
        stats.value = e.stats
        lastStatsAt = performance.now()
        frozenReports = e.stats.fpsIn > 0 && e.stats.fps === 0 ? frozenReports + 1 : 0
        if (frozenReports >= FROZEN_REPORTS) onFatal(msg('feedback.background.drawsNone'))
        break
      case 'picked':
        picks.get(e.id)?.(e.color)
        picks.delete(e.id)
        break
      case 'error':
        error.value = msg('feedback.background.skippedPicture', { reason: e.message })
        break
      default:
        break
    }
  }

  /** No pipeline runs: the consumers get the raw camera, never a frozen or black picture. */
  function showRawCamera(message: Text) {
    error.value = message
    running?.dispose()
    running = null
    pipeline.value = null
    renderer.value = null
    stats.value = null
    segmenter?.stop()
    if (!currentSource) setOutput(null)
    else if (ready) attachSource(currentSource)
  }

  function onFatal(reason: Text) {
    if (disposed || !running) return
    showRawCamera(msg('feedback.background.stopped', { reason }))
  }

  async function start() {
    if (!isSupported.value || !win) {
      showRawCamera(msg('feedback.background.unsupported'))
      return
    }
    const ctx: PipelineContext = {
      window: win,
      settings: renderSettings(settings.value),
      renderer: options.renderer,
      onEvent: (e) => !disposed && onEvent(e),
      onFatal,
    }
    const wanted = options.pipeline && options.pipeline !== 'auto' ? [options.pipeline] : PIPELINE_ORDER
    const failures: string[] = []
    for (const kind of wanted) {
      try {
        const p = await STARTERS[kind](ctx)
        if (disposed) return p.dispose()
        running = p
        lastStatsAt = performance.now()
        frozenReports = 0
        pipeline.value = kind
        setOutput(p.track)
        return
      } catch (err) {
        if (disposed) return
        // A path this browser lacks is expected; one that failed while starting is worth a line for whoever debugs.
        if (!(err instanceof PipelineUnavailable)) console.warn(`virtual background: ${kind} failed to start:`, err)
        failures.push(`${kind}: ${describe(err)}`)
      }
    }
    showRawCamera(msg('feedback.background.startFailedBrowser', { reasons: failures.join('; ') }))
  }

  function attachSource(src: MediaStreamTrack | null | undefined) {
    sourceWatch?.abort()
    sourceWatch = null
    currentSource = src && src.readyState !== 'ended' ? src : null
    if (currentSource) {
      // When the camera goes away, release our copy too, or the device would stay open.
      const watcher = new AbortController()
      sourceWatch = watcher
      currentSource.addEventListener('ended', () => attachSource(null), { once: true, signal: watcher.signal })
    }
    if (running) {
      // A copy of our own: the pipeline stops (or transfers) it, and the consumer's track is never ours to stop.
      running.setSource(currentSource ? currentSource.clone() : null)
    } else if (ready && (rawOf !== currentSource || !raw)) {
      raw?.stop()
      rawOf = currentSource
      raw = currentSource ? currentSource.clone() : null
      setOutput(raw)
    }
  }

  function syncSegmenter() {
    const s = settings.value
    if (!segmenter || !running || !needsPersonMask(s)) return segmenter?.stop()
    if (segmenter.running) return
    if (!isSegmentationSupported.value) {
      modelStatus.value = 'error'
      showDetectionError(msg(s.mode === 'none' ? 'feedback.background.touchUpNeedsNewer' : 'feedback.background.detectionNeedsNewer'))
      return
    }
    segmenter.start(s.segmentation.model)
  }

  // ---- Setters ----

  function setMode(mode: BackgroundMode) {
    settings.value.mode = mode
  }
  function setEngine(engine: BackgroundEngine) {
    settings.value.engine = engine
  }
  function setBackgroundColor(color: string) {
    settings.value.color = color
    settings.value.mode = 'color'
  }
  function setShowOriginal(show: boolean) {
    settings.value.showOriginal = show
  }
  function toggleOriginal() {
    settings.value.showOriginal = !settings.value.showOriginal
  }
  function pickKeyColor(x: number, y: number): Promise<string | null> {
    if (!running) return Promise.resolve(null)
    const id = ++pickId
    return new Promise((resolve) => {
      picks.set(id, (color) => {
        if (color) settings.value.chroma.keyColor = color
        resolve(color)
      })
      send({ type: 'pick', id, x: Math.min(1, Math.max(0, x)), y: Math.min(1, Math.max(0, y)) })
      setTimeout(() => {
        if (picks.delete(id)) resolve(null)
      }, 2000)
    })
  }
  async function applyBackground(source: File | Blob | string, expect: 'image' | 'video' | null): Promise<boolean> {
    await started()
    return backgrounds ? backgrounds.apply(source, expect) : false
  }

  // ---- Wiring ----

  // The pipeline and its workers are made on first use (the first source), so a page that never turns a
  // background on pays nothing for it, not even a worker competing with the camera's start.
  let ready: Promise<void> | null = null
  function applySettings() {
    if (disposed) return
    send({ type: 'settings', settings: renderSettings(settings.value) })
    syncSegmenter()
    void backgrounds?.sync()
  }
  function started(): Promise<void> {
    ready ??= start()
      .then(() => {
        if (disposed) return
        if (running || !raw) attachSource(currentSource)
        applySettings()
      })
      .catch((err: unknown) => showRawCamera(msg('feedback.background.startFailed', { reason: describe(err) })))
    return ready
  }

  // Registered now (so they belong to the caller's scope); they act once the pipeline exists.
  watch(
    () => toValue(options.source),
    (src) => {
      if (!src && !ready) return
      if (!ready) {
        currentSource = src ?? null
        void started()
      } else void ready.then(() => !disposed && attachSource(src))
    },
    { immediate: true },
  )
  watch(settings, () => void ready?.then(applySettings), { deep: true })

  onScopeDispose(() => {
    disposed = true
    if (watchdog !== undefined) win!.clearInterval(watchdog)
    sourceWatch?.abort()
    backgrounds?.dispose()
    for (const resolve of picks.values()) resolve(null)
    picks.clear()
    segmenter?.stop()
    running?.dispose()
    running = null
    raw?.stop()
    raw = null
    track.value?.stop()
    track.value = null
    stream.value = null
  })

  return {
    track,
    stream,
    settings,
    stats,
    error,
    notice,
    isSupported,
    isSegmentationSupported,
    pipeline,
    renderer,
    modelStatus,
    setMode,
    setEngine,
    setBackgroundImage: (src) => applyBackground(src, 'image'),
    setBackgroundVideo: (src) => applyBackground(src, 'video'),
    setBackgroundFile: (file) => applyBackground(file, null),
    setBackgroundColor,
    pickKeyColor,
    setShowOriginal,
    toggleOriginal,
  }
}
