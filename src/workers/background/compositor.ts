/**
 * The compositor: takes camera frames, keeps at most one in hand (a frame that arrives while the
 * previous one is being drawn replaces the waiting one, which is closed: dropped, never queued),
 * asks the segmentation worker for masks when it is idle, and draws each frame with the renderer.
 *
 * It runs in compositor.worker.ts on the OffscreenCanvas of the processed track's canvas; where
 * OffscreenCanvas is missing, useVirtualBackground runs the same class on the main thread.
 * Pacing comes from the frames themselves (no requestAnimationFrame), so it keeps running in a
 * background tab.
 */
import { averageKeyColor } from '@/lib/virtualBackground/color'
import { Canvas2DRenderer } from './canvas2dRenderer'
import {
  MODEL_INPUT,
  type CompositorCommand,
  type CompositorEvent,
  type CompositorStats,
  type RenderSettings,
  type RendererKind,
  type SegmenterReply,
  type SegmenterRequest,
} from './protocol'
import { frameSize, type DrawPlan, type FrameSource, type Renderer } from './renderer'
import { WebGL2Renderer } from './webgl2Renderer'

export type Post = (event: CompositorEvent, transfer?: Transferable[]) => void

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

const round2 = (x: number) => Math.round(x * 100) / 100

export function createRenderer(canvas: OffscreenCanvas | HTMLCanvasElement, prefer?: RendererKind): { renderer: Renderer; note?: string } {
  if (prefer !== 'canvas2d') {
    try {
      const gl = WebGL2Renderer.create(canvas)
      if (gl) return { renderer: gl }
    } catch (err) {
      return { renderer: new Canvas2DRenderer(canvas), note: `WebGL2 failed (${String(err)}); using the slower 2D canvas.` }
    }
    return { renderer: new Canvas2DRenderer(canvas), note: 'WebGL2 is not available; using the slower 2D canvas.' }
  }
  return { renderer: new Canvas2DRenderer(canvas) }
}

export class Compositor {
  private renderer: Renderer
  private settings: RenderSettings
  private reader: ReadableStreamDefaultReader<VideoFrame> | null = null
  private bgReader: ReadableStreamDefaultReader<VideoFrame> | null = null
  private pendingBg: FrameSource | null = null
  private port: MessagePort | null = null
  private segBusy = false
  private segReady = false
  private segId = 0
  private lastMaskRequest = -Infinity
  private maskTimes: number[] = []
  private maskCount = 0
  private frameTimes: number[] = []
  private framesIn = 0
  private framesOut = 0
  private width = 0
  private height = 0
  private statsTimer: ReturnType<typeof setInterval>
  private disposed = false

  constructor(
    canvas: OffscreenCanvas | HTMLCanvasElement,
    settings: RenderSettings,
    private readonly post: Post,
    prefer?: RendererKind,
  ) {
    const { renderer, note } = createRenderer(canvas, prefer)
    this.renderer = renderer
    this.settings = settings
    post({ type: 'ready', renderer: renderer.kind, note })
    this.statsTimer = setInterval(() => this.reportStats(), 1000)
  }

  handle(cmd: CompositorCommand): void {
    switch (cmd.type) {
      case 'init':
        break
      case 'source':
        void this.setSource(cmd.stream)
        break
      case 'frame':
        this.framesIn++
        this.process(cmd.bitmap)
        this.post({ type: 'frameDone' })
        break
      case 'settings': {
        const prev = this.settings
        this.settings = cmd.settings
        if (prev.engine !== cmd.settings.engine || prev.segmentation.model !== cmd.settings.segmentation.model) {
          this.renderer.resetMask()
          if (prev.segmentation.model !== cmd.settings.segmentation.model) {
            this.segReady = false
            this.request({ type: 'model', model: cmd.settings.segmentation.model })
          }
        }
        break
      }
      case 'backgroundImage':
        this.stopBackgroundStream()
        this.renderer.setBackground(cmd.bitmap)
        cmd.bitmap?.close()
        break
      case 'backgroundStream':
        this.stopBackgroundStream()
        if (cmd.stream) void this.readBackground(cmd.stream)
        break
      case 'backgroundFrame':
        this.setPendingBackground(cmd.bitmap)
        this.post({ type: 'backgroundFrameDone' })
        break
      case 'segmenter':
        this.setSegmenter(cmd.port)
        break
      case 'pick': {
        const patch = this.renderer.readPatch(cmd.x, cmd.y, 7)
        this.post({ type: 'picked', id: cmd.id, color: patch ? averageKeyColor(patch) : null })
        break
      }
      case 'dispose':
        this.dispose()
        break
    }
  }

