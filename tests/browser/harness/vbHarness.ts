// The harness is also type-checked by tsconfig.node.json (tests/**), which knows neither Vite's client
// types nor the app's declaration of the virtual module the composable imports.
/// <reference types="vite/client" />
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../../src/workers/background/mediapipeAssets.d.ts" />
/**
 * A page that runs useVirtualBackground outside the app, for the benchmark (bench/vb.bench.ts, through
 * the Vite dev server) and for the browser tests. Everything is driven through `window.vbHarness`.
 */
import { effectScope, nextTick, ref, shallowRef, type EffectScope } from 'vue'
import { useVirtualBackground, type UseVirtualBackgroundOptions, type UseVirtualBackgroundReturn } from '@/composables/useVirtualBackground'
import { defaultVirtualBackgroundSettings, type VirtualBackgroundSettings } from '@/lib/virtualBackground/settings'
import type { CompositorStats } from '@/workers/background/protocol'

export interface HarnessStart {
  width: number
  height: number
  fps: number
  settings?: Partial<VirtualBackgroundSettings>
  pipeline?: UseVirtualBackgroundOptions['pipeline']
  renderer?: UseVirtualBackgroundOptions['renderer']
  assetBase?: string
}

export interface Measurement {
  seconds: number
  /** Frames the camera delivered per second (counted by a second consumer of the camera). */
  fpsIn: number
  /** Camera frames the compositor took per second (the rest were dropped while it was busy). */
  workerFpsIn?: number
  fpsOut: number
  samples: number[]
  maskFps: number
  maskMsP50: number
  longTasks: number
  renderer: string | null
  pipeline: string | null
  error: string | null
}

let scope: EffectScope | null = null
let vb: UseVirtualBackgroundReturn | null = null
let camera: MediaStream | null = null
let outFrames = 0
let statsLog: CompositorStats[] = []
let longTasks = 0
let inFrames = 0
let totalOut = 0
/** Ids of processed tracks that fired `ended` (a consumer would see its track die). */
const endedEvents: string[] = []
const source = shallowRef<MediaStreamTrack | null>(null)

new PerformanceObserver((list) => {
  longTasks += list.getEntries().length
}).observe({ type: 'longtask', buffered: false })

async function countFrames(track: MediaStreamTrack) {
  // A consumer of the processed track that counts what it delivers (as a recorder or a call would take it).
  const video = document.getElementById('out') as HTMLVideoElement
  video.srcObject = new MediaStream([track])
  await video.play().catch(() => {})
  const tick = () => {
    outFrames++
    totalOut++
    video.requestVideoFrameCallback(tick)
  }
  video.requestVideoFrameCallback(tick)
}

async function openCamera(o: { width: number; height: number; fps: number }) {
  camera = await navigator.mediaDevices.getUserMedia({
    video: { width: { exact: o.width }, height: { exact: o.height }, frameRate: { ideal: o.fps } },
  })
  // What the camera delivers, counted by a second consumer (a preview would be one).
  const preview = document.createElement('video')
  preview.muted = true
  preview.srcObject = new MediaStream([camera.getVideoTracks()[0]!.clone()])
  void preview.play()
  const tick = () => {
    inFrames++
    preview.requestVideoFrameCallback(tick)
  }
  preview.requestVideoFrameCallback(tick)
  return camera
}

/**
 * The design notes' chroma key (notes/05), as written there, on the main thread: drawImage the camera,
 * getImageData, a square-root RGB distance to the key per pixel, background pixels replaced by the
 * picture's, putImageData; the canvas's captureStream is the output. Timed per frame.
 */
