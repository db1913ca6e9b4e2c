import { describe, expect, it } from 'vitest'
import { candidatesFor, describeFormat, probeRecorderFormat, RECORDING_CANDIDATES, type ProbeEnvironment } from '@/lib/recording/formats'
import { ffmpegErrorSummary, mp4Args, parseFfmpegTime, progressFromTime, remuxArgs, trimArgs } from '@/lib/recording/ffmpegArgs'
import { gifDelays, gifFrameTimes, gifSize, normalizeGifOptions, trimGifPadding } from '@/lib/recording/gifOptions'
import { limitReached, RecordingClock, willExceedSize } from '@/lib/recording/limits'
import { normalizeTrim, trimmedDuration } from '@/lib/recording/trim'
import { bubbleRect, centreSquare } from '@/workers/compositor/pipProtocol'
import { drawPip } from '@/workers/compositor/drawPip'
import { describeStorageError } from '@/lib/recording/chunkStore'
import { render } from '@/i18n/message'
import {
  BITS_PER_PIXEL,
  estimateGifBytes,
  estimateWebmBytes,
  FPS_CHOICES,
  MIN_VIDEO_BPS,
  MP4_AUDIO_BPS,
  MP4_DEFAULTS,
  outputFps,
  outputSize,
  planMp4,
  QUALITIES,
  RESOLUTIONS,
  SIZE_LIMITS_MB,
  type SourceInfo,
} from '@/lib/recording/exportSettings'

describe('describeFormat', () => {
  it('reads containers and codecs, and the export path each implies', () => {
    expect(describeFormat('video/x-matroska;codecs=avc1,opus')).toMatchObject({ container: 'matroska', videoCodec: 'h264', audioCodec: 'opus', ext: 'mkv', mp4Path: 'remux', webmPath: 'transcode' })
    expect(describeFormat('video/webm;codecs=vp9,opus')).toMatchObject({ container: 'webm', videoCodec: 'vp9', mp4Path: 'transcode', webmPath: 'remux' })
    expect(describeFormat('video/webm; codecs="vp8, opus"')).toMatchObject({ videoCodec: 'vp8', audioCodec: 'opus' })
    expect(describeFormat('video/mp4;codecs=avc1.42E01E,mp4a.40.2')).toMatchObject({ container: 'mp4', videoCodec: 'h264', audioCodec: 'aac' })
    expect(describeFormat('video/webm')).toMatchObject({ videoCodec: 'vp8', audioCodec: 'opus' })
  })

  it('asks for H.264 first (Matroska before MP4), then VP9/VP8 WebM, and for a bare fragmented mp4 only last', () => {
    const firstNonH264 = RECORDING_CANDIDATES.findIndex((m) => !/avc1|h264/.test(m))
    expect(firstNonH264).toBeGreaterThan(0)
    expect(RECORDING_CANDIDATES.slice(firstNonH264).some((m) => /avc1|h264/.test(m))).toBe(false)
    expect(RECORDING_CANDIDATES[0]).toMatch(/matroska/)
    // Safari records H.264 + AAC in MP4: that is its first type, ahead of any WebM.
    expect(RECORDING_CANDIDATES.indexOf('video/mp4;codecs=avc1,mp4a.40.2')).toBeLessThan(RECORDING_CANDIDATES.indexOf('video/webm;codecs=vp9,opus'))
    expect(RECORDING_CANDIDATES.at(-1)).toBe('video/mp4')
    expect(candidatesFor(false).some((m) => /opus|mp4a/.test(m))).toBe(false)
  })
})

