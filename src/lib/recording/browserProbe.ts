/**
 * The browser side of format negotiation: a tiny canvas stream (plus an audio track) to try MediaRecorder on, and a
 * cached probe. Browser only (the pure logic is in formats.ts).
 */
import { probeRecorderFormat, type ProbeResult } from './formats.ts'

function canvasTestStream(audio: boolean): { stream: MediaStream; stop(): void } {
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
  // An audio track, so that a type whose audio codec the browser cannot record fails here (Firefox throws at start
  // for `video/webm;codecs=vp8` with audio). The probe only starts the recorder: a context the browser keeps
  // suspended (no click yet, no sound server) is fine, its track exists either way.
  let audioCtx: AudioContext | null = null
  if (audio && typeof AudioContext === 'function') {
    try {
      audioCtx = new AudioContext()
      const track = audioCtx.createMediaStreamDestination().stream.getAudioTracks()[0]
      if (track) stream.addTrack(track)
    } catch {
      audioCtx = null
    }
  }
  return {
    stream,
    stop() {
      clearInterval(timer)
      stream.getTracks().forEach((t) => t.stop())
      void audioCtx?.close().catch(() => undefined)
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
