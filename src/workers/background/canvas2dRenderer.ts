/**
 * The fallback renderer, for browsers without WebGL2 (in a worker with OffscreenCanvas, or on the main
 * thread with a plain canvas where OffscreenCanvas is missing). It keeps every feature working, slower:
 * the chroma key runs per pixel on the CPU (the same maths as the shader, without the 5-tap box filter),
 * the mask is feathered with the canvas `blur()` filter, the background blur is not mask-weighted, and
 * the colour look is a pass over the finished picture (getImageData, the look's table, putImageData), and
 * touch-up a pass over the camera frame before anything is drawn from it (touchUp.ts's smoothRgba).
 */
import { parseHexColor, rgbToCrCb } from '@/lib/virtualBackground/color'
import { applyDenseTable, buildDenseTable } from '@/lib/virtualBackground/looks'
import { coverRect } from '@/lib/virtualBackground/coverRect'
import { smoothRgba, TouchUpScratch } from '@/lib/virtualBackground/touchUp'
import { LiftTableCache } from '@/lib/virtualBackground/lowLight'
import { smoothstep } from '@/lib/virtualBackground/mask'
import type { RenderSettings } from './protocol'
import {
  blurRadius,
  frameSize,
  maskEdges,
  temporalBase,
  type DrawPlan,
  type FramePlanes,
  type FrameSource,
  type Renderer,
} from './renderer'

type AnyCanvas = OffscreenCanvas | HTMLCanvasElement
type Ctx2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D

export function makeCanvas(width: number, height: number): AnyCanvas {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height)
  const c = document.createElement('canvas')
  c.width = width
  c.height = height
  return c
}

export function ctx2d(c: AnyCanvas, willReadFrequently = false): Ctx2D {
  const ctx = c.getContext('2d', { willReadFrequently }) as Ctx2D | null
  if (!ctx) throw new Error('2D canvas is not available')
  return ctx
}

export class Canvas2DRenderer implements Renderer {
  readonly kind = 'canvas2d' as const
  readonly acceptsPlanes = false
  private readonly ctx: Ctx2D
  /** The last camera frame, for picking and as the chroma key's input. */
  private readonly frame = makeCanvas(1, 1)
  private readonly frameCtx = ctx2d(this.frame, true)
  private readonly fg = makeCanvas(1, 1)
  private readonly fgCtx = ctx2d(this.fg)
  /** Mask with the confidence in alpha, smoothed over time, at the model's size. */
  private readonly mask = makeCanvas(1, 1)
  private readonly maskCtx = ctx2d(this.mask, true)
  private bg: AnyCanvas | null = null
  private maskValid = false
  private lookTable: Uint32Array | null = null
  private lookKey = ''
  /** The mask at half size (the touch-up's cells), for the person weight. */
  private readonly cells = makeCanvas(1, 1)
  private readonly cellsCtx = ctx2d(this.cells, true)
  private readonly touchScratch = new TouchUpScratch()
  private person = new Uint8Array(0)
  private touchWeight = new Uint8Array(0)

  constructor(canvas: AnyCanvas) {
    this.ctx = ctx2d(canvas)
  }

  get hasMask() {
    return this.maskValid
  }
  get hasBackground() {
    return this.bg !== null
  }

  setBackground(src: FrameSource | null): void {
    if (!src) {
      this.bg = null
      return
    }
    const { width, height } = frameSize(src)
    if (!this.bg || this.bg.width !== width || this.bg.height !== height) this.bg = makeCanvas(width, height)
    ctx2d(this.bg).drawImage(src, 0, 0)
  }

  resetMask(): void {
    this.maskValid = false
  }

