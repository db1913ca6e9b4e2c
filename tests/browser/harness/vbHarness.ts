// The harness is also type-checked by tsconfig.node.json (tests/**), which knows neither Vite's client
// types nor the app's declaration of the virtual module the composable imports.
/// <reference types="vite/client" />
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../../src/workers/background/mediapipeAssets.d.ts" />
/**
 * A page that runs useVirtualBackground outside the app, for the benchmark (bench/vb.bench.ts, through
 * the Vite dev server) and for the browser tests. Everything is driven through `window.vbHarness`.
 */
import { effectScope, nextTick, ref, type EffectScope } from 'vue'
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
  fpsIn: number
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
    video.requestVideoFrameCallback(tick)
  }
  video.requestVideoFrameCallback(tick)
}

const harness = {
  async start(o: HarnessStart) {
    camera = await navigator.mediaDevices.getUserMedia({
      video: { width: { exact: o.width }, height: { exact: o.height }, frameRate: { ideal: o.fps } },
    })
    const settings = ref({ ...defaultVirtualBackgroundSettings(), ...o.settings } as VirtualBackgroundSettings)
    scope = effectScope()
    const source = camera.getVideoTracks()[0]!
    vb = scope.run(() => useVirtualBackground({ source, settings, pipeline: o.pipeline, renderer: o.renderer, assetBase: o.assetBase }))!
    await countFrames(vb.track.value!)
    return { trackId: vb.track.value!.id, camera: source.getSettings() }
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
    const stop = vb!.stats.value
    void stop
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
    longTasks = 0
    const t0 = performance.now()
    await new Promise((r) => setTimeout(r, seconds * 1000))
    const elapsed = (performance.now() - t0) / 1000
    const frames = outFrames
    const tasks = longTasks
    unwatch()
    const samples = statsLog.flatMap((s) => s.samples)
    const sum = (f: (s: CompositorStats) => number) => statsLog.reduce((a, s) => a + f(s), 0)
    const n = Math.max(1, statsLog.length)
    const masks = statsLog.filter((s) => s.maskFps > 0).map((s) => s.maskMsP50)
    return {
      seconds: elapsed,
      fpsIn: sum((s) => s.fpsIn) / n,
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
