/**
 * The CPU renderer: composites straight from the camera frame's YUV planes in JavaScript, one fused
 * pass that converts to RGBA only what shows, then one putImageData. It is the fastest path where the
 * GPU is software (SwiftShader, llvmpipe): measured on the 2-core target machine at 1280x720, a single
 * trivial WebGL pass costs 7-12 ms there, while this whole chroma key + composite costs about 3 ms.
 *
 * How it stays cheap:
 * - The key runs at chroma resolution (a quarter of the pixels), through 64K-entry tables (yuvKey.ts).
 * - A 2x2 block whose alpha and neighbours' are all 0 (background) or all 255 (foreground) is written
 *   without blending; only edge blocks get a per-pixel alpha, interpolated bilinearly from the chroma
 *   grid (the GPU's texture filtering, by hand), and a blend.
 * - Segmentation masks are refined (temporal smoothing, joint bilateral filter guided by the frame the
 *   mask came from, smoothstep) at the model's size, once per mask, then upsampled to chroma size.
 * - The blur is mask-weighted (background pixels only, normalised) at a quarter of the chroma size
 *   (boxBlur.ts), and upsampled only where the person does not cover the picture.
 * - The colour look is a 64³ table of packed pixels (looks.ts's buildDenseTable, strength mixed in), looked
 *   up as each foreground or edge pixel is written; background pixels are graded once where they are made
 *   (the colour, the fitted picture, the small blur), so the look costs one lookup per person pixel.
 */
import { parseHexColor } from '@/lib/virtualBackground/color'
import { applyDenseTable, buildDenseTable, denseIndex } from '@/lib/virtualBackground/looks'
import { smoothstep, temporalWeight } from '@/lib/virtualBackground/mask'
import { boxBlurRound } from '@/lib/virtualBackground/boxBlur'
import { buildSkinTable, smoothLuma, TouchUpScratch } from '@/lib/virtualBackground/touchUp'
import { LiftTableCache } from '@/lib/virtualBackground/lowLight'
import { coverRect } from '@/lib/virtualBackground/coverRect'
import { buildKeyTables, buildRgbTables, type KeyTables, type RgbTables } from '@/lib/virtualBackground/yuvKey'
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

function makeCanvas(width: number, height: number): AnyCanvas {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height)
  const c = document.createElement('canvas')
  c.width = width
  c.height = height
  return c
}

function ctx2d(c: AnyCanvas, willReadFrequently = false): Ctx2D {
  const ctx = c.getContext('2d', { willReadFrequently, alpha: false }) as Ctx2D | null
  if (!ctx) throw new Error('2D canvas is not available')
  return ctx
}

/** RGBA bytes of a picture scaled to width x height, cropped to cover (object-fit: cover). */
function coverPixels(src: CanvasImageSource & { width: number; height: number }, width: number, height: number): Uint32Array {
  const c = makeCanvas(width, height)
  const ctx = ctx2d(c, true)
  const r = coverRect(src.width, src.height, width, height)
  ctx.drawImage(src, r.sx, r.sy, r.sw, r.sh, 0, 0, width, height)
  return new Uint32Array(ctx.getImageData(0, 0, width, height).data.buffer)
}

/** Clamp to 0..255 by table: CLAMP[x + 384] for x in -384..639. */
const CLAMP = new Uint8Array(1024).map((_, i) => Math.min(255, Math.max(0, i - 384)))

const pack = (r: number, g: number, b: number) => ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0

export class CpuRenderer implements Renderer {
  readonly kind = 'cpu' as const
  readonly acceptsPlanes = true
  private readonly ctx: Ctx2D
  private img: ImageData | null = null
  private out32 = new Uint32Array(0)
  private w = 0
  private h = 0
  private cw = 0
  private ch = 0
  /** Foreground alpha at chroma resolution. */
  private alphaC = new Uint8Array(0)
  /** The segmentation alpha at chroma resolution (rebuilt per mask). */
  private maskAlphaC = new Uint8Array(0)
  private maskAlphaKey = ''
  private rgb: RgbTables | null = null
  private rgbKey = ''
  private key: KeyTables | null = null
  private keyKey = ''
  /** Background at frame size (picture / video frame cover-fitted, or the blur). */
  private bg32 = new Uint32Array(0)
  private bgSource: AnyCanvas | null = null
  private bgVersion = 0
  private bgFittedKey = ''
  /** The model-sized mask: smoothed over time, then refined. */
  private maskW = 0
  private maskH = 0
  private maskSmooth = new Float32Array(0)
  private maskRefined = new Float32Array(0)
  private maskValid = false
  private maskVersion = 0
  private lastPlanes: FramePlanes | null = null
  private scratch: { canvas: AnyCanvas; ctx: Ctx2D } | null = null
  private yuvCopy: Uint8Array | null = null
  private lookTable: Uint32Array | null = null
  private lookKey = ''
  private skin: Uint8Array | null = null
  private touchWeight = new Uint8Array(0)
  private readonly touchScratch = new TouchUpScratch()

