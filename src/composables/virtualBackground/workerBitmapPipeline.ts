/**
 * `worker-bitmap` (Firefox: no MediaStreamTrackProcessor, and captureStream() refuses a canvas whose
 * control went to a worker): camera frames go in one per requestVideoFrameCallback (the next only when the
 * worker finished the last), as VideoFrames made from the `<video>` (Firefox keeps the camera's I420 in
 * them, transferred without a copy) or, where that fails, as ImageBitmaps; the worker draws on a canvas of its own and posts each
 * picture back with transferToImageBitmap(); a `bitmaprenderer` canvas shows it, and its captureStream()
 * is the processed track. The main thread only moves bitmaps, it never touches their pixels.
 */
import type { CompositorEvent } from '@/workers/background/protocol'
import { startCompositorWorker } from './compositorWorker'
import { framePump, type FramePump } from './framePump'
import { playTrack } from '@/lib/hiddenVideo'
import { PipelineUnavailable, type Pipeline, type PipelineContext } from './pipeline'

export async function startWorkerBitmap(ctx: PipelineContext): Promise<Pipeline> {
  const win = ctx.window
  if (typeof win.OffscreenCanvas !== 'function') throw new PipelineUnavailable('no OffscreenCanvas')
  const doc = win.document
  const canvas = doc.createElement('canvas')
  canvas.width = 640
  canvas.height = 480
  const bitmaps = canvas.getContext('bitmaprenderer')
  if (!bitmaps) throw new PipelineUnavailable('no bitmaprenderer canvas')
  const track = canvas.captureStream().getVideoTracks()[0]
  if (!track) throw new PipelineUnavailable('canvas capture gave no track')
  let sourcePump: FramePump | null = null
  let bgPump: FramePump | null = null
  const onEvent = (e: CompositorEvent) => {
    switch (e.type) {
      case 'output':
        // A new size resizes the canvas with the picture; the track follows.
        bitmaps.transferFromImageBitmap(e.bitmap)
        return true
      case 'frameDone':
        sourcePump?.done()
        return true
      case 'backgroundFrameDone':
        bgPump?.done()
        return true
      default:
        return false
    }
  }
  let cw
  try {
    cw = await startCompositorWorker(ctx, { kind: 'bitmap' }, [], onEvent)
  } catch (err) {
    track.stop()
    throw err
  }
  const { send } = cw
  let source: { track: MediaStreamTrack; release(): void } | null = null
  const stopSource = () => {
    sourcePump?.stop()
    sourcePump = null
    source?.release()
    source?.track.stop()
    source = null
  }
  return {
    kind: 'worker-bitmap',
    track,
    send,
    setSource(t) {
      stopSource()
      if (!t) return
      const played = playTrack(doc, t)
      source = { track: t, release: played.release }
      // Two in flight: the worker starts the next camera frame as soon as it has finished one (framePump.ts).
      sourcePump = framePump(played.video, (frame) => send({ type: 'frame', frame }, [frame]), { videoFrames: true, inFlight: 2 })
    },
    setBackgroundVideo(video) {
      bgPump?.stop()
      bgPump = video ? framePump(video, (bitmap) => send({ type: 'backgroundFrame', bitmap }, [bitmap])) : null
    },
    dispose() {
      stopSource()
      bgPump?.stop()
      bgPump = null
      cw.dispose()
      track.stop()
    },
  }
}
