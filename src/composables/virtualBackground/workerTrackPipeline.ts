/**
 * `worker-track` (Safari 18+, WebKit): MediaStreamTrackProcessor and VideoTrackGenerator exist only in
 * workers there. The camera track is transferred to the compositor worker, which reads it and writes its
 * pictures to a VideoTrackGenerator; the generator's track, posted back once, is the processed track.
 * Background videos come in as ImageBitmaps (framePump).
 */
import type { CompositorEvent } from '@/workers/background/protocol'
import { startCompositorWorker } from './compositorWorker'
import { framePump, type FramePump } from './framePump'
import { PipelineUnavailable, type Pipeline, type PipelineContext } from './pipeline'

/** Whether MediaStreamTracks can be posted to a worker (tried on a throwaway track of a throwaway canvas). */
function tracksTransferable(win: Window & typeof globalThis): boolean {
  const canvas = win.document.createElement('canvas')
  const probe = canvas.captureStream().getVideoTracks()[0]
  if (!probe) return false
  const { port1, port2 } = new win.MessageChannel()
  try {
    port1.postMessage(probe, [probe as unknown as Transferable])
    return true
  } catch {
    return false
  } finally {
    probe.stop()
    port1.close()
    port2.close()
  }
}

export async function startWorkerTrack(ctx: PipelineContext): Promise<Pipeline> {
  const win = ctx.window
  if (typeof win.OffscreenCanvas !== 'function' || typeof win.VideoFrame !== 'function')
    throw new PipelineUnavailable('no OffscreenCanvas or VideoFrame')
  if (!tracksTransferable(win)) throw new PipelineUnavailable('camera tracks cannot be transferred to a worker')
  let track: MediaStreamTrack | null = null
  let bgPump: FramePump | null = null
  const onEvent = (e: CompositorEvent) => {
    if (e.type === 'track') track = e.track
    else if (e.type === 'backgroundFrameDone') bgPump?.done()
    else return false
    return true
  }
  // The worker answers `init` with its generator's track, then `ready`; without VideoTrackGenerator it fails the init.
  const cw = await startCompositorWorker(ctx, { kind: 'generator' }, [], onEvent)
  if (!track) {
    cw.dispose()
    throw new Error('the worker gave no track')
  }
  const out: MediaStreamTrack = track
  const { send } = cw
  return {
    kind: 'worker-track',
    track: out,
    send,
    setSource(t) {
      // Transferred: from now on the worker owns the track (and stops it when it is replaced).
      send({ type: 'sourceTrack', track: t }, t ? [t as unknown as Transferable] : [])
    },
    setBackgroundVideo(video) {
      bgPump?.stop()
      bgPump = video ? framePump(video, (bitmap) => send({ type: 'backgroundFrame', bitmap }, [bitmap])) : null
    },
    dispose() {
      bgPump?.stop()
      bgPump = null
      cw.dispose()
      out.stop()
    },
  }
}