function naiveBaseline(width: number, height: number, background: ImageData) {
  const video = document.createElement('video')
  video.muted = true
  video.srcObject = camera
  void video.play()
  const src = document.createElement('canvas')
  const dst = document.createElement('canvas')
  src.width = dst.width = width
  src.height = dst.height = height
  const sctx = src.getContext('2d', { willReadFrequently: true })!
  const dctx = dst.getContext('2d')!
  const key = [0, 255, 0]
  const allowance = 150
  const times: number[] = []
  const colorDiff = (a: number[], b: number[]) => {
    let d = 0
    for (let i = 0; i < a.length; i++) d += (a[i]! - b[i]!) ** 2
    return Math.sqrt(d)
  }
  const frame = () => {
    const t0 = performance.now()
    sctx.drawImage(video, 0, 0, width, height)
    const img = sctx.getImageData(0, 0, width, height)
    const d = img.data
    const bg = background.data
    for (let i = 0; i < d.length; i += 4) {
      if (colorDiff([d[i]!, d[i + 1]!, d[i + 2]!], key) < allowance) {
        d[i] = bg[i]!
        d[i + 1] = bg[i + 1]!
        d[i + 2] = bg[i + 2]!
        d[i + 3] = bg[i + 3]!
      }
    }
    dctx.putImageData(img, 0, 0)
    times.push(performance.now() - t0)
  }
  const id = setInterval(frame, 1000 / 30)
  return { output: dst.captureStream().getVideoTracks()[0]!, times, stop: () => clearInterval(id) }
}