  constructor(canvas: AnyCanvas) {
    this.ctx = ctx2d(canvas)
  }

  get hasMask() {
    return this.maskValid
  }
  get hasBackground() {
    return this.bgSource !== null
  }

  private pixelsOf(src: CanvasImageSource, width: number, height: number): Uint8ClampedArray {
    if (!this.scratch) {
      const canvas = makeCanvas(width, height)
      this.scratch = { canvas, ctx: ctx2d(canvas, true) }
    }
    const { canvas, ctx } = this.scratch
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width
      canvas.height = height
    }
    ctx.drawImage(src, 0, 0, width, height)
    return ctx.getImageData(0, 0, width, height).data
  }

  setBackground(src: FrameSource | null): void {
    if (!src) {
      this.bgSource = null
      return
    }
    const { width, height } = frameSize(src)
    if (!this.bgSource || this.bgSource.width !== width || this.bgSource.height !== height) this.bgSource = makeCanvas(width, height)
    ctx2d(this.bgSource).drawImage(src, 0, 0)
    this.bgVersion++
  }

  resetMask(): void {
    this.maskValid = false
  }

  setMask(mask: ImageBitmap, guide: ImageBitmap, s: RenderSettings): void {
    const w = mask.width
    const h = mask.height
    const m = this.pixelsOf(mask, w, h)
    const g = this.pixelsOf(guide, w, h)
    if (w !== this.maskW || h !== this.maskH) {
      this.maskW = w
      this.maskH = h
      this.maskSmooth = new Float32Array(w * h)
      this.maskRefined = new Float32Array(w * h)
      this.maskValid = false
    }
    const sm = this.maskSmooth
    const base = this.maskValid ? temporalBase(s.segmentation.temporalSmoothing) : 1
    for (let i = 0; i < w * h; i++) {
      const n = m[i * 4]! / 255
      const p = sm[i]!
      sm[i] = p + (n - p) * temporalWeight(p, n, base)
    }
    // Joint bilateral, 3x3: a neighbour votes by its distance in the guide's colour, so the edge
    // follows the picture. The colour weight exp(-d^2 / sigma2) comes from a table.
    const sigma2 = (0.02 + 0.08 * s.segmentation.edgeSoftness) * 255 * 255
    const wTable = new Float32Array(196_000 >> 4)
    for (let i = 0; i < wTable.length; i++) wTable[i] = Math.exp(-(i << 4) / sigma2)
    const lum = new Float32Array(w * h)
    for (let i = 0; i < w * h; i++) lum[i] = g[i * 4]! * 0.299 + g[i * 4 + 1]! * 0.587 + g[i * 4 + 2]! * 0.114
    const out = this.maskRefined
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x
        const c = lum[i]!
        let sum = 0
        let wsum = 0
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy < 0 ? 0 : y + dy >= h ? h - 1 : y + dy
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx < 0 ? 0 : x + dx >= w ? w - 1 : x + dx
            const j = yy * w + xx
            const d = lum[j]! - c
            const wt =
              wTable[Math.min(wTable.length - 1, (3 * d * d) >> 4)]! * (dx === 0 && dy === 0 ? 1 : dx === 0 || dy === 0 ? 0.78 : 0.6)
            sum += sm[j]! * wt
            wsum += wt
          }
        }
        out[i] = sum / wsum
      }
    }
    this.maskValid = true
    this.maskVersion++
  }

  /** The refined mask upsampled (bilinear) to chroma size, through smoothstep, as 0..255. */
  private maskToChroma(s: RenderSettings) {
    const [e0, e1] = maskEdges(s.segmentation.edgeSoftness)
    const key = `${this.maskVersion}:${this.cw}x${this.ch}:${e0}`
    if (key === this.maskAlphaKey) return
    this.maskAlphaKey = key
    const { cw, ch, maskW: mw, maskH: mh } = this
    const lut = new Uint8Array(1025)
    for (let i = 0; i <= 1024; i++) lut[i] = Math.round(255 * smoothstep(e0, e1, i / 1024))
    if (this.maskAlphaC.length !== cw * ch) this.maskAlphaC = new Uint8Array(cw * ch)
    const a = this.maskAlphaC
    const m = this.maskRefined
    const sx = mw / cw
    const sy = mh / ch
    for (let y = 0; y < ch; y++) {
      const fy = Math.max(0, Math.min(mh - 1, (y + 0.5) * sy - 0.5))
      const y0 = fy | 0
      const y1 = Math.min(mh - 1, y0 + 1)
      const ty = fy - y0
      for (let x = 0; x < cw; x++) {
        const fx = Math.max(0, Math.min(mw - 1, (x + 0.5) * sx - 0.5))
        const x0 = fx | 0
        const x1 = Math.min(mw - 1, x0 + 1)
        const tx = fx - x0
        const top = m[y0 * mw + x0]! + (m[y0 * mw + x1]! - m[y0 * mw + x0]!) * tx
        const bot = m[y1 * mw + x0]! + (m[y1 * mw + x1]! - m[y1 * mw + x0]!) * tx
        a[y * cw + x] = lut[((top + (bot - top) * ty) * 1024) | 0]!
      }
    }
  }

  private resize(width: number, height: number) {
    const canvas = this.ctx.canvas
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width
      canvas.height = height
    }
    if (this.w === width && this.h === height && this.img) return
    this.w = width
    this.h = height
    this.cw = (width + 1) >> 1
    this.ch = (height + 1) >> 1
    this.img = new ImageData(width, height)
    this.out32 = new Uint32Array(this.img.data.buffer)
    // Opaque from the start: the foreground pass writes only R, G and B.
    this.out32.fill(0xff000000)
    this.alphaC = new Uint8Array(this.cw * this.ch)
    this.prevCls = new Uint8Array(this.cw * this.ch).fill(255)
    this.bg32 = new Uint32Array(width * height)
    this.bgFittedKey = ''
    this.maskAlphaKey = ''
  }

  /** Planes as I420 (Y, U, V offsets and strides); NV12 and RGB formats are converted first. */
  private toI420(p: FramePlanes) {
    const { width: w, height: h, data, layout } = p
    if (p.format === 'I420' || p.format === 'I420A') {
      return { data, y: layout[0]!, u: layout[1]!, v: layout[2]!, uStep: 1 }
    }
    if (p.format === 'NV12') {
      const uv = layout[1]!
      return { data, y: layout[0]!, u: uv, v: { offset: uv.offset + 1, stride: uv.stride }, uStep: 2 }
    }
    // RGB formats (screen capture; every camera frame in Firefox, which hands over BGRX): convert to I420 here,
    // BT.601 video range, in integer maths on whole pixels (one 32-bit read each), chroma from each 2x2 block's top-left.
    const cw = (w + 1) >> 1
    const ch = (h + 1) >> 1
    const size = w * h + 2 * cw * ch
    if (!this.yuvCopy || this.yuvCopy.length < size) this.yuvCopy = new Uint8Array(size)
    const o = this.yuvCopy
    const bgr = p.format === 'BGRA' || p.format === 'BGRX'
    const rs = bgr ? 16 : 0
    const bs = bgr ? 0 : 16
    const { offset, stride } = layout[0]!
    const aligned = (data.byteOffset + offset) % 4 === 0 && stride % 4 === 0
    const px = aligned ? new Uint32Array(data.buffer, data.byteOffset + offset, (stride * (h - 1)) / 4 + w) : null
    const uBase = w * h
    const vBase = uBase + cw * ch
    for (let y = 0; y < h; y++) {
      const even = !(y & 1)
      const crow = (y >> 1) * cw
      let yi = y * w
      const row = px ? (y * stride) >> 2 : 0
      for (let x = 0; x < w; x++, yi++) {
        let v: number
        if (px) v = px[row + x]!
        else {
          const i = offset + y * stride + x * 4
          v = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16)
        }
        const r = (v >>> rs) & 255
        const g = (v >>> 8) & 255
        const b = (v >>> bs) & 255
        o[yi] = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16
        if (even && !(x & 1)) {
          const ci = crow + (x >> 1)
          o[uBase + ci] = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128
          o[vBase + ci] = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128
        }
      }
    }
    return { data: o, y: { offset: 0, stride: w }, u: { offset: w * h, stride: cw }, v: { offset: w * h + cw * ch, stride: cw }, uStep: 1 }
  }

  draw(frame: FrameSource | FramePlanes, width: number, height: number, plan: DrawPlan, s: RenderSettings): void {
    if (!('layout' in frame)) throw new Error('the CPU renderer takes frame planes')
    this.resize(width, height)
    this.lastPlanes = frame
    const yuvFull = frame.format.startsWith('I420') || frame.format === 'NV12' ? frame.fullRange : false
    const matrix = frame.format.startsWith('I420') || frame.format === 'NV12' ? frame.matrix : 'bt601'
    const rgbKey = `${matrix}:${yuvFull}`
    if (rgbKey !== this.rgbKey) {
      this.rgb = buildRgbTables(matrix, yuvFull)
      this.rgbKey = rgbKey
    }
    const planes = this.toI420(frame)
    const { cw, ch } = this
    let look: Uint32Array | null = null
    let lookStamp = 'no-look'
    if (plan.look) {
      lookStamp = `${s.look.id}:${s.look.strength}`
      if (lookStamp !== this.lookKey) {
        this.lookTable = buildDenseTable(s.look.id, s.look.strength)
        this.lookKey = lookStamp
      }
      look = this.lookTable
    }
    let alphaC: Uint8Array | null = null
    let spill: Uint16Array | null = null
    if (plan.engine === 1) {
      const c = s.chroma
      const kk = `${c.keyColor}:${c.similarity}:${c.smoothness}:${c.spill}:${rgbKey}`
      if (kk !== this.keyKey) {
        this.key = buildKeyTables(parseHexColor(c.keyColor) ?? [0, 1, 0], c, matrix, yuvFull)
        this.keyKey = kk
      }
      const lut = this.key!.alpha
      const a = this.alphaC
      const d = planes.data
      const us = planes.u.stride
      const vs = planes.v.stride
      const step = planes.uStep
      for (let y = 0; y < ch; y++) {
        let ui = planes.u.offset + y * us
        let vi = planes.v.offset + y * vs
        const row = y * cw
        for (let x = 0; x < cw; x++, ui += step, vi += step) a[row + x] = lut[(d[ui]! << 8) | d[vi]!]!
      }
      alphaC = a
      spill = this.key!.spill
    } else if (plan.engine === 2) {
      this.maskToChroma(s)
      alphaC = this.maskAlphaC
    }
    if (plan.touchUp) this.touchUp(planes, plan.engine === 0 ? null : alphaC, s, yuvFull)
    if (plan.lift < 1) this.liftLuma(planes, plan.lift, yuvFull)
    this.classifyBlocks(alphaC)
    let bgColor = 0
    let bg: Uint32Array | null = null
    let stamp = 'none'
    if (plan.engine !== 0) {
      if (plan.background === 1 && this.bgSource) {
        const key = `${this.bgVersion}:${width}x${height}:${lookStamp}`
        if (key !== this.bgFittedKey) {
          this.bg32.set(coverPixels(this.bgSource, width, height))
          if (look) applyDenseTable(look, this.bg32)
          this.bgFittedKey = key
        }
        bg = this.bg32
        stamp = `picture:${key}`
      } else if (plan.background === 2) {
        this.blurBackground(planes, alphaC!, s, look)
        this.bgFittedKey = ''
        bg = this.bg32
        stamp = `blur:${++this.blurCount}`
      } else {
        const c = parseHexColor(s.color) ?? [0, 0, 0]
        bgColor = pack(Math.round(c[0] * 255), Math.round(c[1] * 255), Math.round(c[2] * 255))
        if (look) bgColor = look[denseIndex(bgColor)]!
        stamp = `color:${bgColor}`
      }
    }
    // A background block that was background in the last frame too, over an unchanged background,
    // already holds the right pixels: it is not written again.
    const staticBg = stamp === this.bgStamp && !stamp.startsWith('blur')
    if (!staticBg) this.prevCls.fill(255)
    this.bgStamp = stamp
    this.composite(planes, alphaC, spill, bg, bgColor, look)
    this.ctx.putImageData(this.img!, 0, 0)
  }

  /**
   * Each 2x2 block's class for this frame (0 background, 1 foreground, 2 edge or odd-sized border, drawn the
   * careful way), into `cls`: the blur's upsampling skips foreground blocks, and the composite draws by class.
   */
  private classifyBlocks(alphaC: Uint8Array | null) {
    const { w, h, cw, ch } = this
    if (this.cls.length !== cw * ch) {
      this.cls = new Uint8Array(cw * ch)
      this.cls32 = cw % 4 === 0 ? new Uint32Array(this.cls.buffer) : null
    }
    const cls = this.cls
    const even = !(w & 1) && !(h & 1)
    if (!alphaC) cls.fill(1)
    else {
      const a32 = cw % 4 === 0 ? new Uint32Array(alphaC.buffer, alphaC.byteOffset, alphaC.length >> 2) : null
      const c32 = this.cls32
      const quads = a32 && c32 ? cw >> 2 : 0
      for (let by = 0; by < ch; by++) {
        const aRow = by * cw
        const up = by > 0 ? aRow - cw : aRow
        const dn = by + 1 < ch ? aRow + cw : aRow
        // Four blocks at a time where the alpha row and its neighbours are all 0 or all 255.
        for (let q = 0; q < quads; q++) {
          const c = a32![(aRow >> 2) + q]!
          const byte = c & 255
          if (
            (c === 0 || c === 0xffffffff) &&
            a32![(up >> 2) + q] === c &&
            a32![(dn >> 2) + q] === c &&
            (q === 0 ? byte : alphaC[aRow + 4 * q - 1]) === byte &&
            (q === quads - 1 ? byte : alphaC[aRow + 4 * q + 4]) === byte
          ) {
            c32![(aRow >> 2) + q] = c === 0 ? 0 : 0x01010101
            continue
          }
          for (let bx = 4 * q; bx < 4 * q + 4; bx++) cls[aRow + bx] = this.classify(alphaC, aRow, up, dn, bx, cw)
        }
        for (let bx = quads * 4; bx < cw; bx++) cls[aRow + bx] = this.classify(alphaC, aRow, up, dn, bx, cw)
      }
    }
    if (!even) {
      cls.fill(2, (ch - 1) * cw)
      for (let by = 0; by < ch; by++) cls[by * cw + cw - 1] = 2
    }
  }

  /**
   * One pass over each chroma row's runs of blocks: background runs are filled or copied natively,
   * foreground runs converted (three clamped byte stores per pixel), and edge blocks (alpha or a
   * neighbour's alpha not saturated) get a per-pixel alpha from the chroma grid and a blend.
   */
  private composite(
    planes: ReturnType<CpuRenderer['toI420']>,
    alphaC: Uint8Array | null,
    spill: Uint16Array | null,
    bg: Uint32Array | null,
    bgColor: number,
    look: Uint32Array | null,
  ) {
    const { w, h, cw, ch } = this
    const out = this.out32
    const d = planes.data
    const T = this.rgb!
    const TY = T.y
    const RV = T.rv
    const GU = T.gu
    const GV = T.gv
    const BU = T.bu
    const yo = planes.y.offset
    const ys = planes.y.stride
    const step = planes.uStep
    const cls = this.cls
    const prev = this.prevCls
    for (let by = 0; by < ch; by++) {
      const uRow = planes.u.offset + by * planes.u.stride
      const vRow = planes.v.offset + by * planes.v.stride
      const y0 = by * 2
      const aRow = by * cw
      let bx = 0
      while (bx < cw) {
        const kind = cls[aRow + bx]!
        let end = bx + 1
        while (end < cw && cls[aRow + end] === kind) end++
        const x0 = bx * 2
        if (kind === 0) {
          let b = bx
          while (b < end) {
            // Skip blocks already drawn as background last frame; write the rest as runs.
            while (b < end && prev[aRow + b] === 0) b++
            let e = b
            while (e < end && prev[aRow + e] !== 0) e++
            if (e > b) {
              const o = y0 * w + b * 2
              const len = Math.min(w, e * 2) - b * 2
              if (bg) {
                out.set(bg.subarray(o, o + len), o)
                if (y0 + 1 < h) out.set(bg.subarray(o + w, o + w + len), o + w)
              } else {
                out.fill(bgColor, o, o + len)
                if (y0 + 1 < h) out.fill(bgColor, o + w, o + w + len)
              }
            }
            b = e
          }
        } else if (kind === 1) {
          let yi = yo + y0 * ys + x0
          let q = y0 * w + x0
          const CL = CLAMP
          for (let b = bx; b < end; b++, yi += 2, q += 2) {
            let U = d[uRow + b * step]!
            let V = d[vRow + b * step]!
            if (spill) {
              const sv = spill[(U << 8) | V]!
              U = sv >> 8
              V = sv & 255
            }
            const rv = RV[V]! + 384
            const g = 384 - GU[U]! - GV[V]!
            const bu = BU[U]! + 384
            let Y = TY[d[yi]!]!
            out[q] = 0xff000000 | (CL[Y + bu]! << 16) | (CL[Y + g]! << 8) | CL[Y + rv]!
            Y = TY[d[yi + 1]!]!
            out[q + 1] = 0xff000000 | (CL[Y + bu]! << 16) | (CL[Y + g]! << 8) | CL[Y + rv]!
            Y = TY[d[yi + ys]!]!
            out[q + w] = 0xff000000 | (CL[Y + bu]! << 16) | (CL[Y + g]! << 8) | CL[Y + rv]!
            Y = TY[d[yi + ys + 1]!]!
            out[q + w + 1] = 0xff000000 | (CL[Y + bu]! << 16) | (CL[Y + g]! << 8) | CL[Y + rv]!
            if (look) {
              out[q] = look[denseIndex(out[q]!)]!
              out[q + 1] = look[denseIndex(out[q + 1]!)]!
              out[q + w] = look[denseIndex(out[q + w]!)]!
              out[q + w + 1] = look[denseIndex(out[q + w + 1]!)]!
            }
          }
        } else {
          for (let b = bx; b < end; b++) this.edgeBlock(planes, alphaC, spill, bg, bgColor, look, b, by, uRow, vRow)
        }
        bx = end
      }
    }
    prev.set(cls)
  }

  /** Low-light lift of the Y plane, in place (the composite, the blur and the key all read it after this). */
  private liftLuma(planes: ReturnType<CpuRenderer['toI420']>, gamma: number, fullRange: boolean) {
    const t = this.liftTables.get(gamma, fullRange)
    const d = planes.data
    const { offset, stride } = planes.y
    for (let y = 0; y < this.h; y++) {
      const row = offset + y * stride
      for (let x = row; x < row + this.w; x++) d[x] = t[d[x]!]!
    }
  }
  private readonly liftTables = new LiftTableCache()

  /**
   * Skin smoothing of the Y plane, in place (the planes are the compositor's own copy of the frame), before
   * the composite reads it: weight per chroma cell = skin likelihood of its (U, V) x person alpha.
   */
  private touchUp(planes: ReturnType<CpuRenderer['toI420']>, alphaC: Uint8Array | null, s: RenderSettings, fullRange: boolean) {
    let person = alphaC
    if (!person) {
      if (!this.maskValid) return
      this.maskToChroma(s)
      person = this.maskAlphaC
    }
    const { cw, ch } = this
    if (!this.skin) this.skin = buildSkinTable()
    if (this.touchWeight.length !== cw * ch) this.touchWeight = new Uint8Array(cw * ch)
    const wt = this.touchWeight
    const skin = this.skin
    const d = planes.data
    const step = planes.uStep
    for (let y = 0; y < ch; y++) {
      let ui = planes.u.offset + y * planes.u.stride
      let vi = planes.v.offset + y * planes.v.stride
      const row = y * cw
      for (let x = 0; x < cw; x++, ui += step, vi += step) {
        const a = person[row + x]!
        wt[row + x] = a ? (skin[(d[ui]! << 8) | d[vi]!]! * a + 127) / 255 : 0
      }
    }
    smoothLuma(
      { data: d, offset: planes.y.offset, stride: planes.y.stride },
      this.w,
      this.h,
      wt,
      s.touchUp.strength,
      this.touchScratch,
      fullRange,
    )
  }

  private cls = new Uint8Array(0)
  /** Each block's class in the last frame (255: unknown, must be written). */
  private prevCls = new Uint8Array(0)
  private bgStamp = ''
  private blurCount = 0
  private cls32: Uint32Array | null = null

  /** 0 background, 1 foreground, 2 edge: alpha not saturated, or a neighbour's differs. */
  private classify(alphaC: Uint8Array, aRow: number, up: number, dn: number, bx: number, cw: number): number {
    const a = alphaC[aRow + bx]!
    const l = bx > 0 ? alphaC[aRow + bx - 1]! : a
    const r = bx + 1 < cw ? alphaC[aRow + bx + 1]! : a
    return (a !== 0 && a !== 255) || l !== a || r !== a || alphaC[up + bx]! !== a || alphaC[dn + bx]! !== a ? 2 : a === 0 ? 0 : 1
  }

  /** A 2x2 block on an edge: per-pixel alpha, bilinear from the chroma grid (weights 9/3/3/1 of 16), and a blend. */
  private edgeBlock(
    planes: ReturnType<CpuRenderer['toI420']>,
    alphaC: Uint8Array | null,
    spill: Uint16Array | null,
    bg: Uint32Array | null,
    bgColor: number,
    look: Uint32Array | null,
    bx: number,
    by: number,
    uRow: number,
    vRow: number,
  ) {
    const { w, h, cw, ch } = this
    const out = this.out32
    const d = planes.data
    const T = this.rgb!
    const aRow = by * cw
    const a = alphaC ? alphaC[aRow + bx]! : 255
    let U = d[uRow + bx * planes.uStep]!
    let V = d[vRow + bx * planes.uStep]!
    if (spill) {
      const sv = spill[(U << 8) | V]!
      U = sv >> 8
      V = sv & 255
    }
    const rv = T.rv[V]!
    const g = T.gu[U]! + T.gv[V]!
    const bu = T.bu[U]!
    const x0 = bx * 2
    const y0 = by * 2
    for (let k = 0; k < 4; k++) {
      const dx = k & 1
      const dy = k >> 1
      if (x0 + dx >= w || y0 + dy >= h) continue
      const Y = T.y[d[planes.y.offset + (y0 + dy) * planes.y.stride + x0 + dx]!]!
      let R = Y + rv
      let G = Y - g
      let B = Y + bu
      R = R < 0 ? 0 : R > 255 ? 255 : R
      G = G < 0 ? 0 : G > 255 ? 255 : G
      B = B < 0 ? 0 : B > 255 ? 255 : B
      if (look) {
        // The person's colour is graded before the blend; the background already is.
        const p = look[denseIndex((B << 16) | (G << 8) | R)]!
        R = p & 255
        G = (p >> 8) & 255
        B = (p >> 16) & 255
      }
      const oi = (y0 + dy) * w + x0 + dx
      let A = 255
      if (alphaC) {
        const nx = dx ? (bx + 1 < cw ? bx + 1 : bx) : bx > 0 ? bx - 1 : bx
        const ny = dy ? (by + 1 < ch ? by + 1 : by) : by > 0 ? by - 1 : by
        A = (9 * a + 3 * alphaC[aRow + nx]! + 3 * alphaC[ny * cw + bx]! + alphaC[ny * cw + nx]! + 8) >> 4
      }
      const b = bg ? bg[oi]! : bgColor
      const br = b & 255
      const bgg = (b >> 8) & 255
      const bb = (b >> 16) & 255
      const r2 = (br + ((R - br) * A) / 255) | 0
      const g2 = (bgg + ((G - bgg) * A) / 255) | 0
      const b2 = (bb + ((B - bb) * A) / 255) | 0
      out[oi] = ((255 << 24) | (b2 << 16) | (g2 << 8) | r2) >>> 0
    }
  }

  /** The small blur: premultiplied R, G, B and the background weight per pixel (p), and boxBlurRound's scratch (t). */
  private blurSmall = { w: 0, h: 0, p: new Float32Array(0), t: new Float32Array(0) }

  /** Background-only (inverse-mask-weighted) blur at a quarter of chroma size, upsampled into bg32 outside the person. */
  private blurBackground(planes: ReturnType<CpuRenderer['toI420']>, alphaC: Uint8Array, s: RenderSettings, look: Uint32Array | null) {
    const { w, h, cw, ch } = this
    const f = Math.max(1, Math.round(w / 320))
    const sw = Math.max(1, Math.round(w / f))
    const sh = Math.max(1, Math.round(h / f))
    const B = this.blurSmall
    if (B.w !== sw || B.h !== sh) Object.assign(B, { w: sw, h: sh, p: new Float32Array(sw * sh * 4), t: new Float32Array(sw * sh * 4) })
    const P = B.p
    const d = planes.data
    const T = this.rgb!
    for (let y = 0; y < sh; y++) {
      const fy = Math.min(h - 1, Math.floor((y + 0.5) * f))
      const cy = Math.min(ch - 1, fy >> 1)
      for (let x = 0; x < sw; x++) {
        const fx = Math.min(w - 1, Math.floor((x + 0.5) * f))
        const cx = Math.min(cw - 1, fx >> 1)
        const Y = T.y[d[planes.y.offset + fy * planes.y.stride + fx]!]!
        const U = d[planes.u.offset + cy * planes.u.stride + cx * planes.uStep]!
        const V = d[planes.v.offset + cy * planes.v.stride + cx * planes.uStep]!
        const wgt = (255 - alphaC[cy * cw + cx]!) / 255 + 1e-3
        const i = (y * sw + x) * 4
        P[i] = Math.min(255, Math.max(0, Y + T.rv[V]!)) * wgt
        P[i + 1] = Math.min(255, Math.max(0, Y - T.gu[U]! - T.gv[V]!)) * wgt
        P[i + 2] = Math.min(255, Math.max(0, Y + T.bu[U]!)) * wgt
        P[i + 3] = wgt
      }
    }
    // Box blurs (two rounds approximate a Gaussian) on premultiplied channels, then normalised by the weight.
    const radius = Math.max(1, Math.round(blurRadius(s.blurStrength) / 1.4))
    boxBlurRound(P, B.t, sw, sh, radius)
    boxBlurRound(P, B.t, sw, sh, radius)
    if (this.blurPacked.length !== sw * sh) this.blurPacked = new Uint32Array(sw * sh)
    const small = this.blurPacked
    for (let i = 0; i < sw * sh; i++) {
      const inv = 1 / Math.max(P[i * 4 + 3]!, 1e-4)
      const r = Math.min(255, P[i * 4]! * inv) | 0
      const g = Math.min(255, P[i * 4 + 1]! * inv) | 0
      const b = Math.min(255, P[i * 4 + 2]! * inv) | 0
      small[i] = ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0
    }
    // Graded small (a few thousand pixels) rather than after upsampling.
    if (look) applyDenseTable(look, small)
    upsamplePacked(small, sw, sh, this.bg32, w, h, this, this.cls)
  }

  private blurPacked = new Uint32Array(0)
  /** Rows of the small blur upsampled horizontally to full width (upsamplePacked's scratch). */
  rowsH = new Uint32Array(0)
  /** upsamplePacked's column table: each output column's left source column and weight, for colsKey's sizes. */
  xs = new Int32Array(0)
  xt = new Int32Array(0)
  colsKey = ''

  readPatch(x: number, y: number, size: number): Uint8Array | null {
    const p = this.lastPlanes
    if (!p || !this.rgb || this.w < size || this.h < size) return null
    const planes = this.toI420(p)
    const d = planes.data
    const T = this.rgb
    const px = Math.min(this.w - size, Math.max(0, Math.round(x * this.w) - (size >> 1)))
    const py = Math.min(this.h - size, Math.max(0, Math.round(y * this.h) - (size >> 1)))
    const out = new Uint8Array(size * size * 4)
    for (let j = 0; j < size; j++) {
      for (let i = 0; i < size; i++) {
        const fx = px + i
        const fy = py + j
        const Y = T.y[d[planes.y.offset + fy * planes.y.stride + fx]!]!
        const U = d[planes.u.offset + (fy >> 1) * planes.u.stride + (fx >> 1) * planes.uStep]!
        const V = d[planes.v.offset + (fy >> 1) * planes.v.stride + (fx >> 1) * planes.uStep]!
        const o = (j * size + i) * 4
        out[o] = Math.min(255, Math.max(0, Y + T.rv[V]!))
        out[o + 1] = Math.min(255, Math.max(0, Y - T.gu[U]! - T.gv[V]!))
        out[o + 2] = Math.min(255, Math.max(0, Y + T.bu[U]!))
        out[o + 3] = 255
      }
    }
    return out
  }

  finish(): void {
    // putImageData wrote the pixels synchronously; nothing is pending.
  }

  dispose(): void {
    this.bgSource = null
    this.img = null
    this.lastPlanes = null
  }
}

