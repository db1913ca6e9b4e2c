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
  /**
   * A WebM clip (URL) to use as the camera instead of getUserMedia: a `<video>` plays it in a loop and paints
   * each frame on a canvas whose captureStream() is the source track. For engines whose fake camera shows
   * nothing known (Firefox: a flat colour; WebKit: a mock pattern).
   */
  clipUrl?: string
  /**
   * How the clip becomes a track: `canvas` (default) paints it on a canvas under captureStream(), so frames are
   * RGB (as a screen's); `element` takes the playing `<video>`'s own captureStream(), so frames are the decoder's
   * YUV, as a camera's.
   */
  clipSource?: 'canvas' | 'element'
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

/** Every worker the page made, by name, and whether it is still running (terminate() or close by dispose). */
const workers: { name: string; worker: Worker; live: boolean }[] = []
const NativeWorker = window.Worker
window.Worker = class extends NativeWorker {
  constructor(url: string | URL, o?: WorkerOptions) {
    super(url, o)
    workers.push({ name: o?.name ?? '', worker: this, live: true })
  }
  override terminate() {
    const w = workers.find((x) => x.worker === this)
    if (w) w.live = false
    super.terminate()
  }
}
/** Object URLs made and revoked by the page. */
const objectUrls = { made: [] as string[], revoked: [] as string[] }
const nativeCreate = URL.createObjectURL.bind(URL)
const nativeRevoke = URL.revokeObjectURL.bind(URL)
URL.createObjectURL = (o: Blob | MediaSource) => {
  const u = nativeCreate(o)
  objectUrls.made.push(u)
  return u
}
URL.revokeObjectURL = (u: string) => {
  objectUrls.revoked.push(u)
  nativeRevoke(u)
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

/** A canvas, painted with each frame of a looping clip, as a camera (see HarnessStart.clipUrl). */
async function clipCamera(url: string, how: 'canvas' | 'element' = 'canvas'): Promise<MediaStream> {
  const video = document.createElement('video')
  video.muted = true
  video.loop = true
  video.playsInline = true
  video.src = url
  // On the page and visible: WebKit pauses muted videos it cannot see, which would freeze this camera.
  video.style.cssText = 'position:fixed;right:0;bottom:0;width:64px;height:48px'
  document.body.append(video)
  await video.play()
  if (how === 'element') {
    const own = (video as HTMLVideoElement & { captureStream(): MediaStream }).captureStream()
    ;(own as MediaStream & { clip?: HTMLVideoElement }).clip = video
    return own
  }
  const canvas = document.createElement('canvas')
  canvas.width = video.videoWidth
  canvas.height = video.videoHeight
  const ctx = canvas.getContext('2d')!
  const paint = () => {
    ctx.drawImage(video, 0, 0)
    video.requestVideoFrameCallback(paint)
  }
  paint()
  const stream = canvas.captureStream()
  // Kept reachable (and so playing) as long as the stream is.
  ;(stream as MediaStream & { clip?: HTMLVideoElement }).clip = video
  return stream
}

async function openCamera(o: { width: number; height: number; fps: number; clipUrl?: string; clipSource?: 'canvas' | 'element' }) {
  camera = o.clipUrl
    ? await clipCamera(o.clipUrl, o.clipSource)
    : await navigator.mediaDevices.getUserMedia({
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
    // The processed track exists once a pipeline has started (its worker loaded).
    const t0 = performance.now()
    while (!vb.track.value && performance.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50))
    const out = vb.track.value
    if (!out) throw new Error(`no processed track after 30 s: ${vb.error.value}`)
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
    // A frame with a size (WebKit may call back once with a 0x0 picture while its source changes).
    const t0 = performance.now()
    do {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('the processed track delivered no frame in 5 s')), 5000)
        video.requestVideoFrameCallback(() => {
          clearTimeout(t)
          resolve()
        })
      })
    } while (!(video.videoWidth > 0) && performance.now() - t0 < 5000)
    if (!(video.videoWidth > 0)) throw new Error('the processed track has no picture size after 5 s')
    const c = document.createElement('canvas')
    c.width = video.videoWidth
    c.height = video.videoHeight
    const ctx = c.getContext('2d')!
    ctx.drawImage(video, 0, 0)
    return { width: c.width, height: c.height, data: Array.from(ctx.getImageData(0, 0, c.width, c.height).data) }
  },
  /**
   * Per rectangle of the processed track's current picture: mean colour (0..255 each) and local variance (the
   * luma variance inside each 4x4 block, averaged over the blocks: a blur lowers it, a flat colour makes it 0)
   * mean saturation (max - min of R, G, B per pixel, averaged: 0 for greys) and mean gradient magnitude of
   * the luma (central differences, |dx| + |dy|, over the rectangle's inner pixels: edge sharpness).
   */
  async regions(rects: { x: number; y: number; width: number; height: number }[]) {
    const f = await harness.grab()
    return {
      width: f.width,
      height: f.height,
      regions: rects.map((r) => {
        let sr = 0
        let sg = 0
        let sb = 0
        let n = 0
        let varSum = 0
        let blocks = 0
        let satSum = 0
        for (let by = r.y; by + 4 <= r.y + r.height; by += 4) {
          for (let bx = r.x; bx + 4 <= r.x + r.width; bx += 4) {
            let s1 = 0
            let s2 = 0
            for (let y = by; y < by + 4; y++) {
              for (let x = bx; x < bx + 4; x++) {
                const i = (y * f.width + x) * 4
                const R = f.data[i]!
                const G = f.data[i + 1]!
                const B = f.data[i + 2]!
                sr += R
                sg += G
                sb += B
                n++
                satSum += Math.max(R, G, B) - Math.min(R, G, B)
                const l = 0.299 * R + 0.587 * G + 0.114 * B
                s1 += l
                s2 += l * l
              }
            }
            varSum += s2 / 16 - (s1 / 16) ** 2
            blocks++
          }
        }
        const lum = (x: number, y: number) => {
          const i = (y * f.width + x) * 4
          return 0.299 * f.data[i]! + 0.587 * f.data[i + 1]! + 0.114 * f.data[i + 2]!
        }
        let gSum = 0
        let gN = 0
        for (let y = r.y + 1; y < r.y + r.height - 1; y++) {
          for (let x = r.x + 1; x < r.x + r.width - 1; x++) {
            gSum += Math.abs(lum(x + 1, y) - lum(x - 1, y)) + Math.abs(lum(x, y + 1) - lum(x, y - 1))
            gN++
          }
        }
        return {
          mean: [sr / n, sg / n, sb / n],
          localVariance: varSum / Math.max(1, blocks),
          saturation: satSum / Math.max(1, n),
          gradient: gSum / Math.max(1, gN),
        }
      }),
    }
  },
  /** A picture of one flat colour, uploaded as the `image` background. */
  async setColorPicture(color: string, width = 320, height = 240) {
    const c = document.createElement('canvas')
    c.width = width
    c.height = height
    const ctx = c.getContext('2d')!
    ctx.fillStyle = color
    ctx.fillRect(0, 0, width, height)
    const blob = await new Promise<Blob>((r) => c.toBlob((b) => r(b!), 'image/png'))
    return vb!.setBackgroundImage(new File([blob], 'flat.png', { type: 'image/png' }))
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
  async switchCamera(o: { width: number; height: number; fps: number; clipUrl?: string }) {
    const old = camera
    const cam = await openCamera(o)
    source.value = cam.getVideoTracks()[0]!
    old?.getTracks().forEach((t) => t.stop())
  },
  /**
   * Switches to a new camera, then makes the previous one fire `ended` (as an unplugged camera does, late):
   * the composable must have stopped listening to it, so the new camera keeps going.
   */
  async switchCameraThenEndOld(o: { width: number; height: number; fps: number; clipUrl?: string }) {
    const oldTrack = source.value!
    const old = camera
    const cam = await openCamera(o)
    source.value = cam.getVideoTracks()[0]!
    await nextTick()
    await new Promise((r) => setTimeout(r, 300))
    oldTrack.dispatchEvent(new Event('ended'))
    old?.getTracks().forEach((t) => t.stop())
  },
  /** Workers of the page by name, with whether each still runs. */
  workers: () => workers.map((w) => ({ name: w.name, live: w.live })),
  /** Kills the compositor worker without a word (as an out-of-memory kill would): the watchdog must notice. */
  killCompositor() {
    const w = workers.filter((x) => x.name === 'vb-compositor' && x.live)
    for (const x of w) x.worker.terminate()
    return w.length
  },
  objectUrls: () => ({ made: [...objectUrls.made], revoked: [...objectUrls.revoked] }),
  /** Fetches a URL into a File (an "upload" for setBackground*). */
  async setBackgroundUpload(url: string, name: string, type: string, kind: 'image' | 'video') {
    const blob = await (await fetch(url)).blob()
    const file = new File([blob], name, { type })
    return kind === 'video' ? vb!.setBackgroundVideo(file) : vb!.setBackgroundImage(file)
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
