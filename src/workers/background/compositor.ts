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
import { isLookActive } from '@/lib/virtualBackground/looks'
import { needsPersonMask } from '@/lib/virtualBackground/settings'
import { easeGamma, lowLightGamma, meanLuma } from '@/lib/virtualBackground/lowLight'
import { Canvas2DRenderer, ctx2d, makeCanvas } from './canvas2dRenderer'
import { CpuRenderer } from './cpuRenderer'
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
import { frameSize, frameYuv, PLANE_FORMATS, type DrawPlan, type FramePlanes, type FrameSource, type Renderer } from './renderer'
import { WebGL2Renderer } from './webgl2Renderer'

export type Post = (event: CompositorEvent, transfer?: Transferable[]) => void

/** Where finished pictures go: the canvas the renderer draws on, and what happens after each picture. */
export interface FrameSink {
  canvas: OffscreenCanvas | HTMLCanvasElement
  /** Called after each drawn picture, with the camera frame's timestamp (µs). */
  present(timestamp: number): void
  dispose(): void
}

/** Pictures drawn on a canvas that is itself the output (a transferred or page canvas under captureStream()). */
export const canvasSink = (canvas: OffscreenCanvas | HTMLCanvasElement): FrameSink => ({ canvas, present() {}, dispose() {} })

/** How often the low-light fix measures the camera's brightness, and on how small a copy. */
const LIGHT_EVERY_MS = 250
const LIGHT_SIZE = [32, 18] as const

/** After this many pictures in a row failed to draw, the compositor reports a fatal error (the output would freeze). */
const MAX_FAILED_FRAMES = 15

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

const round2 = (x: number) => Math.round(x * 100) / 100

const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render/i

/** What WebGL2 would run on here: null (none), 'software' or 'hardware'. Probed on a throwaway canvas. */
export function probeWebGL2(): 'software' | 'hardware' | null {
  try {
    const c = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas')
    const gl = c.getContext('webgl2') as WebGL2RenderingContext | null
    if (!gl) return null
    const info = gl.getExtension('WEBGL_debug_renderer_info')
    const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER))
    gl.getExtension('WEBGL_lose_context')?.loseContext()
    return SOFTWARE_GL.test(name) ? 'software' : 'hardware'
  } catch {
    return null
  }
}

/**
 * The renderer for this browser and machine, unless `prefer` names one: WebGL2 on a hardware GPU; the
 * CPU (YUV) renderer where WebGL is software or missing and VideoFrame exists; else the 2D canvas.
 */