/** A fake MediaRecorder whose behaviour per mime type the test decides. */
function fakeEnv(behaviour: Record<string, 'ok' | 'throws' | 'error-event' | 'silent'>, supported: string[]): ProbeEnvironment & { stopped: number } {
  const env = {
    stopped: 0,
    graceMs: 20,
    createTestStream: () => ({ stream: {} as MediaStream, stop: () => void env.stopped++ }),
    MediaRecorder: class {
      static isTypeSupported = (t: string) => supported.includes(t)
      state = 'inactive'
      mimeType: string
      ondataavailable: ((e: { data: { size: number } }) => void) | null = null
      onerror: ((e: { type: string }) => void) | null = null
      constructor(_s: MediaStream, o: { mimeType: string }) {
        this.mimeType = o.mimeType
      }
      start() {
        const b = behaviour[this.mimeType]
        if (b === 'throws') throw new DOMException('nope', 'NotSupportedError')
        this.state = 'recording'
        setTimeout(() => {
          if (b === 'ok') this.ondataavailable?.({ data: { size: 10 } })
          if (b === 'error-event') this.onerror?.({ type: 'error' })
        }, 5)
      }
      stop() {
        this.state = 'inactive'
      }
    } as unknown as ProbeEnvironment['MediaRecorder'],
  }
  return env
}

describe('probeRecorderFormat', () => {
  it('skips types that are claimed but fail at start or fire an error, and takes the first that starts', async () => {
    const [a, b, c, d] = RECORDING_CANDIDATES
    const env = fakeEnv({ [a!]: 'throws', [b!]: 'error-event', [c!]: 'silent', [d!]: 'ok' }, [a!, b!, c!, d!])
    const r = await probeRecorderFormat(env, true)
    // 'silent' (starts, no chunk yet) is accepted: the probe does not wait for data, the recorder watches for it.
    expect(r.format?.mimeType).toBe(c)
    expect(r.tried.map((t) => t.outcome)).toEqual(['start-failed', 'start-failed', 'ok'])
    expect(env.stopped).toBe(3)
  })

  it('settles on what Firefox records (VP8 + Opus WebM) in a few grace periods, not on data', async () => {
    // Firefox 153: no H.264 or VP9 recording; `video/webm;codecs=vp8,opus` starts; its first chunk takes ~0.5 s.
    const supported = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp8', 'video/webm']
    const env = fakeEnv({ 'video/webm;codecs=vp8,opus': 'silent' }, supported)
    const t0 = performance.now()
    const r = await probeRecorderFormat(env, true)
    expect(performance.now() - t0).toBeLessThan(500)
    expect(r.format).toMatchObject({ mimeType: 'video/webm;codecs=vp8,opus', videoCodec: 'vp8', audioCodec: 'opus', mp4Path: 'transcode', webmPath: 'remux' })
  })

  it('settles on MP4 (H.264 + AAC) where that is what the browser records (Safari)', async () => {
    const supported = ['video/mp4;codecs=avc1,mp4a.40.2', 'video/mp4', 'video/webm;codecs=vp8,opus']
    const r = await probeRecorderFormat(fakeEnv({ 'video/mp4;codecs=avc1,mp4a.40.2': 'ok' }, supported), true)
    expect(r.format).toMatchObject({ container: 'mp4', videoCodec: 'h264', audioCodec: 'aac', mp4Path: 'remux' })
  })

  it('returns null with reasons when nothing records', async () => {
    const r = await probeRecorderFormat(fakeEnv({}, []), false)
    expect(r.format).toBeNull()
    expect(r.tried.every((t) => t.outcome === 'unsupported')).toBe(true)
  })
})