const harness = {
  /** Runs the naive baseline for `seconds` (after 2 s of warm-up) and measures it like the engine. */
  async naive(o: { width: number; height: number; fps: number; seconds: number }): Promise<Measurement> {
    await openCamera(o)
    const bgCanvas = document.createElement('canvas')
    bgCanvas.width = o.width
    bgCanvas.height = o.height
    const bctx = bgCanvas.getContext('2d')!
    const img = new Image()
    img.src = '/backgrounds/dusk.jpg'
    await img.decode()
    bctx.drawImage(img, 0, 0, o.width, o.height)
    const run = naiveBaseline(o.width, o.height, bctx.getImageData(0, 0, o.width, o.height))
    await countFrames(run.output)
    await new Promise((r) => setTimeout(r, 2000))
    run.times.length = 0
    outFrames = inFrames = longTasks = 0
    const t0 = performance.now()
    await new Promise((r) => setTimeout(r, o.seconds * 1000))
    const elapsed = (performance.now() - t0) / 1000
    const result: Measurement = {
      seconds: elapsed,
      fpsIn: inFrames / elapsed,
      fpsOut: outFrames / elapsed,
      samples: [...run.times],
      maskFps: 0,
      maskMsP50: 0,
      longTasks,
      renderer: 'main-thread-2d',
      pipeline: 'main-thread',
      error: null,
    }
    run.stop()
    return result
  },
  async start(o: HarnessStart) {
    const cam = await openCamera(o)
    const settings = ref({ ...defaultVirtualBackgroundSettings(), ...o.settings } as VirtualBackgroundSettings)
    scope = effectScope()
    source.value = cam.getVideoTracks()[0]!
    vb = scope.run(() => useVirtualBackground({ source, settings, pipeline: o.pipeline, renderer: o.renderer, assetBase: o.assetBase }))!
    const out = vb.track.value!
    out.addEventListener('ended', () => endedEvents.push(out.id))
    await countFrames(out)
    return { trackId: out.id, camera: source.value.getSettings() }
  },
  /** Waits until the segmentation model is ready (or failed). */
  async waitModel(timeoutMs = 60_000) {
    const t0 = performance.now()
    while (vb!.modelStatus.value !== 'ready' && vb!.modelStatus.value !== 'error' && performance.now() - t0 < timeoutMs) {
      await new Promise((r) => setTimeout(r, 100))
    }
    return { status: vb!.modelStatus.value, error: vb!.error.value }
  },
  async measure(seconds: number): Promise<Measurement> {
    statsLog = []
    const unwatch = scope!.run(() => {
      let last: CompositorStats | null = null
      const id = setInterval(() => {
        const s = vb!.stats.value
        if (s && s !== last) {
          last = s
          statsLog.push(s)
        }
      }, 50)
      return () => clearInterval(id)
    })!
    outFrames = 0
    inFrames = 0
    longTasks = 0
    const t0 = performance.now()
    await new Promise((r) => setTimeout(r, seconds * 1000))
    const elapsed = (performance.now() - t0) / 1000
    const frames = outFrames
    const framesIn = inFrames
    const tasks = longTasks
    unwatch()
    const samples = statsLog.flatMap((s) => s.samples)
    const sum = (f: (s: CompositorStats) => number) => statsLog.reduce((a, s) => a + f(s), 0)
    const n = Math.max(1, statsLog.length)
    const masks = statsLog.filter((s) => s.maskFps > 0).map((s) => s.maskMsP50)
    return {
      seconds: elapsed,
      fpsIn: framesIn / elapsed,
      workerFpsIn: sum((s) => s.fpsIn) / n,
      fpsOut: frames / elapsed,
      samples,
      maskFps: sum((s) => s.maskFps) / n,
      maskMsP50: masks.sort((a, b) => a - b)[masks.length >> 1] ?? 0,
      longTasks: tasks,
      renderer: vb!.renderer.value,
      pipeline: vb!.pipeline.value,
      error: vb!.error.value,
    }
  },
  async setSettings(patch: Partial<VirtualBackgroundSettings>) {
    Object.assign(vb!.settings.value, patch)
    await nextTick()
  },
  state() {
    return {
      ended: [...endedEvents],
      trackId: vb?.track.value?.id,
      readyState: vb?.track.value?.readyState,
      renderer: vb?.renderer.value,
      pipeline: vb?.pipeline.value,
      modelStatus: vb?.modelStatus.value,
      error: vb?.error.value,
      notice: vb?.notice.value,
      stats: vb?.stats.value,
    }
  },
  /** The processed track's current picture, as RGBA bytes. */
  async grab(): Promise<{ width: number; height: number; data: number[] }> {
    const video = document.getElementById('out') as HTMLVideoElement
    await new Promise<void>((r) => video.requestVideoFrameCallback(() => r()))
    const c = document.createElement('canvas')
    c.width = video.videoWidth
    c.height = video.videoHeight
    const ctx = c.getContext('2d')!
    ctx.drawImage(video, 0, 0)
    return { width: c.width, height: c.height, data: Array.from(ctx.getImageData(0, 0, c.width, c.height).data) }
  },
  /**
   * The output's foreground alpha per pixel (0..255, base64), measured exactly: the frame is drawn over
   * black and over white, and out_white - out_black = (1 - alpha) * 255 whatever the foreground colour.
   */
  async alpha(): Promise<{ width: number; height: number; base64: string }> {
    const settle = () => new Promise((r) => setTimeout(r, 700))
    vb!.settings.value.mode = 'color'
    vb!.settings.value.color = '#000000'
    await settle()
    const black = await harness.grab()
    vb!.settings.value.color = '#ffffff'
    await settle()
    const white = await harness.grab()
    const n = black.width * black.height
    const a = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      const d = (white.data[i * 4]! - black.data[i * 4]! + white.data[i * 4 + 1]! - black.data[i * 4 + 1]! + white.data[i * 4 + 2]! - black.data[i * 4 + 2]!) / 3
      a[i] = Math.max(0, Math.min(255, 255 - d))
    }
    let bin = ''
    for (let i = 0; i < n; i++) bin += String.fromCharCode(a[i]!)
    return { width: black.width, height: black.height, base64: btoa(bin) }
  },
  /** Frames the processed track delivered since the harness started (never reset by measure()). */
  delivered: () => totalOut,
  /** Replaces the source with a new camera track (as a device switch does). */
  async switchCamera(o: { width: number; height: number; fps: number }) {
    const old = camera
    const cam = await openCamera(o)
    source.value = cam.getVideoTracks()[0]!
    old?.getTracks().forEach((t) => t.stop())
  },
  vb: () => vb,
  stop() {
    scope?.stop()
    camera?.getTracks().forEach((t) => t.stop())
    scope = null
    vb = null
  },
}

declare global {
  interface Window {
    vbHarness: typeof harness
  }
}
window.vbHarness = harness
