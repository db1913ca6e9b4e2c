/**
 * One entry point for every export, run from the page; the work itself happens off the main thread:
 * - webm (export worker, mediabunny): packet copy with Duration + Cues, or WebCodecs transcode of H.264 to VP9;
 * - mp4: `-c copy` remux of H.264 with ffmpeg.wasm (its own worker); a transcode (VP8/VP9, or new size, rate or
 *   bitrate) with the browser's H.264 encoder (WebCodecs, in the export worker), falling back to ffmpeg.wasm's
 *   libx264 where the browser has no H.264 encoder;
 * - gif: WebCodecs decode and scale in the export worker, gif.js quantize and LZW in its own workers, started from
 *   the page (gifExport.ts).
 * Every export reports progress, can be cancelled with an AbortSignal, never touches the recording it reads, and
 * says which path and which engine ran.
 */
import { mp4Args } from '@/lib/recording/ffmpegArgs'
import { type GifOptions } from '@/lib/recording/gifOptions'
import { MIN_TRIM_S, normalizeTrim, trimmedDuration, type TrimRange } from '@/lib/recording/trim'
import type { MediaInfo } from '@/lib/recording/mediaInfo'
import { MP4_DEFAULTS, planMp4, type Mp4Plan, type Mp4Settings } from '@/lib/recording/exportSettings'
import { runExportJob } from './exportClient'
import { NoNativeEncoderError } from './webcodecsMp4Error'
import { ExportError, abortError } from './exportErrors'
import { t } from '@/i18n'

export type ExportFormat = 'webm' | 'mp4' | 'gif'
export type ExportPath = 'remux' | 'transcode' | 'encode'
/** What did the work: the browser's encoders (WebCodecs), ffmpeg.wasm, mediabunny's packet copy, gif.js. */
export type ExportEngine = 'webcodecs' | 'ffmpeg.wasm' | 'mediabunny' | 'gif.js'
/** For an MP4 transcode: 'auto' takes WebCodecs where the browser can encode H.264 (measured faster), else ffmpeg. */
export type Mp4Engine = 'auto' | 'webcodecs' | 'ffmpeg.wasm'

export interface ExportRequest {
  input: Blob
  format: ExportFormat
  /** Start/end in seconds of the recording; out-of-range values are clamped. */
  trim?: Partial<TrimRange> | null
  gif?: Partial<GifOptions>
  /** Resolution, quality or size limit, frame rate of an MP4 export. */
  mp4?: Partial<Mp4Settings>
  /** @default 'auto' */
  mp4Engine?: Mp4Engine
  /**
   * Audio in mp4: 'aac' re-encodes Opus to AAC (plays everywhere), 'copy' keeps Opus.
   * @default 'aac'
   */
  mp4Audio?: 'aac' | 'copy'
  /**
   * Write the result to this file (File System Access or the origin private file system) as it is made, instead of
   * holding it in memory; the result's blob is then that file, read from disk on demand. For long recordings.
   * An MP4 made this way keeps the recording's Opus audio where the browser has no AAC encoder (the AAC step is
   * ffmpeg.wasm's, which holds its whole output in memory).
   */
  out?: FileSystemFileHandle
  signal?: AbortSignal
  /** 0..1, monotonic. */
  onProgress?: (p: number) => void
}

export interface ExportResult {
  blob: Blob
  format: ExportFormat
  mime: string
  ext: string
  path: ExportPath
  engine: ExportEngine
  /** In words, for the UI: "H.264 by the browser (WebCodecs)". */
  engineLabel: string
  size: number
  /** What the settings said the size would be (MP4 and WebM). */
  estimateBytes: number | null
  /** Seconds of media in the result. */
  mediaSeconds: number
  width: number
  height: number
  elapsedMs: number
}

/** The engine's name for the person, in the current language (ffmpeg.wasm and gif.js are names in every language). */
export function engineLabel(engine: ExportEngine): string {
  if (engine === 'webcodecs') return t('feedback.engines.webcodecs')
  if (engine === 'mediabunny') return t('feedback.engines.mediabunny')
  return engine
}