describe('ffmpeg arguments', () => {
  it('remuxes H.264 with -c copy and faststart', () => {
    const a = mp4Args({ input: '/in/a.mkv', output: '/out/o.mp4', videoCodec: 'h264', hasAudio: true })
    expect(a.join(' ')).toContain('-c:v copy')
    expect(a.join(' ')).toContain('-c:a aac')
    expect(a.join(' ')).toContain('-movflags +faststart')
    expect(a).not.toContain('libx264')
    expect(a.at(-1)).toBe('/out/o.mp4')
  })

  it('transcodes VP8/VP9 to H.264 yuv420p, and trims with input seeking', () => {
    const a = mp4Args({ input: 'i', output: 'o', videoCodec: 'vp8', hasAudio: false, trim: { startS: 1.5, endS: 4 } })
    expect(a.slice(0, 4)).toEqual(['-ss', '1.500', '-to', '4.000'])
    expect(a.join(' ')).toContain('-c:v libx264 -preset ultrafast')
    expect(a).toContain('yuv420p')
    expect(a).toContain('-an')
    expect(trimArgs(null)).toEqual([])
    expect(trimArgs({ startS: 0, endS: null })).toEqual([])
    expect(remuxArgs('i', 'o', 'webm')).toEqual(['-fflags', '+genpts', '-i', 'i', '-map', '0', '-c', 'copy', '-f', 'webm', 'o'])
  })

  it('reads progress from the log against the known length', () => {
    expect(parseFfmpegTime('frame=  100 fps= 20 q=-1.0 size=  256kB time=00:00:04.50 bitrate= 400kbits/s')).toBe(4.5)
    expect(parseFfmpegTime('time=01:02:03.25')).toBe(3723.25)
    expect(parseFfmpegTime('Stream #0:0: Video: h264')).toBeNull()
    expect(progressFromTime(5, 10)).toBe(0.5)
    expect(progressFromTime(12, 10)).toBe(0.99)
    expect(progressFromTime(null, 10)).toBeNull()
    expect(ffmpegErrorSummary(['ok', 'Error opening input', 'x'])).toBe('Error opening input')
  })
})

describe('trim', () => {
  it('clamps, orders and drops a range that covers everything', () => {
    expect(normalizeTrim(null, 10)).toBeNull()
    expect(normalizeTrim({ startS: 0, endS: 10 }, 10)).toBeNull()
    expect(normalizeTrim({ startS: -3, endS: 4 }, 10)).toEqual({ startS: 0, endS: 4 })
    expect(normalizeTrim({ startS: 8, endS: 2 }, 10)).toEqual({ startS: 2, endS: 8 })
    expect(normalizeTrim({ startS: 3, endS: 30 }, 10)).toEqual({ startS: 3, endS: 10 })
    expect(normalizeTrim({ startS: 5, endS: 5 }, 10)!.endS! - 5).toBeCloseTo(0.1)
    expect(trimmedDuration({ startS: 2, endS: null }, 10)).toBe(8)
    expect(trimmedDuration(null, 10)).toBe(10)
  })
})

describe('gif options', () => {
  it('normalizes options within limits', () => {
    expect(normalizeGifOptions({})).toEqual({ width: 640, fps: 10, quality: 10, dither: false, workers: 2 })
    expect(normalizeGifOptions({ width: 5000, fps: 100, quality: 0 }, 1280)).toMatchObject({ width: 1280, fps: 30, quality: 1 })
    expect(normalizeGifOptions({}, 320).width).toBe(320)
  })

  it('plans frames and delays without drift', () => {
    expect(gifSize(1280, 720, 640)).toEqual({ width: 640, height: 360 })
    expect(gifSize(641, 481, 999)).toEqual({ width: 642, height: 482 })
    expect(gifFrameTimes(5, 10)).toHaveLength(50)
    expect(gifFrameTimes(10, 10, { startS: 2, endS: 4 })[0]).toBe(2)
    expect(gifFrameTimes(10, 10, { startS: 2, endS: 4 })).toHaveLength(20)
    const d = gifDelays(30, 15)
    expect(d.every((x) => x % 10 === 0)).toBe(true)
    expect(d.reduce((a, b) => a + b, 0)).toBe(2000)
  })

  it('cuts gif.js padding after the trailer', () => {
    expect([...trimGifPadding(new Uint8Array([0x47, 0x3b, 0, 0, 0]))]).toEqual([0x47, 0x3b])
    expect([...trimGifPadding(new Uint8Array([0x47, 0x3b]))]).toEqual([0x47, 0x3b])
    expect([...trimGifPadding(new Uint8Array([0x47, 0x01, 0]))]).toEqual([0x47, 0x01, 0])
  })
})

