import { describe, expect, it } from 'vitest'
import { candidatesFor, describeFormat, probeRecorderFormat, RECORDING_CANDIDATES, type ProbeEnvironment } from '@/lib/recording/formats'
import { ffmpegErrorSummary, mp4Args, parseFfmpegTime, progressFromTime, remuxArgs, trimArgs } from '@/lib/recording/ffmpegArgs'
import { gifDelays, gifFrameTimes, gifSize, normalizeGifOptions, trimGifPadding } from '@/lib/recording/gifOptions'
import { limitReached, RecordingClock, willExceedSize } from '@/lib/recording/limits'
import { normalizeTrim, trimmedDuration } from '@/lib/recording/trim'
import { bubbleRect, centreSquare } from '@/workers/compositor/pipProtocol'
import { describeStorageError } from '@/lib/recording/chunkStore'

describe('describeFormat', () => {
  it('reads containers and codecs, and the export path each implies', () => {
    expect(describeFormat('video/x-matroska;codecs=avc1,opus')).toMatchObject({ container: 'matroska', videoCodec: 'h264', audioCodec: 'opus', ext: 'mkv', mp4Path: 'remux', webmPath: 'transcode' })
    expect(describeFormat('video/webm;codecs=vp9,opus')).toMatchObject({ container: 'webm', videoCodec: 'vp9', mp4Path: 'transcode', webmPath: 'remux' })
    expect(describeFormat('video/webm; codecs="vp8, opus"')).toMatchObject({ videoCodec: 'vp8', audioCodec: 'opus' })
    expect(describeFormat('video/mp4;codecs=avc1.42E01E,mp4a.40.2')).toMatchObject({ container: 'mp4', videoCodec: 'h264', audioCodec: 'aac' })
    expect(describeFormat('video/webm')).toMatchObject({ videoCodec: 'vp8', audioCodec: 'opus' })
  })

  it('asks for H.264 first, and for fragmented mp4 only after every Matroska/WebM type', () => {
    expect(RECORDING_CANDIDATES[0]).toMatch(/avc1|h264/)
    const firstMp4 = RECORDING_CANDIDATES.findIndex((m) => m.startsWith('video/mp4'))
    expect(RECORDING_CANDIDATES.slice(firstMp4).every((m) => m.startsWith('video/mp4'))).toBe(true)
    expect(candidatesFor(false).some((m) => /opus|mp4a/.test(m))).toBe(false)
  })
})

/** A fake MediaRecorder whose behaviour per mime type the test decides. */
function fakeEnv(behaviour: Record<string, 'ok' | 'throws' | 'error-event' | 'silent'>, supported: string[]): ProbeEnvironment & { stopped: number } {
  const env = {
    stopped: 0,
    timeoutMs: 50,
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
  it('skips types that are claimed but fail at start, error out, or record nothing', async () => {
    const [a, b, c, d] = RECORDING_CANDIDATES
    const env = fakeEnv({ [a!]: 'throws', [b!]: 'error-event', [c!]: 'silent', [d!]: 'ok' }, [a!, b!, c!, d!])
    const r = await probeRecorderFormat(env, true)
    expect(r.format?.mimeType).toBe(d)
    expect(r.tried.map((t) => t.outcome)).toEqual(['start-failed', 'start-failed', 'no-data', 'ok'])
    expect(env.stopped).toBe(4)
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
    expect(describeStorageError(new DOMException('full', 'QuotaExceededError'))).toMatch(/ran out of storage.*kept/)
    expect(describeStorageError(new Error('boom'))).toContain('boom')
  })
})
