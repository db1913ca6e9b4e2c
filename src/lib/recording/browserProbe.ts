/**
 * The browser side of format negotiation: a tiny canvas stream to try MediaRecorder on, and a cached probe. Browser only (the pure logic is in formats.ts).
 */
import { probeRecorderFormat, type ProbeResult } from './formats.ts'

/**
 * A small canvas stream, video only. No AudioContext is made for an audio track: opening and closing one here (the
 * first takes ~0.2 s to start in Chromium) made the next one, the recording's mixer, start late, and Chromium's
 * recorder then lost the first second of video (measured: 2.9 s of a 4 s recording). The probe only starts the
 * recorder, which a type naming an audio codec does on a video-only stream in Chromium and Firefox.
 */
function canvasTestStream(): { stream: MediaStream; stop(): void } {
  const canvas = document.createElement('canvas')
  canvas.width = 64
  canvas.height = 64
  const ctx = canvas.getContext('2d')!
  let n = 0
  const draw = () => {
    ctx.fillStyle = n++ % 2 ? '#123' : '#456'
    ctx.fillRect(0, 0, 64, 64)
  }
  draw()
  // setInterval, not requestAnimationFrame: a background tab gets no animation frames.
  const timer = setInterval(draw, 50)
  const stream = canvas.captureStream(20)
  return {
    stream,
    stop() {
      clearInterval(timer)
      stream.getTracks().forEach((t) => t.stop())
    },
  }
}

const cache = new Map<string, Promise<ProbeResult>>()

/** The recording format this browser really starts recording, tried once per page (in about 0.1 s). */
export function probeBrowserFormat(audio: boolean): Promise<ProbeResult> {
  const key = audio ? 'av' : 'v'
  let p = cache.get(key)
  if (!p) {
    p = probeRecorderFormat({ MediaRecorder: window.MediaRecorder, createTestStream: canvasTestStream }, audio)
    p.then(
      (r) => {
        if (!r.format) cache.delete(key)
      },
      () => cache.delete(key),
    )
    cache.set(key, p)
  }
  return p
}