  setMask(mask: ImageBitmap, _guide: ImageBitmap, s: RenderSettings): void {
    const { width: w, height: h } = mask
    const tmp = makeCanvas(w, h)
    const tctx = ctx2d(tmp, true)
    tctx.drawImage(mask, 0, 0)
    const img = tctx.getImageData(0, 0, w, h)
    const d = img.data
    // The model's confidence is in red; the 2D compositing below needs it in alpha.
    for (let i = 0; i < d.length; i += 4) {
      d[i + 3] = d[i]!
      d[i] = d[i + 1] = d[i + 2] = 255
    }
    tctx.putImageData(img, 0, 0)
    if (this.mask.width !== w || this.mask.height !== h) {
      this.mask.width = w
      this.mask.height = h
      this.maskValid = false
    }
    // Temporal smoothing, simpler than the shader's: a constant-weight blend of the new mask.
    this.maskCtx.globalCompositeOperation = 'copy'
    this.maskCtx.globalAlpha = this.maskValid ? temporalBase(s.segmentation.temporalSmoothing) : 1
    if (this.maskValid) this.maskCtx.globalCompositeOperation = 'source-over'
    this.maskCtx.drawImage(tmp, 0, 0)
    this.maskCtx.globalAlpha = 1
    this.maskValid = true
  }

  draw(frame: FrameSource | FramePlanes, width: number, height: number, plan: DrawPlan, s: RenderSettings): void {
    if ('layout' in frame) throw new Error('the 2D renderer takes whole frames')
    const out = this.ctx
    for (const c of [out.canvas, this.frame, this.fg]) {
      if (c.width !== width || c.height !== height) {
        c.width = width
        c.height = height
      }
    }
    this.frameCtx.drawImage(frame, 0, 0, width, height)
    if (plan.touchUp || plan.lift < 1) this.retouch(plan, s, width, height)
    if (plan.engine === 0) {
      out.globalCompositeOperation = 'copy'
      out.drawImage(this.frame, 0, 0)
      if (plan.look) this.applyLook(s, width, height)
      return
    }
    // Foreground: the frame with alpha from the key or the mask.
    const fg = this.fgCtx
    if (plan.engine === 1) {
      const img = this.frameCtx.getImageData(0, 0, width, height)
      this.keyInPlace(img.data, s)
      fg.putImageData(img, 0, 0)
    } else {
      const [e0, e1] = maskEdges(s.segmentation.edgeSoftness)
      fg.globalCompositeOperation = 'copy'
      fg.filter = `blur(${Math.max(0.5, (e1 - e0) * width * 0.01).toFixed(1)}px)`
      fg.drawImage(this.mask, 0, 0, width, height)
      fg.filter = 'none'
      fg.globalCompositeOperation = 'source-in'
      fg.drawImage(this.frame, 0, 0)
    }
    // Background, then the foreground over it.
    out.globalCompositeOperation = 'copy'
    if (plan.background === 2) {
      out.filter = `blur(${blurRadius(s.blurStrength) * Math.max(1, width / 320)}px)`
      out.drawImage(this.frame, 0, 0)
      out.filter = 'none'
    } else if (plan.background === 1 && this.bg) {
      const r = coverRect(this.bg.width, this.bg.height, width, height)
      out.drawImage(this.bg, r.sx, r.sy, r.sw, r.sh, 0, 0, width, height)
    } else {
      out.fillStyle = s.color
      out.fillRect(0, 0, width, height)
    }
    out.globalCompositeOperation = 'source-over'
    out.drawImage(this.fg, 0, 0)
    if (plan.look) this.applyLook(s, width, height)
  }

  /** Touch-up and the low-light lift of the camera frame, in place, in one read and write of its pixels. */
  private retouch(plan: DrawPlan, s: RenderSettings, width: number, height: number) {
    const img = this.frameCtx.getImageData(0, 0, width, height)
    let changed = plan.touchUp && this.touchUp(img.data, plan, s, width, height)
    if (plan.lift < 1) {
      const t = this.liftTables.get(plan.lift, true)
      const d = img.data
      for (let p = 0; p < d.length; p += 4) {
        const y = (77 * d[p]! + 150 * d[p + 1]! + 29 * d[p + 2]! + 128) >> 8
        const delta = t[y]! - y
        d[p] = d[p]! + delta
        d[p + 1] = d[p + 1]! + delta
        d[p + 2] = d[p + 2]! + delta
      }
      changed = true
    }
    if (changed) this.frameCtx.putImageData(img, 0, 0)
  }
  private readonly liftTables = new LiftTableCache()

