/**
 * Messages between the main thread, the compositor worker and the segmentation worker.
 * One discriminated union per direction, so both ends are checked by the compiler.
 *
 *   main ──CompositorCommand──► compositor.worker ◄──SegmenterReply── segmentation.worker
 *   main ◄──CompositorEvent──── compositor.worker ──SegmenterRequest─► segmentation.worker
 *   main ◄──SegmenterStatus──────────────────────────────────────────── segmentation.worker
 *
 * The compositor and the segmenter talk over a MessagePort that the main thread hands to both,
 * so masks never pass through the main thread.
 */
import type { VirtualBackgroundSettings, SegmentationModel } from '@/lib/virtualBackground/settings'

/** What the compositor needs of the settings (the background picture/video arrive as pixels, separately). */
export type RenderSettings = Omit<VirtualBackgroundSettings, 'image' | 'video'>

/**
 * `webgl2`: shaders on the GPU (chosen where the GPU is real hardware);
 * `cpu`: JavaScript straight on the frame's YUV planes (chosen where WebGL is software-rendered, as on
 * GPU-less machines, where it is several times faster than SwiftShader);
 * `canvas2d`: the plain 2D-canvas fallback (no WebGL2 and no VideoFrame).
 */
export type RendererKind = 'webgl2' | 'cpu' | 'canvas2d'

/**
 * Where the compositor's pictures go (chosen on the main thread by capability, see
 * composables/virtualBackground/pipeline.ts):
 * - `canvas`: the processed track's canvas, transferred with transferControlToOffscreen (Chromium);
 * - `generator`: a VideoTrackGenerator made in the worker, whose track is posted back (`track` event; Safari 18+);
 * - `bitmap`: a canvas of the worker's own, each picture posted as an ImageBitmap (`output` event) to a
 *   main-thread `bitmaprenderer` canvas whose captureStream() is the processed track (Firefox).
 */
export type OutputInit = { kind: 'canvas'; canvas: OffscreenCanvas } | { kind: 'generator' } | { kind: 'bitmap' }

export type CompositorCommand =
  | { type: 'init'; output: OutputInit; settings: RenderSettings; renderer?: RendererKind }
  /** Frames of the camera as a stream of VideoFrames (Chromium's MediaStreamTrackProcessor); null to stop. */
  | { type: 'source'; stream: ReadableStream<VideoFrame> | null }
  /** The camera track itself, transferred; the worker reads it with its own MediaStreamTrackProcessor (Safari 18+) and stops it when replaced. */
  | { type: 'sourceTrack'; track: MediaStreamTrack | null }
  /**
   * One camera frame, where streams of frames cannot be transferred; answered by `frameDone`. A VideoFrame
   * where the page can make one from a `<video>` (it keeps the camera's own YUV, no copy), else an ImageBitmap.
   */
  | { type: 'frame'; frame: VideoFrame | ImageBitmap }
  | { type: 'settings'; settings: RenderSettings }
  /** The picture of the `image` mode (already scaled to a sane size), or null. */
  | { type: 'backgroundImage'; bitmap: ImageBitmap | null }
  /** The frames of the `video` mode's looping video, as a stream; or one frame at a time (`backgroundFrame`). */
  | { type: 'backgroundStream'; stream: ReadableStream<VideoFrame> | null }
  | { type: 'backgroundFrame'; bitmap: ImageBitmap }
  /** The port to the segmentation worker (null disconnects). */
  | { type: 'segmenter'; port: MessagePort | null }
  /** Reads the camera's colour around a point (0..1 of the frame's width and height); answered by `picked`. */
  | { type: 'pick'; id: number; x: number; y: number }
  | { type: 'dispose' }

export interface CompositorStats {
  /** Frames drawn (so delivered to the processed track) in the last second. */
  fps: number
  /** Camera frames received in the last second (drawn or dropped because the worker was busy). */
  fpsIn: number
  /** Processing time per frame in the worker, ms, over the last second: median and 95th percentile. */
  msP50: number
  msP95: number
  /** Each frame's processing time in the last second, ms (for benchmarks). */
  samples: number[]
  /** Masks per second and the segmentation worker's median time per mask, ms (0 when not segmenting). */
  maskFps: number
  maskMsP50: number
  width: number
  height: number
  renderer: RendererKind
  /** The low-light fix's curve now (its gamma; 1: no lift, lower: a stronger lift). */
  lift: number
}

export type CompositorEvent =
  | { type: 'ready'; renderer: RendererKind; note?: string }
  /** The processed track of a `generator` output (sent once, before `ready`). */
  | { type: 'track'; track: MediaStreamTrack }
  /** One composited picture of a `bitmap` output; answered by nothing (the main thread shows it at once). */
  | { type: 'output'; bitmap: ImageBitmap }
  | { type: 'stats'; stats: CompositorStats }
  | { type: 'frameDone' }
  | { type: 'backgroundFrameDone' }
  | { type: 'picked'; id: number; color: string | null }
  /** `fatal`: the compositor cannot draw at all (the main thread should fall back). */
  | { type: 'error'; message: string; fatal: boolean }

export type SegmenterInit = {
  type: 'init'
  /** URL of the directory that holds the @mediapipe/selfie_segmentation files, ending in '/'. */
  assetBase: string
  model: SegmentationModel
  port: MessagePort
}

export type SegmenterRequest =
  /** A small copy of a camera frame at the model's input size; `guide` asks for it back (for edge refinement). */
  { type: 'segment'; id: number; bitmap: ImageBitmap } | { type: 'model'; model: SegmentationModel }

export type SegmenterReply =
  | { type: 'mask'; id: number; mask: ImageBitmap; input: ImageBitmap; ms: number }
  /** The request could not be served (model not loaded yet, or it failed); the input comes back to be closed. */
  | { type: 'skipped'; id: number; input: ImageBitmap }
  | { type: 'ready'; model: SegmentationModel }
  | { type: 'failed'; message: string }

/** Why person detection stopped: the model did not load, there is no WebGL in workers to run it, a frame failed. */
export type SegmenterFailure = 'load' | 'no-webgl' | 'segment'

/** Messages the segmentation worker posts to the main thread (status for the UI). */
export type SegmenterStatus =
  | { type: 'loading'; model: SegmentationModel }
  | { type: 'ready'; model: SegmentationModel; ms: number }
  /** `detail`: the browser's or MediaPipe's own words; the page puts them in a sentence of its language. */
  | { type: 'error'; reason: SegmenterFailure; detail: string }

/** The model's input size: the frame is scaled to this before it is sent to the segmentation worker. */
export const MODEL_INPUT: Record<SegmentationModel, { width: number; height: number }> = {
  landscape: { width: 256, height: 144 },
  general: { width: 256, height: 256 },
}
