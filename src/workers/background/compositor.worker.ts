/**
 * Module worker that runs the Compositor. Its output (see OutputInit in protocol.ts) is the processed
 * track's own canvas (transferred), a VideoTrackGenerator of its own, or ImageBitmaps posted back.
 * Every failure is posted to the main thread as an `error` event; one during `init` is fatal, so the
 * main thread tries the next pipeline.
 */
import { canvasSink, Compositor, type FrameSink } from './compositor'
import type { CompositorCommand, CompositorEvent, OutputInit } from './protocol'

let compositor: Compositor | null = null
const post = (event: CompositorEvent, transfer: Transferable[] = []) => self.postMessage(event, { transfer })

interface VideoTrackGeneratorLike {
  readonly track: MediaStreamTrack
  readonly writable: WritableStream<VideoFrame>
}
type VideoTrackGeneratorCtor = new () => VideoTrackGeneratorLike

function sinkFor(output: OutputInit): FrameSink {
  if (output.kind === 'canvas') return canvasSink(output.canvas)
  const canvas = new OffscreenCanvas(640, 480)
  if (output.kind === 'bitmap') {
    return {
      canvas,
      // The picture leaves the worker without a copy; the main thread shows it on a `bitmaprenderer` canvas.
      present: () => {
        const bitmap = canvas.transferToImageBitmap()
        post({ type: 'output', bitmap }, [bitmap])
      },
      dispose() {},
    }
  }
  const Generator = (self as unknown as { VideoTrackGenerator?: VideoTrackGeneratorCtor }).VideoTrackGenerator
  if (typeof Generator !== 'function') throw new Error('this browser has no VideoTrackGenerator in workers')
  if (typeof MediaStreamTrackProcessor !== 'function') throw new Error('this browser has no MediaStreamTrackProcessor in workers')
  const generator = new Generator()
  const writer = generator.writable.getWriter()
  post({ type: 'track', track: generator.track }, [generator.track as unknown as Transferable])
  let pending = false
  let last = 0
  return {
    canvas,
    present: () => {
      // One picture in flight at most: a consumer that falls behind gets fewer pictures, never a queue.
      if (pending) return
      pending = true
      // Our own clock, always increasing: a new camera's frames carry timestamps from another origin, and a
      // track whose time goes backwards may stall its consumers.
      last = Math.max(last + 1, Math.round(performance.now() * 1000))
      const frame = new VideoFrame(canvas, { timestamp: last })
      writer
        .write(frame)
        .catch(() => frame.close())
        .finally(() => (pending = false))
    },
    dispose: () => void writer.close().catch(() => {}),
  }
}

self.onmessage = (e: MessageEvent<CompositorCommand>) => {
  const cmd = e.data
  try {
    if (cmd.type === 'init') {
      compositor = new Compositor(sinkFor(cmd.output), cmd.settings, post, cmd.renderer)
      return
    }
    if (!compositor) {
      // Commands sent after a failed init: the main thread is already moving on; release what they carry.
      if (cmd.type === 'sourceTrack') cmd.track?.stop()
      return
    }
    compositor.handle(cmd)
    if (cmd.type === 'dispose') {
      compositor = null
      self.close()
    }
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err), fatal: cmd.type === 'init' })
  }
}

self.onunhandledrejection = (e: PromiseRejectionEvent) => {
  post({ type: 'error', message: String(e.reason), fatal: false })
}
