/**
 * Recording formats: which MediaRecorder mime types we ask for, in which order, and what each means for export.
 * Pure: the browser probing lives in probeRecorderFormat (this file, with the browser passed in).
 */

export type Container = 'matroska' | 'webm' | 'mp4'
export type VideoCodec = 'h264' | 'vp8' | 'vp9' | 'av1'
export type AudioCodec = 'opus' | 'aac' | 'vorbis' | 'pcm'

export interface RecordingFormat {
  /** The mime type MediaRecorder reports, e.g. `video/x-matroska;codecs=avc1,opus`. */
  mimeType: string
  container: Container
  videoCodec: VideoCodec | null
  audioCodec: AudioCodec | null
  /** File extension for the raw recording. */
  ext: 'mkv' | 'webm' | 'mp4'
  /**
   * How an mp4 export is made from this recording: `remux` copies the H.264 stream (`-c copy`, seconds for a long
   * recording), `transcode` re-encodes VP8/VP9/AV1 to H.264 (minutes in wasm).
   */
  mp4Path: 'remux' | 'transcode'
  /** How a webm export is made: `remux` when the video is already VP8/VP9/AV1, `transcode` for H.264. */
  webmPath: 'remux' | 'transcode'
}

/**
 * What we ask MediaRecorder for, best first. H.264 first, in any container, so that mp4 export is a copy, not a
 * transcode. H.264 goes into Matroska where the browser offers it (`video/webm;codecs=h264` yields the same,
 * labelled Matroska by Chromium): MediaRecorder's Matroska/WebM muxer hands out every timeslice's blocks as they are
 * written, so the chunk store never lags more than a timeslice. Then MP4 with H.264 + AAC, which is what Safari
 * records natively (Chromium has no AAC encoder and refuses that type). Then VP9/VP8 WebM (Firefox records VP8 + Opus;
 * its `vp9,opus` is refused).
 *
 * A bare `video/mp4` comes only last: Chromium's MP4 muxer (fragmented MP4) holds every sample until a fragment
 * closes (measured: nothing but the 1.2 kB header in the first 3 s at `start(500)`), so a crash can lose more than
 * the last second there.
 */
export const RECORDING_CANDIDATES: readonly string[] = [
  'video/x-matroska;codecs=avc1,opus',
  'video/webm;codecs=h264,opus',
  'video/mp4;codecs=avc1,mp4a.40.2',
  'video/webm;codecs=vp9,opus',
  'video/webm;codecs=vp8,opus',
  'video/webm',
  'video/mp4',
]

/** The same list for a stream with no audio track (a codecs string naming opus would be refused). */
export function candidatesFor(hasAudio: boolean): string[] {
  if (hasAudio) return [...RECORDING_CANDIDATES]
  return RECORDING_CANDIDATES.map((m) => m.replace(/,(opus|mp4a\.40\.2)$/, ''))
}

const VIDEO_CODECS: [RegExp, VideoCodec][] = [
  [/\b(avc1|avc3|h264)\b/i, 'h264'],
  [/\bvp0?9\b/i, 'vp9'],
  [/\bvp0?8\b/i, 'vp8'],
  [/\bav0?1\b/i, 'av1'],
]

const AUDIO_CODECS: [RegExp, AudioCodec][] = [
  [/\bopus\b/i, 'opus'],
  [/\b(mp4a|aac)\b/i, 'aac'],
  [/\bvorbis\b/i, 'vorbis'],
  [/\bpcm\b/i, 'pcm'],
]