describe('limits and clock', () => {
  it('stops at the duration or size limit', () => {
    expect(limitReached(999, 0, { maxDurationMs: 1000 })).toBeNull()
    expect(limitReached(1000, 0, { maxDurationMs: 1000 })).toBe('duration')
    expect(limitReached(0, 5e6, { maxBytes: 5e6 })).toBe('size')
    expect(limitReached(1e9, 1e12, {})).toBeNull()
    expect(willExceedSize(900, 9, 1000)).toBe(true)
    expect(willExceedSize(800, 9, 1000)).toBe(false)
  })

  it('does not count paused time', () => {
    let now = 0
    const c = new RecordingClock(() => now)
    c.start()
    now = 2000
    c.pause()
    now = 4000
    expect(c.elapsed()).toBe(2000)
    c.resume()
    now = 6000
    expect(c.elapsed()).toBe(4000)
    expect(c.pausedMs()).toBe(2000)
  })
})

describe('picture in picture geometry', () => {
  it('places the bubble in the chosen corner with a margin', () => {
    const r = bubbleRect(1280, 720, { corner: 'bottom-right', size: 0.25, shape: 'round' })
    expect(r.d).toBe(180)
    expect(r.x + r.d).toBeLessThan(1280)
    expect(r.y + r.d).toBeLessThan(720)
    expect(bubbleRect(1280, 720, { corner: 'top-left', size: 0.25, shape: 'square' })).toMatchObject({ x: 22, y: 22 })
    expect(centreSquare(640, 480)).toEqual({ sx: 80, sy: 0, s: 480 })
  })
})


describe('storage errors', () => {
  it('says what a full disk means for the recording', () => {
    expect(render(describeStorageError(new DOMException('full', 'QuotaExceededError')))).toMatch(/ran out of storage.*kept/)
    expect(render(describeStorageError(new Error('boom')))).toContain('boom')
  })
})

