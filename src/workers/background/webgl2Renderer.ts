/**
 * The GPU path. Per camera frame: one texture upload and one full-size composite pass (plus three
 * passes at about 320 pixels wide for the blur). Per new mask (model size, 256x144 or 256x256):
 * temporal smoothing and an edge-aware refinement, so the composite itself only samples the mask.
 */
import { parseHexColor, rgbToCrCb, yuvToRgbMatrix } from '@/lib/virtualBackground/color'
import { buildLut, type LookId } from '@/lib/virtualBackground/looks'
import { gaussianLinearTaps, reducedSize } from '@/lib/virtualBackground/mask'
import { rgbaToLuma, touchUpCoefficients, TouchUpScratch, type LumaPlane } from '@/lib/virtualBackground/touchUp'
import { coverRect } from '@/lib/virtualBackground/coverRect'
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
import { BLUR_1D, BLUR_DOWN, COMPOSITE, FRAME_COPY, MASK_REFINE, MASK_TEMPORAL, MAX_BLUR_TAPS, VERTEX } from './shaders'

type Canvas = OffscreenCanvas | HTMLCanvasElement

/** Points per axis of the look's 3D LUT (33³ is the common size of .cube files; trilinear between them). */
const LUT_SIZE = 33

interface Program {
  program: WebGLProgram
  u: Record<string, WebGLUniformLocation | null>
}

interface Target {
  texture: WebGLTexture
  fbo: WebGLFramebuffer
  width: number
  height: number
}

export class WebGL2Renderer implements Renderer {
  readonly kind = 'webgl2' as const
  readonly acceptsPlanes = true
  private readonly gl: WebGL2RenderingContext
  private readonly vao: WebGLVertexArrayObject
  private readonly composite: Program
  private readonly blurDown: Program
  private readonly blur1d: Program
  private readonly temporal: Program
  private readonly refine: Program
  private readonly frameCopy: Program
  /** The camera frame: RGBA, or its Y plane; U (or NV12's interleaved UV) and V planes. */
  private readonly frameTex: WebGLTexture
  private readonly frameUTex: WebGLTexture
  private readonly frameVTex: WebGLTexture
  private frameFormat = 0
  private yuv = yuvToRgbMatrix('bt601', false)
  private planeSizes = ''
  private readonly probe = new Uint8Array(4)
  private readonly bgTex: WebGLTexture
  private readonly maskInTex: WebGLTexture
  private readonly guideTex: WebGLTexture
  /** The colour look's 3D LUT (LUT_SIZE³), made when the look changes. */
  private readonly lutTex: WebGLTexture
  private lutLook: LookId | null = null
  /** Touch-up coefficients (a, b) per half-size cell, computed on the CPU from the frame's luma (touchUp.ts). */
  private readonly touchTex: WebGLTexture
  private touchBytes = new Uint8Array(0)
  private touchSize = ''
  private readonly touchScratch = new TouchUpScratch()
  private pickTarget: Target | null = null
  private maskHistory: [Target | null, Target | null] = [null, null]
  private maskRefined: Target | null = null
  private blurTargets: [Target | null, Target | null] = [null, null]
  private frameW = 0
  private frameH = 0
  private bgW = 0
  private bgH = 0
  private maskCurrent = 0
  private maskValid = false
  private bgValid = false

  static create(canvas: Canvas): WebGL2Renderer | null {
    const gl = canvas.getContext('webgl2', {
      alpha: false,
      antialias: false,
      depth: false,
      stencil: false,
      premultipliedAlpha: false,
      preserveDrawingBuffer: false,
      powerPreference: 'high-performance',
    }) as WebGL2RenderingContext | null
    if (!gl) return null
    return new WebGL2Renderer(gl)
  }

