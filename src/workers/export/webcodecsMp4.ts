/**
 * MP4 transcode with the browser's own H.264 encoder (WebCodecs VideoEncoder, through mediabunny's Conversion):
 * decode VP8/VP9/AV1, scale, encode H.264 at the planned bitrate, mux MP4. Native code end to end, so it runs near
 * the speed of native ffmpeg, where ffmpeg.wasm's libx264 (wasm, no SIMD for most of it) is several times slower.
 *
 * Audio: AAC where the browser can encode it (Chrome on Windows/macOS, Safari). Where it cannot (Chromium on Linux,
 * Firefox), the Opus is copied into a Matroska file and the caller makes the MP4 with ffmpeg.wasm, `-c:v copy
 * -c:a aac`: a remux plus a small audio encode, a fraction of the video work.
 * Runs in the export worker.
 */
import { canEncodeAudio, canEncodeVideo, Conversion, MkvOutputFormat, Mp4OutputFormat, Output, BufferTarget, type Target } from 'mediabunny'
import { openInput } from '@/lib/recording/mediaInfo'
import type { TrimRange } from '@/lib/recording/trim'
import { runConversion } from './webmExport'
import { NoNativeEncoderError } from './webcodecsMp4Error'
import { avcConfigProblem } from '@/lib/recording/avcConfig'

export interface Mp4Encode {
  width: number
  height: number
  /** null: keep the recording's timing. */
  frameRate: number | null
  videoBps: number
  audioBps: number
  /** 'aac' (plays everywhere) or 'copy' (keeps Opus). */
  audio: 'aac' | 'copy'
}

export interface WebCodecsMp4Job {
  input: Blob
  hasAudio: boolean
  trim: TrimRange | null
  encode: Mp4Encode
  target?: Target
  signal?: AbortSignal
  onProgress?: (p: number) => void
}

export interface WebCodecsMp4Result {
  /** null when written to `job.target`. */
  blob: Blob | null
  /** 'mp4': finished. 'matroska': H.264 + Opus that still needs its audio made AAC (see the module comment). */
  container: 'mp4' | 'matroska'
  audio: 'aac' | 'opus' | null
}

export { NoNativeEncoderError }

/** Whether this browser can encode H.264 at this size and bitrate with WebCodecs, into an MP4 that decodes. */
export async function canEncodeH264(width: number, height: number, bitrate: number): Promise<boolean> {
  if (typeof VideoEncoder === 'undefined') return false
  if (!(await canEncodeVideo('avc', { width, height, bitrate }).catch(() => false))) return false
  return (avcConfigChecked ??= checkAvcConfig())
}

let avcConfigChecked: Promise<boolean> | undefined

/**
 * Encodes one small frame and checks the avcC the encoder hands out (see avcConfigProblem): Firefox 153's is
 * malformed, and an MP4 made with it does not decode cleanly, so there ffmpeg.wasm makes the MP4 instead.
 */
async function checkAvcConfig(): Promise<boolean> {
  let description: Uint8Array | undefined
  let failed: unknown
  const encoder = new VideoEncoder({
    output: (_chunk, meta) => {
      const d = meta?.decoderConfig?.description
      // Copied: the encoder may reuse its buffer.
      if (d && !description)
        description = ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice() : new Uint8Array(d).slice()
    },
    error: (e) => (failed = e),
  })
  try {
    encoder.configure({ codec: 'avc1.64001f', width: 320, height: 240, bitrate: 500_000 })
    // A canvas that was never drawn on cannot make a VideoFrame (Chromium: "Invalid source state").
    const canvas = new OffscreenCanvas(320, 240)
    canvas.getContext('2d')!.fillRect(0, 0, 320, 240)
    const frame = new VideoFrame(canvas, { timestamp: 0 })
    encoder.encode(frame, { keyFrame: true })
    frame.close()
    await encoder.flush()
  } catch (err) {
    failed = err
  } finally {
    if (encoder.state !== 'closed') encoder.close()
  }
  // No description means Annex B packets, from which the MP4 muxer builds its own (well-formed) avcC.
  const malformed = description ? avcConfigProblem(description) : null
  const problem = failed ? `its test encode failed: ${String(failed)}` : malformed ? `its avcC is malformed: ${malformed}` : null
  if (problem) console.warn(`[export] MP4 is made with ffmpeg.wasm, not the browser's H.264 encoder: ${problem}`)
  return !problem
}

export async function transcodeMp4WebCodecs(job: WebCodecsMp4Job): Promise<WebCodecsMp4Result> {
  const e = job.encode
  if (!(await canEncodeH264(e.width, e.height, e.videoBps))) throw new NoNativeEncoderError('noH264', { width: e.width, height: e.height })
  const aac =
    job.hasAudio &&
    e.audio === 'aac' &&
    (await canEncodeAudio('aac', { numberOfChannels: 2, sampleRate: 48000, bitrate: e.audioBps }).catch(() => false))
  // Without a native AAC encoder, Matroska holds the Opus until ffmpeg.wasm re-encodes it (MP4 could, but a
  // Matroska file streams out without an index to rewrite). Streaming to a file, the Opus stays (see ExportRequest.out).
  const container: WebCodecsMp4Result['container'] = job.hasAudio && e.audio === 'aac' && !aac && !job.target ? 'matroska' : 'mp4'
  const input = openInput(job.input)
  const buffer = job.target ? null : new BufferTarget()
  const output = new Output({
    format: container === 'mp4' ? new Mp4OutputFormat({ fastStart: job.target ? false : 'in-memory' }) : new MkvOutputFormat(),
    target: job.target ?? buffer!,
  })
  try {
    const conversion = await Conversion.init({
      input,
      output,
      video: {
        codec: 'avc',
        forceTranscode: true,
        width: e.width,
        height: e.height,
        fit: 'fill',
        frameRate: e.frameRate ?? undefined,
        bitrate: e.videoBps,
      },
      audio: aac ? { codec: 'aac', bitrate: e.audioBps, forceTranscode: true } : { codec: 'opus' },
      trim: job.trim ? { start: job.trim.startS, end: job.trim.endS ?? undefined } : undefined,
      showWarnings: false,
    })
    await runConversion(conversion, job.signal, job.onProgress)
  } finally {
    input.dispose()
  }
  const blob = buffer ? new Blob([buffer.buffer!], { type: container === 'mp4' ? 'video/mp4' : 'video/x-matroska' }) : null
  return { blob, container, audio: !job.hasAudio ? null : aac ? 'aac' : 'opus' }
}