describe('export settings and size estimates', () => {
  const vp8: SourceInfo = { width: 1280, height: 720, durationS: 10, recordingS: 10, fps: 30, hasAudio: true, videoCodec: 'vp8', bytes: 5_000_000 }
  const h264: SourceInfo = { ...vp8, videoCodec: 'avc', bytes: 8_000_000 }

  it('scales to the short side, never up, keeping the aspect ratio and even sizes', () => {
    expect(outputSize(1280, 720, 'original')).toEqual({ width: 1280, height: 720 })
    expect(outputSize(1280, 720, '480p')).toEqual({ width: 854, height: 480 })
    expect(outputSize(1280, 720, '1080p')).toEqual({ width: 1280, height: 720 })
    expect(outputSize(720, 1280, '480p')).toEqual({ width: 480, height: 854 })
    expect(outputSize(1919, 1079, 'original')).toEqual({ width: 1920, height: 1080 })
    expect(outputFps(30, 60)).toBe(30)
    expect(outputFps(undefined, 'original')).toBe(30)
    expect(outputFps(29.97, 15)).toBe(15)
  })

  it('copies H.264 as recorded only when nothing changes, and then estimates the trimmed share of the file', () => {
    const p = planMp4({ ...h264, durationS: 5 }, MP4_DEFAULTS)
    expect(p).toMatchObject({ remux: true, width: 1280, height: 720, frameRate: null, estimateBytes: 4_000_000 })
    expect(planMp4(h264, { ...MP4_DEFAULTS, resolution: '720p' }).remux).toBe(true)
    expect(planMp4(h264, { ...MP4_DEFAULTS, resolution: '480p' }).remux).toBe(false)
    expect(planMp4(h264, { ...MP4_DEFAULTS, fps: 24 }).remux).toBe(false)
    expect(planMp4(h264, { ...MP4_DEFAULTS, quality: 'low' }).remux).toBe(false)
    // A size limit the recording already fits: copied; one it does not fit: encoded to fit.
    expect(planMp4(h264, { ...MP4_DEFAULTS, quality: { maxBytes: 25e6 } }).remux).toBe(true)
    expect(planMp4(h264, { ...MP4_DEFAULTS, quality: { maxBytes: 4e6 } }).remux).toBe(false)
    expect(planMp4(vp8, MP4_DEFAULTS).remux).toBe(false)
  })

  it('encodes at bits-per-pixel bitrates for the quality levels, and the estimate is bitrate x length plus audio', () => {
    const high = planMp4(vp8, { ...MP4_DEFAULTS, quality: 'high' })
    const low = planMp4(vp8, { ...MP4_DEFAULTS, quality: 'low' })
    expect(high.videoBps).toBe(Math.round(1280 * 720 * 30 * BITS_PER_PIXEL.high))
    expect(low.videoBps).toBeLessThan(high.videoBps)
    expect(high.estimateBytes).toBe(Math.round((((high.videoBps + MP4_AUDIO_BPS) * 10) / 8) * 1.01))
    // Smaller picture and fewer frames: proportionally fewer bits.
    const small = planMp4(vp8, { resolution: '480p', quality: 'high', fps: 15 })
    expect(small).toMatchObject({ width: 854, height: 480, frameRate: 15 })
    expect(small.videoBps).toBe(Math.round(854 * 480 * 15 * BITS_PER_PIXEL.high))
    // "As recorded" for VP8: the recording's own bitrate (3 MB in 10 s, less its audio), within low..high.
    expect(planMp4({ ...vp8, bytes: 3_000_000 }, MP4_DEFAULTS).videoBps).toBe(2_400_000 - 128_000)
    expect(planMp4({ ...vp8, bytes: 50_000_000 }, MP4_DEFAULTS).videoBps).toBe(high.videoBps)
    const noAudio = planMp4({ ...vp8, hasAudio: false }, { ...MP4_DEFAULTS, quality: 'medium' })
    expect(noAudio.audioBps).toBe(0)
  })

  it('a size limit gives a file under it, with headroom, never above what "high" would spend', () => {
    for (const maxBytes of [8e6, 25e6]) {
      for (const durationS of [10, 60, 300]) {
        const p = planMp4({ ...vp8, durationS, recordingS: durationS, bytes: 1e9 }, { ...MP4_DEFAULTS, quality: { maxBytes } })
        if (p.overLimit) expect(p.videoBps).toBe(MIN_VIDEO_BPS)
        else expect(p.estimateBytes).toBeLessThanOrEqual(maxBytes)
        expect(p.videoBps).toBeLessThanOrEqual(Math.round(1280 * 720 * 30 * BITS_PER_PIXEL.high))
      }
    }
    expect(planMp4({ ...vp8, durationS: 300, recordingS: 300, bytes: 1e9 }, { ...MP4_DEFAULTS, quality: { maxBytes: 8e6 } }).overLimit).toBe(true)
    // 25 MB for 5 minutes at 720p: a real squeeze, but possible.
    const squeezed = planMp4({ ...vp8, durationS: 300, recordingS: 300, bytes: 1e9 }, { ...MP4_DEFAULTS, quality: { maxBytes: 25e6 } })
    expect(squeezed.overLimit).toBe(false)
    expect(squeezed.estimateBytes).toBeGreaterThan(0.9 * 25e6)
    // 8 MB for an hour cannot be met: said so, and the floor bitrate is used.
    const hour = planMp4({ ...vp8, durationS: 3600, recordingS: 3600, bytes: 1e9 }, { ...MP4_DEFAULTS, quality: { maxBytes: 8e6 } })
    expect(hour.overLimit).toBe(true)
    expect(hour.videoBps).toBe(MIN_VIDEO_BPS)
  })

  it('estimates WebM as the trimmed share and GIF as a range', () => {
    expect(estimateWebmBytes(10_000_000, 20, 5)).toBe(2_500_000)
    expect(estimateWebmBytes(10_000_000, 0, 5)).toBe(10_000_000)
    const g = estimateGifBytes(640, 360, 10, 10, false)
    expect(g.low).toBeLessThan(g.high)
    expect(g.high).toBe(Math.round(640 * 360 * 100 * 0.9))
    expect(estimateGifBytes(640, 360, 10, 10, true).low).toBeGreaterThan(g.low)
  })

  it('every combination of settings gives a positive estimate', () => {
    for (const resolution of RESOLUTIONS.map((r) => r.value))
      for (const fps of FPS_CHOICES)
        for (const quality of [...QUALITIES.map((q) => q.value), ...SIZE_LIMITS_MB.map((mb) => ({ maxBytes: mb * 1e6 }))])
          for (const src of [vp8, h264]) {
            const p = planMp4(src, { resolution, fps, quality })
            expect(p.estimateBytes, JSON.stringify({ resolution, fps, quality })).toBeGreaterThan(0)
            expect(Number.isFinite(p.estimateBytes)).toBe(true)
          }
  })
})