  private constructor(gl: WebGL2RenderingContext) {
    this.gl = gl
    this.vao = gl.createVertexArray()!
    this.composite = this.link(COMPOSITE)
    this.blurDown = this.link(BLUR_DOWN)
    this.blur1d = this.link(BLUR_1D)
    this.temporal = this.link(MASK_TEMPORAL)
    this.refine = this.link(MASK_REFINE)
    this.frameCopy = this.link(FRAME_COPY)
    this.frameTex = this.texture()
    this.frameUTex = this.texture()
    this.frameVTex = this.texture()
    this.bgTex = this.texture()
    this.maskInTex = this.texture()
    this.guideTex = this.texture()
    this.lutTex = gl.createTexture()!
    this.touchTex = this.texture()
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false)
    gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE)
  }

  /** Binds the look's LUT to texture unit 6 (uploading it first when the look changed) and sets its uniforms. */
  private setLook(p: Program, plan: DrawPlan, s: RenderSettings) {
    const gl = this.gl
    const on = plan.look && s.look.id !== 'none'
    gl.activeTexture(gl.TEXTURE6)
    gl.bindTexture(gl.TEXTURE_3D, this.lutTex)
    if (on && this.lutLook !== s.look.id) {
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1)
      gl.texImage3D(gl.TEXTURE_3D, 0, gl.RGBA8, LUT_SIZE, LUT_SIZE, LUT_SIZE, 0, gl.RGBA, gl.UNSIGNED_BYTE, buildLut(s.look.id, LUT_SIZE))
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4)
      for (const [k, v] of [
        [gl.TEXTURE_MIN_FILTER, gl.LINEAR],
        [gl.TEXTURE_MAG_FILTER, gl.LINEAR],
        [gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE],
        [gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE],
        [gl.TEXTURE_WRAP_R, gl.CLAMP_TO_EDGE],
      ] as const)
        gl.texParameteri(gl.TEXTURE_3D, k, v)
      this.lutLook = s.look.id
    }
    gl.uniform1i(p.u.u_lut ?? null, 6)
    gl.uniform1f(p.u.u_lutSize ?? null, LUT_SIZE)
    gl.uniform1f(p.u.u_lookStrength ?? null, on && this.lutLook ? s.look.strength : 0)
  }

  private uploadPlanes(p: FramePlanes) {
    const gl = this.gl
    const { width: w, height: h, layout, data } = p
    const cw = (w + 1) >> 1
    const ch = (h + 1) >> 1
    const planar = p.format === 'I420' || p.format === 'I420A'
    const nv12 = p.format === 'NV12'
    this.frameFormat = planar ? 1 : nv12 ? 2 : p.format === 'BGRA' || p.format === 'BGRX' ? 3 : 0
    this.yuv = yuvToRgbMatrix(p.matrix, p.fullRange)
    const planes: [WebGLTexture, number, number, number, number, number][] =
      this.frameFormat === 1
        ? [
            [this.frameTex, w, h, gl.R8, gl.RED, 1],
            [this.frameUTex, cw, ch, gl.R8, gl.RED, 1],
            [this.frameVTex, cw, ch, gl.R8, gl.RED, 1],
          ]
        : this.frameFormat === 2
          ? [
              [this.frameTex, w, h, gl.R8, gl.RED, 1],
              [this.frameUTex, cw, ch, gl.RG8, gl.RG, 2],
            ]
          : [[this.frameTex, w, h, gl.RGBA8, gl.RGBA, 4]]
    const sizes = `${this.frameFormat}:${w}x${h}`
    const realloc = sizes !== this.planeSizes
    this.planeSizes = sizes
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1)
    planes.forEach(([tex, pw, ph, internal, format, bpp], i) => {
      const { offset, stride } = layout[i]!
      gl.bindTexture(gl.TEXTURE_2D, tex)
      gl.pixelStorei(gl.UNPACK_ROW_LENGTH, stride / bpp)
      const view = data.subarray(offset, offset + stride * (ph - 1) + pw * bpp)
      if (realloc) gl.texImage2D(gl.TEXTURE_2D, 0, internal, pw, ph, 0, format, gl.UNSIGNED_BYTE, view)
      else gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, pw, ph, format, gl.UNSIGNED_BYTE, view)
    })
    gl.pixelStorei(gl.UNPACK_ROW_LENGTH, 0)
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4)
  }

  private uploadFrame(frame: FrameSource | FramePlanes) {
    if ('layout' in frame) {
      this.uploadPlanes(frame)
      return
    }
    this.upload(this.frameTex, frame)
    this.frameFormat = 0
    this.planeSizes = ''
  }

  private bindFrame(p: Program) {
    const gl = this.gl
    this.bind(0, this.frameTex, p.u.u_frame)
    this.bind(4, this.frameUTex, p.u.u_frameU)
    this.bind(5, this.frameVTex, p.u.u_frameV)
    gl.uniform1i(p.u.u_frameFormat ?? null, this.frameFormat)
    gl.uniformMatrix3fv(p.u.u_yuvMatrix ?? null, false, this.yuv.m)
    gl.uniform3fv(p.u.u_yuvOffset ?? null, this.yuv.offset)
  }

  get hasMask() {
    return this.maskValid
  }
  get hasBackground() {
    return this.bgValid
  }

  private link(fragment: string): Program {
    const gl = this.gl
    const compile = (type: number, src: string) => {
      const s = gl.createShader(type)!
      gl.shaderSource(s, src)
      gl.compileShader(s)
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(s)}`)
      return s
    }
    const program = gl.createProgram()!
    gl.attachShader(program, compile(gl.VERTEX_SHADER, VERTEX))
    gl.attachShader(program, compile(gl.FRAGMENT_SHADER, fragment))
    gl.linkProgram(program)
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(program)}`)
    const u: Program['u'] = {}
    const n = gl.getProgramParameter(program, gl.ACTIVE_UNIFORMS) as number
    for (let i = 0; i < n; i++) {
      const name = gl.getActiveUniform(program, i)!.name.replace(/\[0\]$/, '')
      u[name] = gl.getUniformLocation(program, name)
    }
    return { program, u }
  }

  private texture(): WebGLTexture {
    const gl = this.gl
    const t = gl.createTexture()!
    gl.bindTexture(gl.TEXTURE_2D, t)
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR)
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR)
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE)
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE)
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, 1, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array([0, 0, 0, 255]))
    return t
  }

  private target(old: Target | null, width: number, height: number, format: 'r8' | 'rgba8'): Target {
    if (old && old.width === width && old.height === height) return old
    const gl = this.gl
    if (old) {
      gl.deleteTexture(old.texture)
      gl.deleteFramebuffer(old.fbo)
    }
    const texture = this.texture()
    if (format === 'r8') gl.texImage2D(gl.TEXTURE_2D, 0, gl.R8, width, height, 0, gl.RED, gl.UNSIGNED_BYTE, null)
    else gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, null)
    const fbo = gl.createFramebuffer()!
    gl.bindFramebuffer(gl.FRAMEBUFFER, fbo)
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0)
    gl.bindFramebuffer(gl.FRAMEBUFFER, null)
    return { texture, fbo, width, height }
  }

  private upload(tex: WebGLTexture, src: TexImageSource) {
    const gl = this.gl
    gl.bindTexture(gl.TEXTURE_2D, tex)
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, src)
  }

  private bind(unit: number, tex: WebGLTexture, loc: WebGLUniformLocation | null | undefined) {
    const gl = this.gl
    gl.activeTexture(gl.TEXTURE0 + unit)
    gl.bindTexture(gl.TEXTURE_2D, tex)
    gl.uniform1i(loc ?? null, unit)
  }

  private pass(p: Program, target: Target | null, width: number, height: number) {
    const gl = this.gl
    gl.bindFramebuffer(gl.FRAMEBUFFER, target ? target.fbo : null)
    gl.viewport(0, 0, width, height)
    gl.uniform1i(p.u.u_flipY ?? null, target ? 0 : 1)
    gl.bindVertexArray(this.vao)
    gl.drawArrays(gl.TRIANGLES, 0, 3)
  }

  private setChroma(p: Program, s: RenderSettings) {
    const gl = this.gl
    const key = parseHexColor(s.chroma.keyColor) ?? [0, 1, 0]
    gl.uniform2fv(p.u.u_keyCrCb ?? null, rgbToCrCb(key))
    gl.uniform3f(p.u.u_key ?? null, s.chroma.similarity, s.chroma.smoothness, s.chroma.spill)
  }

  setBackground(src: FrameSource | null): void {
    if (!src) {
      this.bgValid = false
      return
    }
    this.upload(this.bgTex, src)
    const { width, height } = frameSize(src)
    this.bgW = width
    this.bgH = height
    this.bgValid = true
  }

  resetMask(): void {
    this.maskValid = false
  }

  setMask(mask: ImageBitmap, guide: ImageBitmap, s: RenderSettings): void {
    const gl = this.gl
    const w = mask.width
    const h = mask.height
    this.upload(this.maskInTex, mask)
    this.upload(this.guideTex, guide)
    const prevIndex = this.maskCurrent
    const nextIndex = 1 - prevIndex
    this.maskHistory[0] = this.target(this.maskHistory[0], w, h, 'r8')
    this.maskHistory[1] = this.target(this.maskHistory[1], w, h, 'r8')
    this.maskRefined = this.target(this.maskRefined, w, h, 'r8')
    const prev = this.maskHistory[prevIndex]!
    const next = this.maskHistory[nextIndex]!

    let p = this.temporal
    gl.useProgram(p.program)
    this.bind(0, prev.texture, p.u.u_prev)
    this.bind(1, this.maskInTex, p.u.u_next)
    gl.uniform1f(p.u.u_base ?? null, this.maskValid ? temporalBase(s.segmentation.temporalSmoothing) : 1)
    this.pass(p, next, w, h)
    this.maskCurrent = nextIndex

    p = this.refine
    gl.useProgram(p.program)
    this.bind(0, next.texture, p.u.u_mask)
    this.bind(1, this.guideTex, p.u.u_guide)
    gl.uniform2f(p.u.u_texel ?? null, 1 / w, 1 / h)
    // Colour distance (0..3 in RGB) at which a neighbour's vote falls to 1/e: smaller follows edges harder.
    gl.uniform1f(p.u.u_colorSigma2 ?? null, 0.02 + 0.08 * s.segmentation.edgeSoftness)
    this.pass(p, this.maskRefined, w, h)
    this.maskValid = true
  }

  draw(frame: FrameSource | FramePlanes, width: number, height: number, plan: DrawPlan, s: RenderSettings): void {
    const gl = this.gl
    const canvas = gl.canvas
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width
      canvas.height = height
    }
    this.uploadFrame(frame)
    this.frameW = width
    this.frameH = height
    const edges = maskEdges(s.segmentation.edgeSoftness)
    const maskTex = this.maskRefined?.texture ?? this.maskInTex

    if (plan.engine !== 0 && plan.background === 2) this.drawBlur(width, height, plan, s, edges, maskTex)

    const p = this.composite
    gl.useProgram(p.program)
    this.bindFrame(p)
    this.bind(1, maskTex, p.u.u_mask)
    this.bind(2, this.bgTex, p.u.u_bg)
    this.bind(3, this.blurTargets[1]?.texture ?? this.frameTex, p.u.u_blur)
    gl.uniform1i(p.u.u_engine ?? null, plan.engine)
    gl.uniform1i(p.u.u_bgMode ?? null, plan.background)
    gl.uniform3fv(p.u.u_color ?? null, parseHexColor(s.color) ?? [0, 0, 0])
    if (plan.background === 1 && this.bgW > 0) {
      const r = coverRect(this.bgW, this.bgH, width, height)
      gl.uniform4f(p.u.u_bgRect ?? null, r.uvScale[0], r.uvScale[1], r.uvOffset[0], r.uvOffset[1])
    }
    gl.uniform2f(p.u.u_texel ?? null, 1 / width, 1 / height)
    gl.uniform2f(p.u.u_edge ?? null, edges[0], edges[1])
    this.setChroma(p, s)
    this.setLook(p, plan, s)
    // Touch-up needs the frame's pixels: planes (a whole frame drawn as a texture has none here).
    const touch = plan.touchUp && 'layout' in frame
    if (touch) this.uploadTouchUp(frame, s.touchUp.strength)
    this.bind(7, this.touchTex, p.u.u_touchAB)
    gl.uniform1f(p.u.u_touch ?? null, touch ? s.touchUp.strength : 0)
    gl.uniform1f(p.u.u_lift ?? null, plan.lift)
    this.pass(p, null, width, height)
  }

  /**
   * Computes the touch-up's coefficients from the frame's luma (its Y plane, or RGBA converted) and uploads them
   * as RGBA8 (a, b in full-range luma, per cell of touchUpCell's size), sampled bilinearly by the composite.
   */
  private uploadTouchUp(p: FramePlanes, strength: number): void {
    const { width: w, height: h } = p
    const yuv = p.format === 'I420' || p.format === 'I420A' || p.format === 'NV12'
    const { offset, stride } = p.layout[0]!
    const bgr = p.format === 'BGRA' || p.format === 'BGRX'
    const luma: LumaPlane = yuv
      ? { data: p.data, offset, stride }
      : { data: rgbaToLuma(p.data, offset, stride, w, h, this.touchScratch, bgr), offset: 0, stride: w }
    touchUpCoefficients(luma, w, h, strength, this.touchScratch, !yuv || p.fullRange)
    const { cw, ch } = this.touchScratch
    const n = cw * ch
    if (this.touchBytes.length !== n * 4) this.touchBytes = new Uint8Array(n * 4)
    const out = this.touchBytes
    const { a: A, b: B } = this.touchScratch
    // q = a * Y + b in the plane's units; in full-range luma (what the shader has) b becomes (b - 16 (1 - a)) / 219.
    const video = yuv && !p.fullRange
    for (let k = 0, o = 0; k < n; k++, o += 4) {
      const a = A[k]!
      const b = video ? (B[k]! - 16 * (1 - a)) / 219 : B[k]! / 255
      out[o] = Math.round(a * 255)
      out[o + 1] = Math.round(Math.min(1, Math.max(0, b)) * 255)
      out[o + 3] = 255
    }
    const gl = this.gl
    gl.bindTexture(gl.TEXTURE_2D, this.touchTex)
    const size = `${cw}x${ch}`
    if (size !== this.touchSize) gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, cw, ch, 0, gl.RGBA, gl.UNSIGNED_BYTE, out)
    else gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, cw, ch, gl.RGBA, gl.UNSIGNED_BYTE, out)
    this.touchSize = size
  }

  private drawBlur(width: number, height: number, plan: DrawPlan, s: RenderSettings, edges: [number, number], maskTex: WebGLTexture) {
    const gl = this.gl
    // About 320 pixels wide whatever the camera: the cost stays flat and the look stays the same.
    const factor = Math.max(1, Math.round(width / 320))
    const { width: bw, height: bh } = reducedSize(width, height, factor)
    this.blurTargets[0] = this.target(this.blurTargets[0], bw, bh, 'rgba8')
    this.blurTargets[1] = this.target(this.blurTargets[1], bw, bh, 'rgba8')
    const [a, b] = this.blurTargets as [Target, Target]

    let p = this.blurDown
    gl.useProgram(p.program)
    this.bindFrame(p)
    this.bind(1, maskTex, p.u.u_mask)
    gl.uniform1i(p.u.u_engine ?? null, plan.engine)
    gl.uniform2f(p.u.u_edge ?? null, edges[0], edges[1])
    gl.uniform2f(p.u.u_srcTexel ?? null, 1 / width, 1 / height)
    this.setChroma(p, s)
    this.pass(p, b, bw, bh)

    const { offsets, weights } = gaussianLinearTaps(blurRadius(s.blurStrength))
    const taps = Math.min(MAX_BLUR_TAPS, offsets.length)
    p = this.blur1d
    gl.useProgram(p.program)
    gl.uniform1i(p.u.u_taps ?? null, taps)
    gl.uniform1fv(p.u.u_offsets ?? null, offsets.slice(0, taps))
    gl.uniform1fv(p.u.u_weights ?? null, weights.slice(0, taps))
    this.bind(0, b.texture, p.u.u_src)
    gl.uniform2f(p.u.u_dir ?? null, 1 / bw, 0)
    this.pass(p, a, bw, bh)
    this.bind(0, a.texture, p.u.u_src)
    gl.uniform2f(p.u.u_dir ?? null, 0, 1 / bh)
    this.pass(p, b, bw, bh)
  }

  readPatch(x: number, y: number, size: number): Uint8Array | null {
    if (!this.frameW) return null
    const gl = this.gl
    const half = size >> 1
    const px = Math.min(this.frameW - size, Math.max(0, Math.round(x * this.frameW) - half))
    const py = Math.min(this.frameH - size, Math.max(0, Math.round(y * this.frameH) - half))
    this.pickTarget = this.target(this.pickTarget, size, size, 'rgba8')
    const p = this.frameCopy
    gl.useProgram(p.program)
    this.bindFrame(p)
    gl.uniform4f(p.u.u_rect ?? null, px / this.frameW, py / this.frameH, size / this.frameW, size / this.frameH)
    this.pass(p, this.pickTarget, size, size)
    const out = new Uint8Array(size * size * 4)
    gl.readPixels(0, 0, size, size, gl.RGBA, gl.UNSIGNED_BYTE, out)
    gl.bindFramebuffer(gl.FRAMEBUFFER, null)
    return out
  }

  finish(): void {
    // Reading one pixel back waits until the GPU has drawn the frame (finish() may return earlier in
    // Chromium): the time measured is the frame's real cost, and frames cannot pile up in the GPU.
    const gl = this.gl
    gl.bindFramebuffer(gl.FRAMEBUFFER, null)
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, this.probe)
  }

  dispose(): void {
    const gl = this.gl
    for (const t of [...this.maskHistory, this.maskRefined, ...this.blurTargets, this.pickTarget]) {
      if (t) {
        gl.deleteTexture(t.texture)
        gl.deleteFramebuffer(t.fbo)
      }
    }
    for (const t of [this.frameTex, this.frameUTex, this.frameVTex, this.bgTex, this.maskInTex, this.guideTex, this.lutTex])
      gl.deleteTexture(t)
    gl.getExtension('WEBGL_lose_context')?.loseContext()
  }
}