/** Reads a (recorder-reported) mime type. A bare `video/webm` is VP8 + Opus in every browser that records webm. */
export function describeFormat(mimeType: string): RecordingFormat {
  const [base = '', ...params] = mimeType.split(';').map((s) => s.trim())
  const codecsParam = params.find((p) => p.toLowerCase().startsWith('codecs='))
  const codecs = codecsParam ? codecsParam.slice('codecs='.length).replace(/"/g, '') : ''
  const container: Container = /matroska/i.test(base) ? 'matroska' : /mp4/i.test(base) ? 'mp4' : 'webm'
  let videoCodec = VIDEO_CODECS.find(([re]) => re.test(codecs))?.[1] ?? null
  let audioCodec = AUDIO_CODECS.find(([re]) => re.test(codecs))?.[1] ?? null
  if (!codecs && container === 'webm') {
    videoCodec = 'vp8'
    audioCodec = 'opus'
  }
  const ext = container === 'matroska' ? 'mkv' : container
  return {
    mimeType,
    container,
    videoCodec,
    audioCodec,
    ext,
    mp4Path: videoCodec === 'h264' ? 'remux' : 'transcode',
    webmPath: videoCodec === 'vp8' || videoCodec === 'vp9' || videoCodec === 'av1' ? 'remux' : 'transcode',
  }
}

/** The plain container type for a Blob made from a recording (no codecs, so every API accepts it). */
export function blobType(format: RecordingFormat): string {
  return format.container === 'matroska' ? 'video/x-matroska' : `video/${format.container}`
}

/** What a probe needs from the browser; pass fakes in unit tests. */
export interface ProbeEnvironment {
  MediaRecorder: {
    new (stream: MediaStream, options?: MediaRecorderOptions): MediaRecorder
    isTypeSupported(type: string): boolean
  }
  /** A tiny live stream to try `start()` on (a small canvas). */
  createTestStream(audio: boolean): { stream: MediaStream; stop(): void }
  /**
   * Milliseconds after `start()` in which an `error` event still refuses a candidate.
   * @default 100
   */
  graceMs?: number
}

export interface ProbeResult {
  format: RecordingFormat | null
  /** Every candidate tried and why it was refused, for the troubleshooting section. */
  tried: { mimeType: string; outcome: 'ok' | 'unsupported' | 'start-failed'; detail?: string }[]
}

/**
 * Finds the first candidate the browser really starts recording: `isTypeSupported` says yes, and on a test stream
 * `start()` neither throws nor fires `error` within a short grace. It does not wait for data: Firefox's first chunk takes about half a second to come and a
 * fragmented MP4 recorder's much longer, so a wait for data cannot settle quickly; the recorder itself notices a
 * recording that writes nothing (useRecorder). Settles in about `graceMs` per candidate tried.
 */
export async function probeRecorderFormat(env: ProbeEnvironment, audio: boolean, candidates = candidatesFor(audio)): Promise<ProbeResult> {
  const tried: ProbeResult['tried'] = []
  for (const mimeType of candidates) {
    if (!env.MediaRecorder.isTypeSupported(mimeType)) {
      tried.push({ mimeType, outcome: 'unsupported' })
      continue
    }
    const test = env.createTestStream(audio)
    try {
      const outcome = await tryStart(env, test.stream, mimeType)
      tried.push({ mimeType, ...outcome })
      if (outcome.outcome === 'ok') return { format: describeFormat(mimeType), tried }
    } finally {
      test.stop()
    }
  }
  return { format: null, tried }
}

function tryStart(
  env: ProbeEnvironment,
  stream: MediaStream,
  mimeType: string,
): Promise<{ outcome: 'ok' | 'start-failed'; detail?: string }> {
  return new Promise((resolve) => {
    let rec: MediaRecorder | undefined
    let done = false
    const finish = (r: { outcome: 'ok' | 'start-failed'; detail?: string }) => {
      if (done) return
      done = true
      clearTimeout(timer)
      try {
        if (rec && rec.state !== 'inactive') rec.stop()
      } catch {
        // already stopped by the browser
      }
      resolve(r)
    }
    const timer = setTimeout(() => finish({ outcome: 'ok' }), env.graceMs ?? 100)
    try {
      rec = new env.MediaRecorder(stream, { mimeType })
      rec.onerror = (e) => finish({ outcome: 'start-failed', detail: String((e as ErrorEvent).error ?? e.type) })
      rec.start(100)
    } catch (err) {
      finish({ outcome: 'start-failed', detail: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
    }
  })
}
