/**
 * One entry point for every export: webm (mediabunny: packet copy with Duration + Cues, or WebCodecs transcode of
 * H.264 to VP9), mp4 (ffmpeg.wasm: `-c copy` remux of H.264, libx264 transcode of VP8/VP9) and gif (gif.js).
 * Every export reports progress, can be cancelled with an AbortSignal and never touches the recording it reads.
 */
import { ALL_FORMATS, BlobSource, BufferTarget, Conversion, ConversionCanceledError, Input, Output, WebMOutputFormat } from 'mediabunny'
import { mp4Args } from '@/lib/recording/ffmpegArgs'
import { type GifOptions } from '@/lib/recording/gifOptions'
import { normalizeTrim, trimmedDuration, type TrimRange } from '@/lib/recording/trim'
import { mediaInfo, type MediaInfo } from '@/lib/recording/finalize'
import { exportGif } from './gifExport'

export type ExportFormat = 'webm' | 'mp4' | 'gif'
export type ExportPath = 'remux' | 'transcode' | 'encode'

export interface ExportRequest {
  input: Blob
  format: ExportFormat
  /** Start/end in seconds of the recording; out-of-range values are clamped. */
  trim?: Partial<TrimRange> | null
  gif?: Partial<GifOptions>
  /**
   * Audio in mp4: 'aac' re-encodes Opus to AAC (plays everywhere), 'copy' keeps Opus.
   * @default 'aac'
   */
  mp4Audio?: 'aac' | 'copy'
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
  size: number
  /** Seconds of media in the result. */
  mediaSeconds: number
  width: number
  height: number
  elapsedMs: number
}

export function isAbortError(err: unknown): boolean {
  return (err instanceof DOMException && err.name === 'AbortError') || err instanceof ConversionCanceledError
}

function abortError(): DOMException {
  return new DOMException('The export was cancelled.', 'AbortError')
}

/** Which path an export takes for a recording with this video codec (mediabunny's codec names). */
export function exportPath(format: ExportFormat, videoCodec: string | null): ExportPath {
  if (format === 'gif') return 'encode'
  if (format === 'mp4') return videoCodec === 'avc' ? 'remux' : 'transcode'
  return videoCodec === 'vp8' || videoCodec === 'vp9' || videoCodec === 'av1' ? 'remux' : 'transcode'
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
  const info = await mediaInfo(req.input)
  if (!info.width) throw new Error('This recording has no video track to export.')
  const trim = normalizeTrim(req.trim, info.durationS)
  const mediaSeconds = trimmedDuration(trim, info.durationS)
  const path = exportPath(req.format, info.videoCodec)
  let out: { blob: Blob; width: number; height: number }
  if (req.format === 'gif') {
    const r = await exportGif({ input: req.input, options: req.gif, trim, signal: req.signal, onProgress: progress })
    out = r
  } else if (req.format === 'mp4') {
    out = { blob: await exportMp4(req, info, trim, mediaSeconds, progress), width: info.width, height: info.height }
  } else {
    out = { blob: await exportWebm(req, info, trim, progress), width: info.width, height: info.height }
  }
  const ext = req.format
  return {
    blob: out.blob,
    format: req.format,
    mime: out.blob.type || (req.format === 'gif' ? 'image/gif' : `video/${req.format}`),
    ext,
    path,
    size: out.blob.size,
    mediaSeconds,
    width: out.width,
    height: out.height,
    elapsedMs: performance.now() - t0,
  }
}

async function exportMp4(req: ExportRequest, info: MediaInfo, trim: TrimRange | null, mediaSeconds: number, progress: (p: number) => void): Promise<Blob> {
  const { runFfmpeg } = await import('./ffmpegClient')
  const inputName = 'input.mkv'
  const args = mp4Args({
    input: `/in/${inputName}`,
    output: '/out/output.mp4',
    videoCodec: info.videoCodec === 'avc' ? 'h264' : info.videoCodec === 'vp8' ? 'vp8' : info.videoCodec === 'vp9' ? 'vp9' : 'av1',
    hasAudio: info.hasAudio,
    audio: req.mp4Audio ?? 'aac',
    trim,
  })
  const { blob } = await runFfmpeg({
    input: req.input,
    inputName,
    args,
    outputName: 'output.mp4',
    outputType: 'video/mp4',
    mediaSeconds,
    signal: req.signal,
    onProgress: progress,
  })
  return blob
}

async function exportWebm(req: ExportRequest, info: MediaInfo, trim: TrimRange | null, progress: (p: number) => void): Promise<Blob> {
  const input = new Input({ source: new BlobSource(req.input), formats: ALL_FORMATS })
  const target = new BufferTarget()
  const output = new Output({ format: new WebMOutputFormat(), target })
  try {
    const copyVideo = exportPath('webm', info.videoCodec) === 'remux'
    const conversion = await Conversion.init({
      input,
      output,
      // H.264 cannot go into WebM: re-encode to VP9 with the browser's own encoder (WebCodecs), native speed.
      video: copyVideo ? {} : { codec: 'vp9', forceTranscode: true },
      // WebM allows Opus/Vorbis only; the recorder's Opus is copied.
      audio: { codec: 'opus' },
      trim: trim ? { start: trim.startS, end: trim.endS ?? undefined } : undefined,
      showWarnings: false,
    })
    if (!conversion.isValid) {
      throw new Error(`This recording cannot be turned into WebM here (${conversion.discardedTracks.map((t) => `${t.track.type}: ${t.reason}`).join(', ')}).`)
    }
    conversion.onProgress = (p) => progress(Math.min(0.99, p))
    const onAbort = () => void conversion.cancel()
    req.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await conversion.execute()
    } catch (err) {
      if (req.signal?.aborted || err instanceof ConversionCanceledError) throw abortError()
      throw err
    } finally {
      req.signal?.removeEventListener('abort', onAbort)
    }
  } finally {
    input.dispose()
  }
  progress(1)
  return new Blob([target.buffer!], { type: 'video/webm' })
}
