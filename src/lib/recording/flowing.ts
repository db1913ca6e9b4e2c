/**
 * Whether a track is delivering media yet. A recorder started on a stream whose picture or sound has not begun
 * (a compositor worker still starting, a Web Audio mix whose audio thread has not run yet) loses that time: Chromium
 * starts the file at the first frame its muxer takes, so a recording shown as 4 s long held 3 s (measured in the full
 * test run, screen + camera bubble + mixed audio, when the recorder started within a second of its sources).
 * The recorder waits on these (bounded) before it starts, so the counter and the file begin together.
 */
import { playTrack } from '@/lib/hiddenVideo'

/**
 * Resolves true once `track` has a picture to show (a `<video>` fed a clone of it reaches HAVE_CURRENT_DATA), false
 * after `timeoutMs` or when `signal` aborts. A live source that already runs answers in a frame or two: a new sink
 * gets the current picture.
 */
export function firstVideoFrame(track: MediaStreamTrack, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  if (typeof document === 'undefined' || track.readyState !== 'live') return Promise.resolve(false)
  // A clone, so nothing done here touches the caller's track.
  const clone = track.clone()
  const { video, release } = playTrack(document, clone)
  return new Promise<boolean>((resolve) => {
    let settled = false
    const finish = (ok: boolean) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      video.removeEventListener('loadeddata', onData)
      signal?.removeEventListener('abort', onAbort)
      release()
      clone.stop()
      resolve(ok)
    }
    const onData = () => finish(video.videoWidth > 0)
    const onAbort = () => finish(false)
    const timer = setTimeout(() => finish(false), timeoutMs)
    video.addEventListener('loadeddata', onData)
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal?.aborted) finish(false)
  })
}

/**
 * Resolves true once the context runs and its audio clock moves (its audio thread renders, so a
 * MediaStreamAudioDestinationNode carries samples), false after `timeoutMs`, when `signal` aborts, or when the
 * context is closed. A suspended context is waited on too (one just made may still be starting); callers that
 * must not wait for one the browser keeps suspended ask `resume()` first, as the Record page does.
 */
export async function audioClockRunning(ctx: BaseAudioContext, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const until = performance.now() + timeoutMs
  const t0 = ctx.currentTime
  while (!signal?.aborted && performance.now() < until) {
    if (ctx.state === 'running' && ctx.currentTime > t0) return true
    if (ctx.state === 'closed') return false
    await new Promise((r) => setTimeout(r, 10))
  }
  return false
}
