/**
 * Picture in picture off the main thread: screen frames and camera frames arrive as VideoFrame streams (from
 * MediaStreamTrackProcessor, transferred), are drawn on an OffscreenCanvas, and each composite goes out as a
 * VideoFrame to a MediaStreamTrackGenerator's writable. Composites go out at a steady `fps` from a worker timer
 * (dedicated workers are not throttled in background tabs), drawn from the latest frame of each source: steady
 * frame spacing keeps muxers and players from guessing odd frame rates (arrival-driven output was measured at
 * 11–50 ms gaps, which made ffmpeg's decoder complain about the remuxed mp4), and a still screen (screen capture
 * sends frames only on change) never freezes the camera bubble.
 */
import type { FromPipWorker, PipLayout, ToPipWorker } from './pipProtocol'
import { drawPip } from './drawPip'

// Typed by hand: a `lib="webworker"` reference here would leak worker globals into the whole app's types.
const scope = self as unknown as { postMessage(m: FromPipWorker): void; onmessage: ((e: MessageEvent<ToPipWorker>) => void) | null }

let writer: WritableStreamDefaultWriter<VideoFrame> | null = null
let layout: PipLayout = { corner: 'bottom-right', size: 0.25, shape: 'round' }
let minInterval = 1000 / 30
let screen: VideoFrame | null = null
let camera: VideoFrame | null = null
let canvas: OffscreenCanvas | null = null
let ctx: OffscreenCanvasRenderingContext2D | null = null
let timer: ReturnType<typeof setInterval> | undefined
let lastTimestamp = 0
let framesOut = 0
let writing = false
let screenGen = 0
let cameraGen = 0

function post(m: FromPipWorker) {
  scope.postMessage(m)
}

function compose() {
  if (!writer || !screen || writing) return
  const now = performance.now()
  const w = screen.displayWidth
  const h = screen.displayHeight
  if (!canvas || canvas.width !== w || canvas.height !== h) {
    canvas = new OffscreenCanvas(w, h)
    ctx = canvas.getContext('2d', { alpha: false })
  }
  drawPip(
    ctx!,
    w,
    h,
    { image: screen, width: w, height: h },
    camera ? { image: camera, width: camera.displayWidth, height: camera.displayHeight } : null,
    layout,
  )
  // Timestamps must rise strictly.
  const timestamp = Math.max(lastTimestamp + 1, Math.round(now * 1000))
  lastTimestamp = timestamp
  const frame = new VideoFrame(canvas!, { timestamp })
  writing = true
  writer.write(frame).then(
    () => {
      writing = false
      framesOut++
    },
    (err: unknown) => {
      writing = false
      post({ type: 'error', code: 'send-failed', detail: String(err) })
    },
  )
  frame.close()
}

async function pump(frames: ReadableStream<VideoFrame>, which: 'screen' | 'camera', gen: number) {
  const reader = frames.getReader()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      const current = which === 'screen' ? screenGen : cameraGen
      if (gen !== current) {
        value.close()
        break
      }
      if (which === 'screen') {
        screen?.close()
        screen = value
      } else {
        camera?.close()
        camera = value
      }
    }
  } catch (err) {
    post({ type: 'error', code: 'read-failed', source: which, detail: String(err) })
  } finally {
    reader.releaseLock()
    // The source ended (or was replaced): drop its last frame if nothing newer came.
    if (which === 'camera' && gen === cameraGen) {
      camera?.close()
      camera = null
    }
  }
}

scope.onmessage = (e: MessageEvent<ToPipWorker>) => {
  const m = e.data
  switch (m.type) {
    case 'init':
      writer = m.output.getWriter()
      minInterval = 1000 / Math.max(1, m.fps)
      layout = m.layout
      timer = setInterval(compose, minInterval)
      post({ type: 'started' })
      break
    case 'screen':
      screenGen++
      if (m.frames) void pump(m.frames, 'screen', screenGen)
      break
    case 'camera':
      cameraGen++
      if (!m.frames) {
        camera?.close()
        camera = null
      } else void pump(m.frames, 'camera', cameraGen)
      break
    case 'layout':
      layout = m.layout
      break
    case 'stop':
      clearInterval(timer)
      screen?.close()
      camera?.close()
      screen = camera = null
      void writer?.close().catch(() => undefined)
      writer = null
      post({ type: 'stats', framesOut })
      break
  }
}