  private async setSource(stream: ReadableStream<VideoFrame> | null) {
    const old = this.reader
    this.reader = null
    if (old) await old.cancel().catch(() => {})
    if (!stream || this.disposed) return
    const reader = stream.getReader()
    this.reader = reader
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done || this.reader !== reader) {
          value?.close()
          break
        }
        this.framesIn++
        // Drawing is synchronous (it ends with finish()), so frames that arrive meanwhile wait in the
        // track processor's one-frame buffer, which drops the older one: a busy worker drops frames.
        this.process(value)
      }
    } catch (err) {
      if (this.reader === reader) this.post({ type: 'error', message: `The camera's frames stopped: ${String(err)}`, fatal: false })
    }
  }

  private stopBackgroundStream() {
    const r = this.bgReader
    this.bgReader = null
    void r?.cancel().catch(() => {})
    this.pendingBg?.close()
    this.pendingBg = null
  }

  private setPendingBackground(frame: FrameSource) {
    // Only the newest background video frame matters; an older one not yet drawn is dropped.
    this.pendingBg?.close()
    this.pendingBg = frame
  }

  private async readBackground(stream: ReadableStream<VideoFrame>) {
    const reader = stream.getReader()
    this.bgReader = reader
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done || this.bgReader !== reader) {
          value?.close()
          break
        }
        this.setPendingBackground(value)
      }
    } catch (err) {
      if (this.bgReader === reader) this.post({ type: 'error', message: `The background video stopped: ${String(err)}`, fatal: false })
    }
  }

  private setSegmenter(port: MessagePort | null) {
    this.port?.close()
    this.port = port
    this.segBusy = false
    this.segReady = false
    this.renderer.resetMask()
    if (!port) return
    port.onmessage = (e: MessageEvent<SegmenterReply>) => this.onSegmenter(e.data)
  }

  private request(msg: SegmenterRequest, transfer: Transferable[] = []) {
    this.port?.postMessage(msg, transfer)
  }

  private onSegmenter(msg: SegmenterReply) {
    switch (msg.type) {
      case 'ready':
        this.segReady = msg.model === this.settings.segmentation.model
        break
      case 'failed':
        // The error reaches the UI from the segmentation worker itself; here the camera stays raw.
        this.segReady = false
        this.segBusy = false
        this.renderer.resetMask()
        break
      case 'skipped':
        msg.input.close()
        this.segBusy = false
        break
      case 'mask':
        this.segBusy = false
        if (this.wantsMask()) {
          this.renderer.setMask(msg.mask, msg.input, this.settings)
          this.maskTimes.push(msg.ms)
          this.maskCount++
        }
        msg.mask.close()
        msg.input.close()
        break
    }
  }

  private wantsMask(): boolean {
    const s = this.settings
    return s.engine === 'segmentation' && s.mode !== 'none' && !s.showOriginal
  }

  /** Returns true when it took ownership of `frame` (an ImageBitmap, which cannot be cloned): it closes it. */
  private requestMask(frame: FrameSource): boolean {
    if (!this.port || !this.segReady || this.segBusy || !this.wantsMask()) return false
    const now = performance.now()
    if (now - this.lastMaskRequest < 1000 / this.settings.segmentation.maskFps - 2) return false
    this.segBusy = true
    this.lastMaskRequest = now
    const { width, height } = MODEL_INPUT[this.settings.segmentation.model]
    const id = ++this.segId
    // The model gets a small copy: scaling here (not in the model's graph) is most of its speed.
    const copy = 'clone' in frame ? frame.clone() : frame
    createImageBitmap(copy, { resizeWidth: width, resizeHeight: height, resizeQuality: 'low' })
      .then((bitmap) => {
        if (this.port && !this.disposed) this.request({ type: 'segment', id, bitmap }, [bitmap])
        else {
          bitmap.close()
          this.segBusy = false
        }
      })
      .catch(() => {
        this.segBusy = false
      })
      .finally(() => copy.close())
    return copy === frame
  }

  private plan(): DrawPlan {
    const s = this.settings
    if (s.showOriginal || s.mode === 'none') return { engine: 0, background: 0 }
    let engine: DrawPlan['engine'] = 1
    if (s.engine === 'segmentation') engine = this.renderer.hasMask ? 2 : 0
    const background: DrawPlan['background'] =
      s.mode === 'blur' ? 2 : (s.mode === 'image' || s.mode === 'video') && this.renderer.hasBackground ? 1 : 0
    return { engine, background }
  }

  private process(frame: FrameSource) {
    const t0 = performance.now()
    let owned = false
    try {
      const { width, height } = frameSize(frame)
      this.width = width
      this.height = height
      owned = this.requestMask(frame)
      if (this.pendingBg) {
        this.renderer.setBackground(this.pendingBg)
        this.pendingBg.close()
        this.pendingBg = null
      }
      this.renderer.draw(frame, width, height, this.plan(), this.settings)
      this.renderer.finish()
      this.framesOut++
    } catch (err) {
      this.post({ type: 'error', message: `Drawing the background failed: ${String(err)}`, fatal: false })
    } finally {
      if (!owned) frame.close()
    }
    this.frameTimes.push(performance.now() - t0)
  }

  private reportStats() {
    const samples = this.frameTimes.map(round2)
    const sorted = [...samples].sort((a, b) => a - b)
    const masks = [...this.maskTimes].sort((a, b) => a - b)
    const stats: CompositorStats = {
      fps: this.framesOut,
      fpsIn: this.framesIn,
      msP50: percentile(sorted, 0.5),
      msP95: percentile(sorted, 0.95),
      samples,
      maskFps: this.maskCount,
      maskMsP50: round2(percentile(masks, 0.5)),
      width: this.width,
      height: this.height,
      renderer: this.renderer.kind,
    }
    this.frameTimes = []
    this.maskTimes = []
    this.framesIn = this.framesOut = this.maskCount = 0
    this.post({ type: 'stats', stats })
  }

  dispose() {
    if (this.disposed) return
    this.disposed = true
    clearInterval(this.statsTimer)
    void this.setSource(null)
    this.stopBackgroundStream()
    this.setSegmenter(null)
    this.renderer.dispose()
  }
}