export function isAbortError(err: unknown): boolean {
  return (err instanceof DOMException || err instanceof Error) && err.name === 'AbortError'
}

/** Which path an export takes for a recording with this video codec (mediabunny's codec names), default settings. */
export function exportPath(format: ExportFormat, videoCodec: string | null): ExportPath {
  if (format === 'gif') return 'encode'
  if (format === 'mp4') return videoCodec === 'avc' ? 'remux' : 'transcode'
  return videoCodec === 'vp8' || videoCodec === 'vp9' || videoCodec === 'av1' ? 'remux' : 'transcode'
}

/** Reads what an export needs to know about a recording (in the export worker). */
export function readMediaInfo(input: Blob, signal?: AbortSignal): Promise<MediaInfo> {
  return runExportJob({ kind: 'info', input }, { signal })
}

export async function exportRecording(req: ExportRequest): Promise<ExportResult> {
  const t0 = performance.now()
  if (req.signal?.aborted) throw abortError()
  let last = 0
  const progress = (p: number) => {
    // Monotonic: a phase change must never move the bar back.
    if (p > last) {
      last = p
      req.onProgress?.(p)
    }
  }
  const info = await readMediaInfo(req.input, req.signal)
  if (!info.width) throw new ExportError('noVideoTrack')
  const trim = normalizeTrim(req.trim, info.durationS)
  const mediaSeconds = trimmedDuration(trim, info.durationS)
  // A recording of a blink (a quick start/stop, a recovered stub) reads as 0:00: exporting it would "succeed" with a
  // file that holds nothing to watch. Refused with the reason, as a trim shorter than the shortest export is.
  // (In whole milliseconds: a trim of 0.3 – 0.2 s is 0.0999… s in floating point, and is the shortest export, not shorter.)
  if (!(Math.round(mediaSeconds * 1000) >= Math.round(MIN_TRIM_S * 1000))) {
    throw new ExportError('tooShort', { length: (Math.floor(Math.max(0, mediaSeconds) * 100) / 100).toString(), min: String(MIN_TRIM_S) })
  }
  let out: { blob: Blob; width: number; height: number; path: ExportPath; engine: ExportEngine; estimateBytes: number | null }
  if (req.format === 'gif') {
    const { gifWorkerURL } = await import('virtual:media-assets')
    // Absolute, as gif.js hands it to `new Worker` unchanged.
    const workerURL = new URL(gifWorkerURL, self.location.href).href
    const { exportGif } = await import('./gifExport')
    const r = await exportGif({
      input: req.input,
      trim,
      options: req.gif,
      gifWorkerURL: workerURL,
      signal: req.signal,
      onProgress: progress,
    })
    out = { ...r, path: 'encode', engine: 'gif.js', estimateBytes: null }
  } else if (req.format === 'mp4') {
    const plan = planMp4({ ...info, durationS: mediaSeconds, recordingS: info.durationS }, { ...MP4_DEFAULTS, ...req.mp4 })
    const r = await exportMp4(req, info, trim, mediaSeconds, plan, progress)
    out = { ...r, width: plan.width, height: plan.height, path: plan.remux ? 'remux' : 'transcode', estimateBytes: plan.estimateBytes }
  } else {
    const path = exportPath('webm', info.videoCodec)
    const { blob } = await runExportJob(
      { kind: 'webm', input: req.input, copyVideo: path === 'remux', trim, out: req.out },
      { signal: req.signal, onProgress: progress },
    )
    out = {
      blob: blob ?? (await fileBlob(req.out!, 'video/webm')),
      width: info.width,
      height: info.height,
      path,
      engine: path === 'remux' ? 'mediabunny' : 'webcodecs',
      estimateBytes: null,
    }
  }
  progress(1)
  const ext = req.format
  return {
    blob: out.blob,
    format: req.format,
    mime: out.blob.type || (req.format === 'gif' ? 'image/gif' : `video/${req.format}`),
    ext,
    path: out.path,
    engine: out.engine,
    engineLabel: engineLabel(out.engine),
    size: out.blob.size,
    estimateBytes: out.estimateBytes,
    mediaSeconds,
    width: out.width,
    height: out.height,
    elapsedMs: performance.now() - t0,
  }
}

