/**
 * The way frames reach the compositor and pictures come back as the processed track. One interface, one
 * module per path, chosen by capability (never by browser name), best first; a path that fails while
 * starting gives way to the next:
 *
 * - `worker-stream` (Chromium): MediaStreamTrackProcessor on the page, its ReadableStream transferred to
 *   the compositor worker, which draws on the processed track's canvas (transferControlToOffscreen). No
 *   pixel touches the main thread.
 * - `worker-track` (Safari 18+, WebKit): the camera track itself is transferred to the worker, which reads
 *   it with its own MediaStreamTrackProcessor and writes pictures to its own VideoTrackGenerator, whose
 *   track is the processed track.
 * - `worker-bitmap` (Firefox): one ImageBitmap per requestVideoFrameCallback in; the worker draws on a
 *   canvas of its own and posts each picture back (transferToImageBitmap) to a `bitmaprenderer` canvas
 *   whose captureStream() is the processed track. (Firefox refuses captureStream() on a canvas whose
 *   control went to a worker, in either order.)
 * - `main-thread` (no OffscreenCanvas): the same compositor on the page, on a canvas under captureStream().
 *
 * Each pipeline's track is made once and stays the same while sources, settings and backgrounds change.
 */
import type { CompositorCommand, CompositorEvent, RenderSettings, RendererKind } from '@/workers/background/protocol'

export type VirtualBackgroundPipeline = 'worker-stream' | 'worker-track' | 'worker-bitmap' | 'main-thread'
export const PIPELINE_ORDER: readonly VirtualBackgroundPipeline[] = ['worker-stream', 'worker-track', 'worker-bitmap', 'main-thread']

export interface Pipeline {
  readonly kind: VirtualBackgroundPipeline
  /** The processed track: the same for the pipeline's whole life. */
  readonly track: MediaStreamTrack
  /** Settings, background pictures, the segmenter's port, colour picks. */
  send(cmd: CompositorCommand, transfer?: Transferable[]): void
  /** The camera to process (the pipeline owns it: it stops or transfers it), or null for none. */
  setSource(track: MediaStreamTrack | null): void
  /** A playing background video to composite behind the person, or null (the caller owns the element). */
  setBackgroundVideo(video: HTMLVideoElement | null): void
  dispose(): void
}

export interface PipelineContext {
  window: Window & typeof globalThis
  settings: RenderSettings
  renderer?: RendererKind
  /** Everything but fatal errors: ready, stats, picks, non-fatal errors. */
  onEvent(e: CompositorEvent): void
  /** The compositor cannot go on (after it started): the caller falls back to the raw camera. */
  onFatal(reason: string): void
}

/** How long a path may take to start (a worker module to load, a renderer to build) before the next is tried. */
export const START_TIMEOUT_MS = 20_000

export class PipelineUnavailable extends Error {}

/** Starts a pipeline, or rejects (PipelineUnavailable when this browser lacks what it needs). */
export type StartPipeline = (ctx: PipelineContext) => Promise<Pipeline>

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
