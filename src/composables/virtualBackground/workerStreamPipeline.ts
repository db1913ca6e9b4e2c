/**
 * `worker-stream` (Chromium): MediaStreamTrackProcessor on the page, its stream of VideoFrames transferred
 * to the compositor worker, which draws on the processed track's own canvas (transferControlToOffscreen).
 */
import type { CompositorEvent } from '@/workers/background/protocol'
import { startCompositorWorker } from './compositorWorker'
import { framePump, type FramePump } from './framePump'
import { PipelineUnavailable, type Pipeline, type PipelineContext } from './pipeline'

/** Whether ReadableStreams can be transferred (a DataCloneError would otherwise lose every frame). */
function streamsTransferable(win: Window & typeof globalThis): boolean {
  try {
    const rs = new win.ReadableStream()
    const { port1, port2 } = new win.MessageChannel()
    port1.postMessage(rs, [rs as unknown as Transferable])
    port1.close()
    port2.close()
    return true
  } catch {
    return false
  }
}

export async function startWorkerStream(ctx: PipelineContext): Promise<Pipeline> {
  const win = ctx.window
  if (typeof win.MediaStreamTrackProcessor !== 'function') throw new PipelineUnavailable('no MediaStreamTrackProcessor on the page')
  if (typeof win.HTMLCanvasElement.prototype.transferControlToOffscreen !== 'function') throw new PipelineUnavailable('no OffscreenCanvas')
  if (!streamsTransferable(win)) throw new PipelineUnavailable('streams cannot be transferred to a worker')
  const canvas = win.document.createElement('canvas')
  canvas.width = 640
  canvas.height = 480
  const out = canvas.captureStream()
  // Throws where captureStream and a transferred canvas cannot be combined (Firefox): the next path runs.
  const offscreen = canvas.transferControlToOffscreen()
  const track = out.getVideoTracks()[0]!
  let bgPump: FramePump | null = null
  const onEvent = (e: CompositorEvent) => e.type === 'backgroundFrameDone' && (bgPump?.done(), true)
  let cw
  try {
    cw = await startCompositorWorker(ctx, { kind: 'canvas', canvas: offscreen }, [offscreen], onEvent)
  } catch (err) {
    track.stop()
    throw err
  }
  const { send } = cw
  let source: MediaStreamTrack | null = null
  let bgTrack: MediaStreamTrack | null = null
  const processorOf = (t: MediaStreamTrack) =>
    new win.MediaStreamTrackProcessor({ track: t as MediaStreamVideoTrack, maxBufferSize: 1 }).readable
  return {
    kind: 'worker-stream',
    track,
    send,
    setSource(t) {
      source?.stop()
      source = t
      const stream = t ? processorOf(t) : null
      send({ type: 'source', stream }, stream ? [stream as unknown as Transferable] : [])
    },
    setBackgroundVideo(video) {
      bgTrack?.stop()
      bgTrack = null
      bgPump?.stop()
      bgPump = null
      const capture = (video as (HTMLVideoElement & { captureStream?: () => MediaStream }) | null)?.captureStream
      const vt = video && capture ? capture.call(video).getVideoTracks()[0] : undefined
      if (vt) bgTrack = vt
      const stream = vt ? processorOf(vt) : null
      send({ type: 'backgroundStream', stream }, stream ? [stream as unknown as Transferable] : [])
      // A video element without captureStream(): its frames one by one.
      if (video && !vt) bgPump = framePump(video, (bitmap) => send({ type: 'backgroundFrame', bitmap }, [bitmap]))
    },
    dispose() {
      source?.stop()
      bgTrack?.stop()
      bgPump?.stop()
      source = bgTrack = null
      cw.dispose()
      track.stop()
    },
  }
}
