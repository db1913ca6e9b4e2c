/**
 * `main-thread` (browsers without OffscreenCanvas): the same Compositor runs on the page, drawing on a
 * canvas under captureStream(). Frames come from a MediaStreamTrackProcessor where there is one, else as
 * ImageBitmaps per requestVideoFrameCallback.
 */
import type { CompositorCommand, CompositorEvent } from '@/workers/background/protocol'
import { framePump, type FramePump } from './framePump'
import { playTrack } from '@/lib/hiddenVideo'
import { type Pipeline, type PipelineContext } from './pipeline'

export async function startMainThread(ctx: PipelineContext): Promise<Pipeline> {
  const win = ctx.window
  const canvas = win.document.createElement('canvas')
  canvas.width = 640
  canvas.height = 480
  const track = canvas.captureStream().getVideoTracks()[0]!
  // Loaded only on this path: everywhere else the compositor runs in a worker.
  const { Compositor, canvasSink } = await import('@/workers/background/compositor')
  let sourcePump: FramePump | null = null
  let bgPump: FramePump | null = null
  let fatal: string | null = null
  let started = false
  const onEvent = (e: CompositorEvent) => {
    if (e.type === 'frameDone') sourcePump?.done()
    else if (e.type === 'backgroundFrameDone') bgPump?.done()
    else if (e.type === 'error' && e.fatal) {
      if (started) ctx.onFatal(e.message)
      else fatal = e.message
    } else ctx.onEvent(e)
  }
  const compositor = new Compositor(canvasSink(canvas), ctx.settings, onEvent, ctx.renderer)
  if (fatal) {
    compositor.dispose()
    track.stop()
    throw new Error(fatal)
  }
  started = true
  const send = (cmd: CompositorCommand) => compositor.handle(cmd)
  let source: { track: MediaStreamTrack; release(): void } | null = null
  const stopSource = () => {
    sourcePump?.stop()
    sourcePump = null
    source?.release()
    source?.track.stop()
    source = null
    send({ type: 'source', stream: null })
  }
  return {
    kind: 'main-thread',
    track,
    send,
    setSource(t) {
      stopSource()
      if (!t) return
      if (typeof win.MediaStreamTrackProcessor === 'function') {
        source = { track: t, release() {} }
        send({
          type: 'source',
          stream: new win.MediaStreamTrackProcessor({ track: t as MediaStreamVideoTrack, maxBufferSize: 1 }).readable,
        })
        return
      }
      const played = playTrack(win.document, t)
      source = { track: t, release: played.release }
      sourcePump = framePump(played.video, (frame) => send({ type: 'frame', frame }), { videoFrames: true })
    },
    setBackgroundVideo(video) {
      bgPump?.stop()
      bgPump = video ? framePump(video, (bitmap) => send({ type: 'backgroundFrame', bitmap })) : null
    },
    dispose() {
      stopSource()
      bgPump?.stop()
      bgPump = null
      compositor.dispose()
      track.stop()
    },
  }
}
