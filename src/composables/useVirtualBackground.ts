/**
 * Virtual background: turns a camera (or screen) track into a processed track, drawn by a worker on
 * an OffscreenCanvas, with a chroma key or person segmentation and a colour, picture, looping video or
 * blur behind. The processed track comes from `canvas.captureStream()` once and stays the same for its
 * consumers (preview, recorder, call): changing mode, engine, background or the source track only
 * changes what the worker draws on that canvas.
 *
 * Paths, best first (feature-detected; `pipeline` reports which one runs):
 * - `worker-stream`: camera frames reach the compositor worker as VideoFrames through a transferred
 *   ReadableStream of a MediaStreamTrackProcessor (Chromium); no pixel touches the main thread.
 * - `worker-bitmap`: one createImageBitmap per requestVideoFrameCallback, transferred to the worker
 *   (Firefox, Safari); a frame is sent only when the worker finished the previous one.
 * - `main-thread`: no OffscreenCanvas (old browsers): the same compositor runs on the main thread.
 * Each path renders with WebGL2 where available, else with a 2D canvas (`renderer` reports which).
 * Person segmentation always runs in its own worker (see workers/background/segmentation.worker.ts).
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
} from 'vue'
import {
  BUILTIN_BACKGROUNDS,
  defaultVirtualBackgroundSettings,
  type BackgroundEngine,
  type BackgroundMode,
  type BackgroundSourceRef,
  type VirtualBackgroundSettings,
} from '@/lib/virtualBackground/settings'
import { classifyBackgroundFile, classifyBackgroundUrl, planDownscale, type BackgroundKind } from '@/lib/virtualBackground/upload'
import type {
  CompositorCommand,
  CompositorEvent,
  CompositorStats,
  RenderSettings,
  RendererKind,
  SegmenterInit,
  SegmenterStatus,
} from '@/workers/background/protocol'
import { mediapipeAssetBase } from 'virtual:mediapipe-assets'

export type { VirtualBackgroundSettings, BackgroundMode, BackgroundEngine } from '@/lib/virtualBackground/settings'
export type VirtualBackgroundStats = CompositorStats
export type VirtualBackgroundPipeline = 'worker-stream' | 'worker-bitmap' | 'main-thread'
export type ModelStatus = 'idle' | 'loading' | 'ready' | 'error'

export interface UseVirtualBackgroundOptions {
  /** The camera (or screen) track to process; null/undefined shows nothing new (the output keeps its last frame). */
  source: MaybeRefOrGetter<MediaStreamTrack | null | undefined>
  /** Settings, e.g. a pinia store's state; the methods below write to it. @default a new ref of defaultVirtualBackgroundSettings() */
  settings?: Ref<VirtualBackgroundSettings>
  /** Absolute URL (ending in '/') of the @mediapipe/selfie_segmentation files. @default the URL our build serves them at */
  assetBase?: string
  /** Base URL of the built-in backgrounds. @default import.meta.env.BASE_URL */
  baseUrl?: string
  /** Forces a path (tests, troubleshooting). @default 'auto' */
  pipeline?: 'auto' | VirtualBackgroundPipeline
  /** Forces the renderer (tests, troubleshooting). @default WebGL2 when available */
  renderer?: RendererKind
  /** @default globalThis.window */
  window?: Window
}

