/**
 * What the compositor asks of a renderer. Two implement it: WebGL2 (the fast path) and Canvas 2D
 * (the fallback where WebGL2 is missing; it also runs on the main thread where OffscreenCanvas is missing).
 */
import type { YuvMatrix } from '@/lib/virtualBackground/color'
import type { RenderSettings, RendererKind } from './protocol'

export type FrameSource = VideoFrame | ImageBitmap

/** Pixel formats whose planes the WebGL2 renderer uploads itself (see FRAME in shaders.ts). */
export const PLANE_FORMATS: ReadonlySet<string> = new Set(['I420', 'I420A', 'NV12', 'RGBA', 'RGBX', 'BGRA', 'BGRX'])

/** A camera frame's bytes as VideoFrame.copyTo() lays them out. */
export interface FramePlanes {
  format: VideoPixelFormat
  data: Uint8Array
  layout: PlaneLayout[]
  width: number
  height: number
  matrix: YuvMatrix
  fullRange: boolean
}

/** The matrix and range of a frame's YUV, from its colour space (cameras that say nothing are BT.601 video range). */
export function frameYuv(frame: VideoFrame): { matrix: YuvMatrix; fullRange: boolean } {
  const cs = frame.colorSpace
  return { matrix: cs.matrix === 'bt709' ? 'bt709' : 'bt601', fullRange: cs.fullRange === true }
}

/** Which foreground/background the composite uses for a frame, decided by the compositor. */
export interface DrawPlan {
  /** 0 passthrough (the camera as it is), 1 chroma key, 2 segmentation mask. */
  engine: 0 | 1 | 2
  /** 0 solid colour, 1 picture or video frame, 2 blur. */
  background: 0 | 1 | 2
  /** Apply the colour look (settings.look) to the composited picture (false: none, zero strength, or before/after). */
  look: boolean
  /**
   * Smooth skin inside the person (settings.touchUp): only when a person alpha exists, from the chroma key
   * (engine 1) or the segmentation mask (which the renderer holds even when `engine` is 0, for no background).
   */
  touchUp: boolean
  /**
   * Low-light lift of the camera picture (settings.lowLight): the gamma of lowLight.ts's curve, applied to the
   * luma of the person and of a blurred background (never to a replaced picture); 1 is no lift.
   */
  lift: number
}

export interface Renderer {
  readonly kind: RendererKind
  /** True when `draw` takes FramePlanes (the compositor then copies a VideoFrame's planes out for it). */
  readonly acceptsPlanes: boolean
  /** Draws one camera frame (width x height pixels) to the canvas, resizing it when the size changed. */
  draw(frame: FrameSource | FramePlanes, width: number, height: number, plan: DrawPlan, s: RenderSettings): void
  /** A new mask (model-sized, confidence in the red channel) and the small frame it was computed from. */
  setMask(mask: ImageBitmap, guide: ImageBitmap, s: RenderSettings): void
  /** Forgets the mask (engine or model changed): the next mask is taken as it is, not blended. */
  resetMask(): void
  readonly hasMask: boolean
  /** The background picture or the latest video frame; null clears it. The caller keeps ownership. */
  setBackground(src: FrameSource | null): void
  readonly hasBackground: boolean
  /** RGBA bytes of a square patch (side `size`) of the last camera frame around (x, y) in 0..1. */
  readPatch(x: number, y: number, size: number): Uint8Array | null
  /** Waits until the GPU finished the frame, so the measured time is the real cost and work never piles up. */
  finish(): void
  dispose(): void
}

/** Blur radius, in reduced-size pixels, for a strength of 0..1. */
export function blurRadius(strength: number): number {
  return Math.round(2 + Math.min(1, Math.max(0, strength)) * 14)
}

/** Mask smoothstep edges for an edge softness of 0..1 (0.5 is the mask's own decision boundary). */
export function maskEdges(softness: number): [number, number] {
  const w = 0.04 + 0.36 * Math.min(1, Math.max(0, softness))
  return [Math.max(0, 0.5 - w), Math.min(1, 0.5 + w)]
}

/** Weight of a new mask when nothing changed (see MASK_TEMPORAL): 1 is no smoothing. */
export function temporalBase(smoothing: number): number {
  return 1 - 0.85 * Math.min(1, Math.max(0, smoothing))
}

export function frameSize(frame: FrameSource): { width: number; height: number } {
  return 'displayWidth' in frame ? { width: frame.displayWidth, height: frame.displayHeight } : { width: frame.width, height: frame.height }
}
