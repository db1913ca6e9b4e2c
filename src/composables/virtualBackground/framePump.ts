/**
 * Frames of a `<video>`, one per requestVideoFrameCallback, for paths where frames cannot be streamed (no
 * MediaStreamTrackProcessor on the page): the camera on Firefox's path, background videos everywhere but
 * Chromium. At most `inFlight` frames are out at once (taken, not yet finished: `done()`), so a slow receiver
 * gets fewer frames, never a queue. One in flight leaves the receiver idle from its answer to the next video
 * frame; two let it start the next frame as soon as it finishes one (measured, Firefox, green screen at
 * 1280x720, about 28 ms a frame: 20 fps out with one, see the vb bench for two).
 *
 * ImageBitmaps by default (every renderer draws them); with `videoFrames`, VideoFrames where the browser can
 * make one from the element: Firefox then hands over the camera's own I420 planes (no RGB conversion on
 * either side, and no copy on the main thread); ImageBitmaps again if making one fails.
 */
export interface FramePump {
  /** The receiver finished the last frame: the next one may be sent. */
  done(): void
  stop(): void
}

export interface FramePumpOptions {
  /** VideoFrames where the browser makes them from the element (else ImageBitmaps). */
  videoFrames?: boolean
  /**
   * Frames out at once before the receiver says `done()`.
   * @default 1
   */
  inFlight?: number
}

export function framePump(
  video: HTMLVideoElement,
  send: (frame: ImageBitmap) => void,
  o?: FramePumpOptions & { videoFrames?: false },
): FramePump
export function framePump(
  video: HTMLVideoElement,
  send: (frame: ImageBitmap | VideoFrame) => void,
  o: FramePumpOptions & { videoFrames: true },
): FramePump
export function framePump(video: HTMLVideoElement, send: (frame: never) => void, o: FramePumpOptions = {}): FramePump {
  const max = Math.max(1, o.inFlight ?? 1)
  let out = 0
  let stopped = false
  let handle = 0
  const win = video.ownerDocument.defaultView ?? window
  const rvfc = 'requestVideoFrameCallback' in video
  let useVideoFrames = !!o.videoFrames && typeof win.VideoFrame === 'function'
  const grab = (): Promise<ImageBitmap | VideoFrame> => {
    if (useVideoFrames) {
      try {
        return Promise.resolve(new win.VideoFrame(video, { timestamp: Math.round(video.currentTime * 1e6) }))
      } catch {
        useVideoFrames = false
      }
    }
    return win.createImageBitmap(video)
  }
  const schedule = () => {
    if (stopped) return
    if (rvfc) handle = video.requestVideoFrameCallback(tick)
    else handle = win.setTimeout(tick, 33)
  }
  const tick = () => {
    if (stopped) return
    if (out < max && video.readyState >= 2 && video.videoWidth > 0) {
      out++
      grab()
        .then((frame) => (stopped ? frame.close() : send(frame as never)))
        .catch(() => (out = Math.max(0, out - 1)))
    }
    schedule()
  }
  schedule()
  return {
    done() {
      out = Math.max(0, out - 1)
    },
    stop() {
      stopped = true
      if (rvfc) video.cancelVideoFrameCallback(handle)
      else win.clearTimeout(handle)
    },
  }
}