export interface UseVirtualBackgroundReturn {
  /** The processed track. Created once, on first use (the first source); never replaced or ended until the composable's scope is disposed. */
  track: ShallowRef<MediaStreamTrack | null>
  /** A stream holding `track`, for a `<video>`'s srcObject. */
  stream: ShallowRef<MediaStream | null>
  settings: Ref<VirtualBackgroundSettings>
  /** Delivered fps, worker ms per frame (p50/p95), mask rate and time; updated every second. */
  stats: ShallowRef<VirtualBackgroundStats | null>
  /** What went wrong, for a person (null when all is well). */
  error: Ref<string | null>
  /** Something to know that is not an error (a large picture was scaled down, a slower renderer is used). */
  notice: Ref<string | null>
  /** The browser can make a processed track at all (canvas.captureStream and workers). */
  isSupported: ComputedRef<boolean>
  /** Person segmentation can run (a worker with OffscreenCanvas and WebAssembly). */
  isSegmentationSupported: ComputedRef<boolean>
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

const FRAME_PROCESSOR = typeof MediaStreamTrackProcessor !== 'undefined'

function renderSettings(s: VirtualBackgroundSettings): RenderSettings {
  const { image: _i, video: _v, ...rest } = toRaw(s)
  return JSON.parse(JSON.stringify(rest)) as RenderSettings
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

interface Backend {
  send(cmd: CompositorCommand, transfer?: Transferable[]): void
  dispose(): void
}

/** Pushes the frames of a <video> (camera fallback, background video) one at a time while the receiver is idle. */
function bitmapPump(video: HTMLVideoElement, send: (bitmap: ImageBitmap) => void) {
  let busy = false
  let stopped = false
  let handle = 0
  const schedule = () => {
    if (stopped) return
    if ('requestVideoFrameCallback' in video) handle = video.requestVideoFrameCallback(tick)
    else handle = window.setTimeout(tick, 33)
  }
  const tick = () => {
    if (stopped) return
    if (!busy && video.readyState >= 2 && video.videoWidth > 0) {
      busy = true
      createImageBitmap(video)
        .then((bitmap) => (stopped ? bitmap.close() : send(bitmap)))
        .catch(() => (busy = false))
    }
    schedule()
  }
  schedule()
  return {
    done() {
      busy = false
    },
    stop() {
      stopped = true
      if ('cancelVideoFrameCallback' in video) video.cancelVideoFrameCallback(handle)
      else clearTimeout(handle)
    },
  }
}

export function useVirtualBackground(options: UseVirtualBackgroundOptions): UseVirtualBackgroundReturn {
  const win = options.window ?? (typeof window === 'undefined' ? undefined : window)
  const settings = options.settings ?? ref(defaultVirtualBackgroundSettings())
  const track = shallowRef<MediaStreamTrack | null>(null)
  const stream = shallowRef<MediaStream | null>(null)
  const stats = shallowRef<VirtualBackgroundStats | null>(null)
  const error = ref<string | null>(null)
  const notice = ref<string | null>(null)
  const pipeline = ref<VirtualBackgroundPipeline | null>(null)
  const renderer = ref<RendererKind | null>(null)
  const modelStatus = ref<ModelStatus>('idle')
  // Browser globals read through the given window, so a test can hand in a fake one.
  const g = win as (Window & typeof globalThis) | undefined
  const isSupported = computed(
    () => !!g && typeof g.Worker === 'function' && typeof g.HTMLCanvasElement?.prototype.captureStream === 'function',
  )
  const isSegmentationSupported = computed(
    () => isSupported.value && typeof g!.OffscreenCanvas === 'function' && typeof g!.WebAssembly === 'object',
  )
  const baseUrl = options.baseUrl ?? import.meta.env.BASE_URL

  let backend: Backend | null = null
  let segWorker: Worker | null = null
  let sourceClone: MediaStreamTrack | null = null
  let sourcePump: ReturnType<typeof bitmapPump> | null = null
  let sourceVideo: HTMLVideoElement | null = null
  let bgVideo: HTMLVideoElement | null = null
  let bgVideoTrack: MediaStreamTrack | null = null
  let bgPump: ReturnType<typeof bitmapPump> | null = null
  /** What the loaded picture / video came from, so a settings change reloads only when it changed. */
  let loadedImageKey: string | null = null
  let loadedVideoKey: string | null = null
  const objectUrls = new Set<string>()
  let pickId = 0
  const picks = new Map<number, (color: string | null) => void>()
  let disposed = false

  function onEvent(e: CompositorEvent) {
    switch (e.type) {
      case 'ready':
        renderer.value = e.renderer
        if (e.note) notice.value = e.note
        break
      case 'stats':
        stats.value = e.stats
        break
      case 'frameDone':
        sourcePump?.done()
        break
      case 'backgroundFrameDone':
        bgPump?.done()
        break
      case 'picked':
        picks.get(e.id)?.(e.color)
        picks.delete(e.id)
        break
      case 'error':
        error.value = e.message
        break
    }
  }

  async function start() {
    if (!isSupported.value || !win) {
      error.value = 'This browser cannot make a virtual background (it lacks canvas capture or workers).'
      return
    }
    const doc = win.document
    const canvas = doc.createElement('canvas')
    canvas.width = 640
    canvas.height = 480
    const out = canvas.captureStream()
    stream.value = out
    track.value = out.getVideoTracks()[0] ?? null
    const wanted = options.pipeline ?? 'auto'
    const canOffscreen = typeof canvas.transferControlToOffscreen === 'function'
    if (wanted !== 'main-thread' && canOffscreen) {
      const worker = new Worker(new URL('../workers/background/compositor.worker.ts', import.meta.url), {
        type: 'module',
        name: 'vb-compositor',
      })
      worker.onmessage = (e: MessageEvent<CompositorEvent>) => onEvent(e.data)
      worker.onerror = (e) => {
        e.preventDefault()
        error.value = `The background processor stopped: ${e.message || 'it could not be loaded'}.`
      }
      worker.onmessageerror = () => (error.value = 'The background processor received a message it could not read.')
      const offscreen = canvas.transferControlToOffscreen()
      backend = {
        send: (cmd, transfer = []) => worker.postMessage(cmd, transfer),
        dispose: () => {
          worker.postMessage({ type: 'dispose' } satisfies CompositorCommand)
          // Give it a moment to release the GPU context and readers, then make sure it is gone.
          setTimeout(() => worker.terminate(), 500)
        },
      }
      backend.send({ type: 'init', canvas: offscreen, settings: renderSettings(settings.value), renderer: options.renderer }, [offscreen])
      pipeline.value = wanted === 'worker-bitmap' || !FRAME_PROCESSOR || !streamsTransferable() ? 'worker-bitmap' : 'worker-stream'
    } else {
      // No OffscreenCanvas: the compositor runs here. It draws the same; only the thread differs.
      const { Compositor } = await import('@/workers/background/compositor')
      if (disposed) return
      const compositor = new Compositor(canvas, renderSettings(settings.value), (e) => onEvent(e), options.renderer)
      backend = { send: (cmd) => compositor.handle(cmd), dispose: () => compositor.dispose() }
      pipeline.value = 'main-thread'
    }
  }

  /** Chromium transfers ReadableStreams; check once, as a DataCloneError would otherwise lose frames. */
  function streamsTransferable(): boolean {
    try {
      const rs = new ReadableStream()
      const { port1, port2 } = new MessageChannel()
      port1.postMessage(rs, [rs as unknown as Transferable])
      port1.close()
      port2.close()
      return true
    } catch {
      return false
    }
  }

  function send(cmd: CompositorCommand, transfer: Transferable[] = []) {
    if (!backend) return
    try {
      backend.send(cmd, transfer)
    } catch (err) {
      error.value = `The background processor could not be reached: ${describe(err)}`
    }
  }

  function detachSource() {
    sourcePump?.stop()
    sourcePump = null
    if (sourceVideo) {
      sourceVideo.srcObject = null
      sourceVideo = null
    }
    sourceClone?.stop()
    sourceClone = null
  }

  function hiddenVideo(): HTMLVideoElement {
    const v = win!.document.createElement('video')
    v.muted = true
    v.playsInline = true
    v.autoplay = true
    return v
  }

  function attachSource(src: MediaStreamTrack | null | undefined) {
    detachSource()
    if (pipeline.value === 'worker-stream') send({ type: 'source', stream: null })
    if (!src || src.readyState === 'ended' || !backend) return
    // A clone of our own: we stop it when the source changes, and the consumer's track is never ours to stop.
    const clone = src.clone()
    sourceClone = clone
    // When the camera goes away, release our clone too, or the device would stay open.
    src.addEventListener('ended', () => sourceClone === clone && detachSource(), { once: true })
    if (pipeline.value === 'worker-stream' || (pipeline.value === 'main-thread' && FRAME_PROCESSOR)) {
      const processor = new MediaStreamTrackProcessor({ track: clone as MediaStreamVideoTrack, maxBufferSize: 1 })
      send(
        { type: 'source', stream: processor.readable },
        pipeline.value === 'worker-stream' ? [processor.readable as unknown as Transferable] : [],
      )
    } else {
      const v = hiddenVideo()
      v.srcObject = new MediaStream([clone])
      void v.play().catch(() => {})
      sourceVideo = v
      sourcePump = bitmapPump(v, (bitmap) => send({ type: 'frame', bitmap }, [bitmap]))
    }
  }

  // ---- Backgrounds ----

  function stopBackgroundVideo() {
    bgPump?.stop()
    bgPump = null
    bgVideoTrack?.stop()
    bgVideoTrack = null
    if (bgVideo) {
      bgVideo.pause()
      bgVideo.removeAttribute('src')
      bgVideo.load()
      bgVideo = null
    }
    loadedVideoKey = null
  }

  function objectUrl(blob: Blob): string {
    const url = URL.createObjectURL(blob)
    objectUrls.add(url)
    return url
  }

  function revoke(url: string | undefined) {
    if (url && objectUrls.delete(url)) URL.revokeObjectURL(url)
  }

  function resolveRef(ref: BackgroundSourceRef): string | null {
    if (ref.kind === 'builtin') {
      const b = BUILTIN_BACKGROUNDS.find((x) => x.id === ref.id)
      return b ? baseUrl + b.path : null
    }
    return ref.kind === 'url' ? ref.url : null
  }

  async function loadImage(blob: Blob, label: string): Promise<boolean> {
    let full: ImageBitmap
    try {
      // Decoded off the main thread by the browser.
      full = await createImageBitmap(blob)
    } catch {
      error.value = `"${label}" could not be decoded as a picture. Try a JPEG, PNG or WebP file.`
      return false
    }
    let bitmap = full
    const plan = planDownscale(full.width, full.height)
    if (plan.scaled) {
      bitmap = await createImageBitmap(full, { resizeWidth: plan.width, resizeHeight: plan.height, resizeQuality: 'high' })
      full.close()
      notice.value = plan.message ?? null
    }
    if (disposed) {
      bitmap.close()
      return false
    }
    send({ type: 'backgroundImage', bitmap }, [bitmap])
    return true
  }

  async function loadVideo(url: string, label: string): Promise<boolean> {
    stopBackgroundVideo()
    const v = hiddenVideo()
    v.loop = true
    v.src = url
    bgVideo = v
    try {
      await new Promise<void>((resolve, reject) => {
        v.addEventListener('loadeddata', () => resolve(), { once: true })
        v.addEventListener('error', () => reject(new Error(v.error?.message || 'unsupported format')), { once: true })
      })
      await v.play()
    } catch (err) {
      if (bgVideo === v) stopBackgroundVideo()
      error.value = `"${label}" cannot be played as a background video (${describe(err)}). Try a WebM or MP4 file.`
      return false
    }
    if (bgVideo !== v || disposed) return false
    const capture = (v as HTMLVideoElement & { captureStream?: () => MediaStream }).captureStream
    const vt = capture && pipeline.value === 'worker-stream' ? capture.call(v).getVideoTracks()[0] : undefined
    if (vt) {
      bgVideoTrack = vt
      const processor = new MediaStreamTrackProcessor({ track: vt as MediaStreamVideoTrack, maxBufferSize: 1 })
      send({ type: 'backgroundStream', stream: processor.readable }, [processor.readable as unknown as Transferable])
    } else {
      bgPump = bitmapPump(v, (bitmap) => send({ type: 'backgroundFrame', bitmap }, [bitmap]))
    }
    return true
  }

  async function fetchBlob(url: string): Promise<Blob | null> {
    try {
      const res = await fetch(url)
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      return await res.blob()
    } catch (err) {
      error.value = `The background ${url} could not be loaded (${describe(err)}).`
      return null
    }
  }

  async function resolveSource(source: File | Blob | string, expect: BackgroundKind) {
    if (typeof source === 'string') {
      const builtin = BUILTIN_BACKGROUNDS.find((b) => b.id === source)
      const url = builtin ? baseUrl + builtin.path : source
      const ref: BackgroundSourceRef = builtin ? { kind: 'builtin', id: builtin.id } : { kind: 'url', url }
      const kind = classifyBackgroundUrl(url) ?? expect
      return { ok: true as const, kind, url, blob: null, ref, label: builtin?.label ?? url }
    }
    const name = source instanceof File ? source.name : 'upload'
    const verdict = classifyBackgroundFile({ name, type: source.type, size: source.size })
    if (!verdict.ok) return { ok: false as const, message: verdict.message }
    return {
      ok: true as const,
      kind: verdict.kind,
      url: null,
      blob: source,
      ref: { kind: 'upload', name } as BackgroundSourceRef,
      label: name,
    }
  }

  async function applyBackground(source: File | Blob | string, expect: BackgroundKind | null): Promise<boolean> {
    await started()
    const r = await resolveSource(source, expect ?? 'image')
    if (!r.ok) {
      error.value = r.message
      return false
    }
    if (expect && r.kind !== expect) {
      error.value =
        expect === 'image'
          ? `"${r.label}" is a video: choose it as a video background.`
          : `"${r.label}" is a picture: choose it as a picture background.`
      return false
    }
    error.value = null
    notice.value = null
    const key = r.ref.kind === 'upload' ? `upload:${r.ref.name}:${Math.random()}` : JSON.stringify(r.ref)
    let ok: boolean
    if (r.kind === 'image') {
      const blob = r.blob ?? (await fetchBlob(r.url!))
      ok = !!blob && (await loadImage(blob, r.label))
      if (ok) {
        loadedImageKey = key
        settings.value.image = r.ref
        settings.value.mode = 'image'
      }
    } else {
      const url = r.blob ? objectUrl(r.blob) : r.url!
      ok = await loadVideo(url, r.label)
      if (ok) {
        loadedVideoKey = key
        settings.value.video = r.ref
        settings.value.mode = 'video'
      } else if (r.blob) revoke(url)
    }
    return ok
  }

  /** Settings are the truth for built-in/URL backgrounds (a store may restore them): load what the mode needs. */
  async function syncBackground() {
    const s = settings.value
    if (s.mode === 'image' && s.image && s.image.kind !== 'upload' && loadedImageKey !== JSON.stringify(s.image)) {
      const url = resolveRef(s.image)
      loadedImageKey = JSON.stringify(s.image)
      const blob = url ? await fetchBlob(url) : null
      if (blob) await loadImage(blob, url!)
    } else if (s.mode === 'image' && s.image?.kind === 'upload' && !loadedImageKey?.startsWith('upload:')) {
      notice.value = `Choose "${s.image.name}" again: uploaded pictures are not kept after a reload.`
    }
    if (s.mode !== 'video') {
      // A hidden video playing for nothing costs a decoder; stop it until the video mode is back.
      if (bgVideo) stopBackgroundVideo()
    } else if (s.video && s.video.kind !== 'upload' && loadedVideoKey !== JSON.stringify(s.video)) {
      const url = resolveRef(s.video)
      if (url && (await loadVideo(url, url))) loadedVideoKey = JSON.stringify(s.video)
    } else if (s.video?.kind === 'upload' && !bgVideo) {
      notice.value = `Choose "${s.video.name}" again: uploaded videos are not kept after a reload.`
    }
  }

  // ---- Segmentation worker ----

  function ensureSegmenter() {
    const s = settings.value
    if (segWorker || s.engine !== 'segmentation' || s.mode === 'none' || !backend) return
    if (!isSegmentationSupported.value) {
      error.value = 'Person segmentation needs a newer browser (OffscreenCanvas and WebAssembly). Use the chroma key instead.'
      modelStatus.value = 'error'
      return
    }
    // Classic worker: the MediaPipe loader needs importScripts (see segmentation.worker.ts).
    const worker = new Worker(new URL('../workers/background/segmentation.worker.ts', import.meta.url), { name: 'vb-segmentation' })
    segWorker = worker
    modelStatus.value = 'loading'
    worker.onmessage = (e: MessageEvent<SegmenterStatus>) => {
      const m = e.data
      if (m.type === 'loading') modelStatus.value = 'loading'
      else if (m.type === 'ready') {
        modelStatus.value = 'ready'
        if (error.value?.includes('segmentation')) error.value = null
      } else {
        modelStatus.value = 'error'
        error.value = m.message
      }
    }
    worker.onerror = (e) => {
      e.preventDefault()
      modelStatus.value = 'error'
      error.value = `Person segmentation could not start (${e.message || 'its worker failed to load'}). The camera is shown without a background.`
    }
    const { port1, port2 } = new MessageChannel()
    const init: SegmenterInit = {
      type: 'init',
      assetBase: options.assetBase ?? mediapipeAssetBase,
      model: s.segmentation.model,
      port: port1,
    }
    worker.postMessage(init, [port1])
    send({ type: 'segmenter', port: port2 }, [port2])
  }

  // ---- Methods ----

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
    if (!backend) return Promise.resolve(null)
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

  // ---- Wiring ----

  // The canvas, its track and the workers are made on first use (the first source), so a page that never turns a
  // background on pays nothing for it, not even a worker competing with the camera's start.
  let ready: Promise<void> | null = null
  function applySettings() {
    if (disposed) return
    send({ type: 'settings', settings: renderSettings(settings.value) })
    ensureSegmenter()
    void syncBackground()
  }
  function started(): Promise<void> {
    ready ??= start()
      .then(applySettings)
      .catch((err: unknown) => {
        error.value = `The virtual background could not start: ${describe(err)}`
      })
    return ready
  }

  // Registered now (so they belong to the caller's scope); they act once the compositor exists.
  watch(
    () => toValue(options.source),
    (src) => {
      if (!src && !ready) return
      void started().then(() => !disposed && attachSource(src))
    },
    { immediate: true },
  )
  watch(settings, () => void ready?.then(applySettings), { deep: true })

  onScopeDispose(() => {
    disposed = true
    detachSource()
    stopBackgroundVideo()
    for (const url of objectUrls) URL.revokeObjectURL(url)
    objectUrls.clear()
    for (const resolve of picks.values()) resolve(null)
    picks.clear()
    backend?.dispose()
    backend = null
    segWorker?.terminate()
    segWorker = null
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
