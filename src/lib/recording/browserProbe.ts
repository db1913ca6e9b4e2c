/**
 * The browser side of format negotiation: a tiny canvas stream to try MediaRecorder on, and a cached probe.
 * Browser only (the pure logic is in formats.ts).
 */
import { probeRecorderFormat, type ProbeResult } from './formats.ts'

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

/**
 * The recording format this browser really records, tried once per page. The test stream is video only: an audio
 * codec named in the mime type is accepted either way, and a silent AudioContext may be suspended before a click.
 */
export function probeBrowserFormat(audio: boolean): Promise<ProbeResult> {
  const key = audio ? 'av' : 'v'
  let p = cache.get(key)
  if (!p) {
    p = probeRecorderFormat({ MediaRecorder: window.MediaRecorder, createTestStream: () => canvasTestStream() }, audio)
    p.then((r) => {
      if (!r.format) cache.delete(key)
    }, () => cache.delete(key))
    cache.set(key, p)
  }
  return p
}