describe('ffmpeg arguments for export settings', () => {
  it('encodes at the planned size, rate and bitrate, with a constant frame rate when one is asked', () => {
    const a = mp4Args({ input: 'i', output: 'o', videoCodec: 'h264', hasAudio: true, encode: { width: 854, height: 480, frameRate: 24, videoBps: 1_000_000 } }).join(' ')
    expect(a).toContain('-c:v libx264')
    expect(a).toContain('-b:v 1000000')
    expect(a).toContain('-vf fps=24,scale=854:480')
    expect(a).toContain('-fps_mode cfr')
    expect(a).not.toContain('-crf')
    const b = mp4Args({ input: 'i', output: 'o', videoCodec: 'vp8', hasAudio: false, encode: { width: 1280, height: 720, frameRate: null, videoBps: 2e6 } }).join(' ')
    expect(b).toContain('-vf scale=1280:720')
    expect(b).toContain('-fps_mode passthrough')
  })
})

describe('drawPip', () => {
  /** A 2D context that records the calls made on it (what is drawn where, not pixels: those are e2e). */
  function recordingContext() {
    const calls: string[] = []
    const ctx = new Proxy({} as Record<string, unknown>, {
      get: (_t, k) => (k === 'calls' ? calls : (...args: unknown[]) => void calls.push(`${String(k)}(${args.filter((a) => typeof a !== 'object').join(',')})`)),
      set: (_t, k, v) => (calls.push(`${String(k)}=${v}`), true),
    })
    return { ctx: ctx as unknown as CanvasRenderingContext2D, calls }
  }
  const img = {} as CanvasImageSource

  it('draws the screen, the camera centre square clipped to the bubble, and the ring', () => {
    const { ctx, calls } = recordingContext()
    drawPip(ctx, 1280, 720, { image: img, width: 1280, height: 720 }, { image: img, width: 640, height: 480 }, { corner: 'bottom-right', size: 0.25, shape: 'round' })
    const { x, y, d } = bubbleRect(1280, 720, { corner: 'bottom-right', size: 0.25, shape: 'round' })
    expect(calls[0]).toBe('drawImage(0,0,1280,720)')
    expect(calls).toContain(`drawImage(80,0,480,480,${x},${y},${d},${d})`)
    expect(calls.indexOf('clip()')).toBeLessThan(calls.indexOf(`drawImage(80,0,480,480,${x},${y},${d},${d})`))
    expect(calls.at(-1)).toBe('stroke()')
    expect(calls.filter((c) => c.startsWith('arc('))).toHaveLength(2)
  })

  it('draws only the screen without a camera, and square bubbles as rectangles', () => {
    const a = recordingContext()
    drawPip(a.ctx, 1280, 720, { image: img, width: 1280, height: 720 }, null, { corner: 'top-left', size: 0.25, shape: 'round' })
    expect(a.calls).toEqual(['drawImage(0,0,1280,720)'])
    const b = recordingContext()
    drawPip(b.ctx, 1280, 720, { image: img, width: 1280, height: 720 }, { image: img, width: 640, height: 480 }, { corner: 'top-left', size: 0.25, shape: 'square' })
    expect(b.calls.filter((c) => c.startsWith('rect('))).toHaveLength(2)
    expect(b.calls.some((c) => c.startsWith('arc('))).toBe(false)
  })
})