  /**
   * Skin smoothing of the camera frame's pixels, inside the person: the mask's alpha (its edge as the composite
   * draws it) per half-size cell; with the chroma key, the skin test alone (a green screen is not skin).
   */
  private touchUp(pixels: Uint8ClampedArray, plan: DrawPlan, s: RenderSettings, width: number, height: number): boolean {
    const cw = (width + 1) >> 1
    const ch = (height + 1) >> 1
    if (this.touchWeight.length !== cw * ch) this.touchWeight = new Uint8Array(cw * ch)
    let person: Uint8Array | null = null
    if (plan.engine !== 1) {
      if (!this.maskValid) return false
      if (this.cells.width !== cw || this.cells.height !== ch) {
        this.cells.width = cw
        this.cells.height = ch
      }
      this.cellsCtx.globalCompositeOperation = 'copy'
      this.cellsCtx.drawImage(this.mask, 0, 0, cw, ch)
      const m = this.cellsCtx.getImageData(0, 0, cw, ch).data
      if (this.person.length !== cw * ch) this.person = new Uint8Array(cw * ch)
      const [e0, e1] = maskEdges(s.segmentation.edgeSoftness)
      for (let k = 0; k < cw * ch; k++) this.person[k] = Math.round(255 * smoothstep(e0, e1, m[k * 4 + 3]! / 255))
      person = this.person
    }
    return smoothRgba(pixels, width, height, person, s.touchUp.strength, this.touchScratch, this.touchWeight) > 0
  }

  private applyLook(s: RenderSettings, width: number, height: number) {
    const key = `${s.look.id}:${s.look.strength}`
    if (key !== this.lookKey) {
      this.lookTable = buildDenseTable(s.look.id, s.look.strength)
      this.lookKey = key
    }
    const img = this.ctx.getImageData(0, 0, width, height)
    applyDenseTable(this.lookTable!, new Uint32Array(img.data.buffer))
    this.ctx.putImageData(img, 0, 0)
  }

  private keyInPlace(d: Uint8ClampedArray, s: RenderSettings) {
    const key = rgbToCrCb(parseHexColor(s.chroma.keyColor) ?? [0, 1, 0])
    const { similarity, smoothness, spill } = s.chroma
    // Cr and Cb in 0..255 units, so the loop stays in integers until the distance.
    const k0 = key[0] * 255
    const k1 = key[1] * 255
    for (let i = 0; i < d.length; i += 4) {
      const r = d[i]!
      const g = d[i + 1]!
      const b = d[i + 2]!
      const cr = 0.439216 * r - 0.398942 * g - 0.040274 * b + 128 - k0
      const cb = -0.100644 * r - 0.338572 * g + 0.439216 * b + 128 - k1
      const base = Math.sqrt(cr * cr + cb * cb) / 255 - similarity
      const a = base <= 0 ? 0 : base >= smoothness ? 1 : Math.pow(base / smoothness, 1.5)
      d[i + 3] = a * 255
      const sp = base <= 0 ? 0 : base >= spill ? 1 : Math.pow(base / spill, 1.5)
      if (sp < 1) {
        const y = 0.2126 * r + 0.7152 * g + 0.0722 * b
        d[i] = y + (r - y) * sp
        d[i + 1] = y + (g - y) * sp
        d[i + 2] = y + (b - y) * sp
      }
    }
  }

  readPatch(x: number, y: number, size: number): Uint8Array | null {
    const { width, height } = this.frame
    if (width < size || height < size) return null
    const px = Math.min(width - size, Math.max(0, Math.round(x * width) - (size >> 1)))
    const py = Math.min(height - size, Math.max(0, Math.round(y * height) - (size >> 1)))
    return new Uint8Array(this.frameCtx.getImageData(px, py, size, size).data.buffer)
  }

  finish(): void {}

  dispose(): void {
    this.bg = null
  }
}