/** Linear interpolation of two packed RGBA pixels, t in 0..256, two channels per multiply. */
function lerpPacked(a: number, b: number, t: number): number {
  const it = 256 - t
  const rb = ((((a & 0xff00ff) * it + (b & 0xff00ff) * t) >>> 8) & 0xff00ff) >>> 0
  const g = ((((a >>> 8) & 0xff) * it + ((b >>> 8) & 0xff) * t) >>> 8) << 8
  return (0xff000000 | rb | g) >>> 0
}

/**
 * Bilinear upsampling of a packed RGBA picture: rows horizontally first, then each output row from two of them,
 * only where the 2x2 block's class in `cls` (one per block, rows of (w + 1) >> 1) is not foreground: the person
 * covers those pixels and nothing reads them.
 */
function upsamplePacked(
  src: Uint32Array,
  sw: number,
  sh: number,
  dst: Uint32Array,
  w: number,
  h: number,
  scratch: { rowsH: Uint32Array; xs: Int32Array; xt: Int32Array; colsKey: string },
  cls: Uint8Array,
) {
  if (scratch.rowsH.length !== sh * w) scratch.rowsH = new Uint32Array(sh * w)
  const rows = scratch.rowsH
  // Each output column's left source column and weight, made once per pair of sizes.
  if (scratch.colsKey !== `${sw}:${w}`) {
    scratch.colsKey = `${sw}:${w}`
    scratch.xs = new Int32Array(w)
    scratch.xt = new Int32Array(w)
    const fx = sw / w
    for (let x = 0; x < w; x++) {
      const sx = Math.max(0, Math.min(sw - 1, (x + 0.5) * fx - 0.5))
      scratch.xs[x] = sx | 0
      scratch.xt[x] = ((sx - scratch.xs[x]!) * 256) | 0
    }
  }
  const { xs, xt } = scratch
  for (let y = 0; y < sh; y++) {
    const s0 = y * sw
    const o = y * w
    for (let x = 0; x < w; x++) {
      const x0 = xs[x]!
      rows[o + x] = lerpPacked(src[s0 + x0]!, src[s0 + Math.min(sw - 1, x0 + 1)]!, xt[x]!)
    }
  }
  const cw = (w + 1) >> 1
  const fy = sh / h
  for (let y = 0; y < h; y++) {
    const sy = Math.max(0, Math.min(sh - 1, (y + 0.5) * fy - 0.5))
    const y0 = sy | 0
    const y1 = Math.min(sh - 1, y0 + 1)
    const t = ((sy - y0) * 256) | 0
    const a = y0 * w
    const b = y1 * w
    const o = y * w
    const c = (y >> 1) * cw
    let bx = 0
    while (bx < cw) {
      while (bx < cw && cls[c + bx] === 1) bx++
      let e = bx
      while (e < cw && cls[c + e] !== 1) e++
      const x1 = Math.min(w, e * 2)
      if (t === 0) dst.set(rows.subarray(a + bx * 2, a + x1), o + bx * 2)
      else for (let x = bx * 2; x < x1; x++) dst[o + x] = lerpPacked(rows[a + x]!, rows[b + x]!, t)
      bx = e
    }
  }
}