export function createRenderer(canvas: OffscreenCanvas | HTMLCanvasElement, prefer?: RendererKind): { renderer: Renderer; note?: string } {
  const hasVideoFrame = typeof VideoFrame !== 'undefined'
  const gl = prefer === 'webgl2' || !prefer ? probeWebGL2() : null
  if (prefer === 'webgl2' || (!prefer && gl === 'hardware')) {
    try {
      const r = WebGL2Renderer.create(canvas)
      if (r) return { renderer: r }
    } catch (err) {
      return {
        renderer: hasVideoFrame ? new CpuRenderer(canvas) : new Canvas2DRenderer(canvas),
        note: `WebGL2 failed (${String(err)}); drawing on the CPU instead.`,
      }
    }
  }
  if (prefer !== 'canvas2d' && hasVideoFrame) return { renderer: new CpuRenderer(canvas) }
  return {
    renderer: new Canvas2DRenderer(canvas),
    note: prefer === 'canvas2d' ? undefined : 'This browser lacks WebGL2 and VideoFrame; using the slower 2D canvas.',
  }
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
  private planeBuffer: Uint8Array | null = null
  /**
   * Camera frames sent one by one (`frame`) are drawn one after another: the page may send the next before this one
   * is done (framePump's `inFlight`), and drawing shares `planeBuffer` and the renderer.
   */
  private frameChain: Promise<void> = Promise.resolve()
  private height = 0
  private statsTimer: ReturnType<typeof setInterval>
  private disposed = false
  private failedInARow = 0
  private sourceTrack: MediaStreamTrack | null = null
  /** Low-light fix: the curve in use, the one it eases towards, and where the brightness is measured. */
  private lift = 1
  private liftTarget = 1
  private lastLiftAt = 0
  private lastLightAt = -Infinity
  private light: ReturnType<typeof ctx2d> | null = null

  constructor(
    private readonly sink: FrameSink,
    settings: RenderSettings,
    private readonly post: Post,
    prefer?: RendererKind,
  ) {
    const { renderer, note } = createRenderer(sink.canvas, prefer)
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
      case 'sourceTrack':
        this.setSourceTrack(cmd.track)
        break
      case 'frame': {
        this.framesIn++
        const frame = cmd.frame
        this.frameChain = this.frameChain.then(() => this.process(frame)).then(() => this.post({ type: 'frameDone' }))
        break
      }
      case 'settings': {
        const prev = this.settings
        this.settings = cmd.settings
        if (
          needsPersonMask(prev) !== needsPersonMask(cmd.settings) ||
          prev.engine !== cmd.settings.engine ||
          prev.segmentation.model !== cmd.settings.segmentation.model
        ) {
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
    // Not awaited: a cancel that never settles (seen with transferred tracks) must not hold up the new camera.
    // The old loop sees it is no longer the reader and stops.
    if (old) void old.cancel().catch(() => {})
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
        // The next frame is read only when this one is drawn (finish() included), so frames that arrive
        // meanwhile wait in the track processor's one-frame buffer, which drops the older one.
        await this.process(value)
      }
    } catch (err) {
      if (this.reader === reader) this.post({ type: 'error', message: `the camera's frames stopped (${String(err)})`, fatal: true })
    }
  }

  /** A transferred camera track (Safari 18+): read here with the worker's own MediaStreamTrackProcessor. */
  private setSourceTrack(track: MediaStreamTrack | null) {
    this.sourceTrack?.stop()
    this.sourceTrack = track
    if (!track) {
      void this.setSource(null)
      return
    }
    const processor = new MediaStreamTrackProcessor({ track: track as MediaStreamVideoTrack, maxBufferSize: 1 })
    void this.setSource(processor.readable)
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
      if (this.bgReader === reader) this.post({ type: 'error', message: `the background video stopped (${String(err)})`, fatal: false })
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
    return needsPersonMask(s) && !s.showOriginal
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
    if (s.showOriginal) return { engine: 0, background: 0, look: false, touchUp: false, lift: 1 }
    const look = isLookActive(s.look)
    const touch = s.touchUp.strength > 0
    const lift = s.lowLight ? this.lift : 1
    if (s.mode === 'none') return { engine: 0, background: 0, look, touchUp: touch && this.renderer.hasMask, lift }
    let engine: DrawPlan['engine'] = 1
    if (s.engine === 'segmentation') engine = this.renderer.hasMask ? 2 : 0
    const background: DrawPlan['background'] =
      s.mode === 'blur' ? 2 : (s.mode === 'image' || s.mode === 'video') && this.renderer.hasBackground ? 1 : 0
    return { engine, background, look, touchUp: touch && engine !== 0, lift }
  }

  /**
   * The low-light fix's brightness, measured on a 32x18 copy of the camera frame a few times a second, and the
   * curve eased towards the one it asks for. Off: the curve goes back to none at once.
   */
  private measureLight(frame: FrameSource) {
    const now = performance.now()
    if (!this.settings.lowLight) {
      this.lift = this.liftTarget = 1
      this.lastLiftAt = now
      return
    }
    if (now - this.lastLightAt >= LIGHT_EVERY_MS) {
      this.lastLightAt = now
      try {
        const ctx = (this.light ??= ctx2d(makeCanvas(LIGHT_SIZE[0], LIGHT_SIZE[1]), true))
        ctx.drawImage(frame, 0, 0, LIGHT_SIZE[0], LIGHT_SIZE[1])
        this.liftTarget = lowLightGamma(meanLuma(ctx.getImageData(0, 0, LIGHT_SIZE[0], LIGHT_SIZE[1]).data))
      } catch {
        // A frame that cannot be drawn here keeps the last curve.
      }
    }
    this.lift = easeGamma(this.lift, this.liftTarget, now - this.lastLiftAt)
    this.lastLiftAt = now
  }

  /** A VideoFrame's planes, copied out for the WebGL2 renderer; null when it should take the frame whole. */
  private async planes(source: FrameSource): Promise<FramePlanes | null> {
    if (!this.renderer.acceptsPlanes) return null
    // An ImageBitmap (the frame-by-frame path) becomes a VideoFrame to be read the same way.
    const frame = 'format' in source ? source : typeof VideoFrame !== 'undefined' ? new VideoFrame(source, { timestamp: 0 }) : null
    try {
      if (!frame?.format || !PLANE_FORMATS.has(frame.format) || !frame.visibleRect) return null
      const rect = frame.visibleRect
      const size = frame.allocationSize()
      if (!this.planeBuffer || this.planeBuffer.byteLength < size) this.planeBuffer = new Uint8Array(size)
      const data = this.planeBuffer.subarray(0, size)
      const layout = await frame.copyTo(data)
      return { format: frame.format, data, layout, width: rect.width, height: rect.height, ...frameYuv(frame) }
    } finally {
      if (frame && frame !== source) frame.close()
    }
  }

  private async process(frame: FrameSource) {
    const t0 = performance.now()
    let owned = false
    try {
      const { width, height } = frameSize(frame)
      this.width = width
      this.height = height
      this.measureLight(frame)
      owned = this.requestMask(frame)
      const planes = await this.planes(frame).catch(() => null)
      if (this.pendingBg) {
        this.renderer.setBackground(this.pendingBg)
        this.pendingBg.close()
        this.pendingBg = null
      }
      if (this.disposed) return
      if (!planes && this.renderer.kind === 'cpu')
        throw new Error(`frames of format ${'format' in frame ? frame.format : 'bitmap'} cannot be read`)
      this.renderer.draw(planes ?? frame, width, height, this.plan(), this.settings)
      this.renderer.finish()
      this.sink.present('timestamp' in frame ? frame.timestamp : Math.round(performance.now() * 1000))
      this.framesOut++
      this.failedInARow = 0
    } catch (err) {
      // One bad frame is skipped; a run of them means the output has frozen, and the main thread must take over.
      const fatal = ++this.failedInARow === MAX_FAILED_FRAMES
      if (this.failedInARow === 1 || fatal) this.post({ type: 'error', message: `drawing the background failed (${String(err)})`, fatal })
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
      lift: round2(this.settings.lowLight ? this.lift : 1),
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
    this.setSourceTrack(null)
    this.stopBackgroundStream()
    this.setSegmenter(null)
    this.renderer.dispose()
    this.sink.dispose()
  }
}