async function exportMp4(
  req: ExportRequest,
  info: MediaInfo,
  trim: TrimRange | null,
  mediaSeconds: number,
  plan: Mp4Plan,
  progress: (p: number) => void,
): Promise<{ blob: Blob; engine: ExportEngine }> {
  const audio = req.mp4Audio ?? 'aac'
  const engine = req.mp4Engine ?? 'auto'
  if (!plan.remux && engine !== 'ffmpeg.wasm') {
    try {
      // The browser encodes the video; where it has no AAC encoder, ffmpeg.wasm re-encodes the audio after
      // (the last few percent of the work).
      const r = await runExportJob(
        {
          kind: 'mp4',
          input: req.input,
          hasAudio: info.hasAudio,
          trim,
          encode: {
            width: plan.width,
            height: plan.height,
            frameRate: plan.frameRate,
            videoBps: plan.videoBps,
            audioBps: plan.audioBps,
            audio,
          },
          out: req.out,
        },
        { signal: req.signal, onProgress: (p) => progress(p * 0.95) },
      )
      if (r.container === 'mp4') return { blob: r.blob ?? (await fileBlob(req.out!, 'video/mp4')), engine: 'webcodecs' }
      const blob = await ffmpegMp4(
        r.blob!,
        'video.mkv',
        mp4Args({ input: '/in/video.mkv', output: '/out/output.mp4', videoCodec: 'h264', hasAudio: info.hasAudio, audio }),
        mediaSeconds,
        req.signal,
        (p) => progress(0.95 + p * 0.05),
      )
      return { blob, engine: 'webcodecs' }
    } catch (err) {
      if (!(err instanceof Error && err.name === NoNativeEncoderError.NAME) || engine === 'webcodecs') throw err
      // No H.264 encoder in this browser: ffmpeg.wasm below.
    }
  }
  const args = mp4Args({
    input: '/in/input.mkv',
    output: '/out/output.mp4',
    videoCodec: info.videoCodec === 'avc' ? 'h264' : info.videoCodec === 'vp8' ? 'vp8' : info.videoCodec === 'vp9' ? 'vp9' : 'av1',
    hasAudio: info.hasAudio,
    audio,
    trim,
    encode: plan.remux ? undefined : { width: plan.width, height: plan.height, frameRate: plan.frameRate, videoBps: plan.videoBps },
  })
  const blob = await ffmpegMp4(req.input, 'input.mkv', args, mediaSeconds, req.signal, progress)
  if (!req.out) return { blob, engine: 'ffmpeg.wasm' }
  // ffmpeg.wasm made it in memory; it still goes to the file asked for, so the page can let it go.
  const w = await req.out.createWritable()
  await w.write(blob)
  await w.close()
  return { blob: await fileBlob(req.out, 'video/mp4'), engine: 'ffmpeg.wasm' }
}

async function fileBlob(handle: FileSystemFileHandle, type: string): Promise<Blob> {
  return new File([await handle.getFile()], handle.name, { type })
}

async function ffmpegMp4(
  input: Blob,
  inputName: string,
  args: string[],
  mediaSeconds: number,
  signal: AbortSignal | undefined,
  onProgress: (p: number) => void,
): Promise<Blob> {
  const { runFfmpeg } = await import('./ffmpegClient')
  const { blob } = await runFfmpeg({
    input,
    inputName,
    args,
    outputName: 'output.mp4',
    outputType: 'video/mp4',
    mediaSeconds,
    signal,
    onProgress,
  })
  return blob
}
