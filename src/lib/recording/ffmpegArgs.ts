/**
 * ffmpeg command lines for mp4 export, and reading ffmpeg's log for honest progress. Pure, unit-tested.
 * ffmpeg.wasm prepends `-nostdin -y` itself.
 */
import type { VideoCodec } from './formats.ts'
import type { TrimRange } from './trim.ts'

export type Mp4Audio = 'aac' | 'copy' | 'none'

export interface Mp4Options {
  input: string
  output: string
  /** The recording's video codec: H.264 is copied, anything else re-encoded with libx264. */
  videoCodec: VideoCodec | null
  /** Whether the input has an audio track. */
  hasAudio: boolean
  /**
   * Audio in the mp4: `aac` (plays everywhere, re-encoded: cheap next to video), `copy` (keeps Opus: mp4 allows it and
   * current browsers play it, QuickTime does not).
   * @default 'aac'
   */
  audio?: Mp4Audio
  trim?: TrimRange | null
  /**
   * libx264 preset for a transcode. `veryfast` is ~2.5x slower than `ultrafast` in wasm for ~40% smaller files.
   * @default 'ultrafast'
   */
  preset?: 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium'
  /** @default 23 (when no `encode.videoBps` is given) */
  crf?: number
  /**
   * Export settings for a transcode (always re-encodes, H.264 input too): output size, frame rate (null keeps the
   * recording's timing) and a video bitrate (the size estimate is made from it).
   */
  encode?: { width: number; height: number; frameRate: number | null; videoBps: number }
}

/** `-ss`/`-to` as input options: fast seeking. With `-c:v copy` the cut snaps to the key frame at or before start. */
export function trimArgs(trim: TrimRange | null | undefined): string[] {
  if (!trim) return []
  const args: string[] = []
  if (trim.startS > 0) args.push('-ss', seconds(trim.startS))
  if (trim.endS !== null && Number.isFinite(trim.endS)) args.push('-to', seconds(trim.endS))
  return args
}

export function mp4Path(videoCodec: VideoCodec | null): 'remux' | 'transcode' {
  return videoCodec === 'h264' ? 'remux' : 'transcode'
}

export function mp4Args(o: Mp4Options): string[] {
  const audio = o.hasAudio ? (o.audio ?? 'aac') : 'none'
  const args = [...trimArgs(o.trim), '-i', o.input, '-map', '0:v:0']
  if (audio !== 'none') args.push('-map', '0:a:0?')
  if (!o.encode && mp4Path(o.videoCodec) === 'remux') {
    args.push('-c:v', 'copy')
  } else {
    // yuv420p + even sizes: what every H.264 decoder accepts; -threads 0 lets the mt core use its pool.
    const e = o.encode
    const rate = e
      ? ['-b:v', String(e.videoBps), '-maxrate', String(Math.round(e.videoBps * 1.5)), '-bufsize', String(e.videoBps * 2)]
      : ['-crf', String(o.crf ?? 23)]
    const scale = e ? `scale=${e.width}:${e.height}` : 'scale=trunc(iw/2)*2:trunc(ih/2)*2'
    args.push(
      '-c:v',
      'libx264',
      '-preset',
      o.preset ?? 'ultrafast',
      ...rate,
      '-pix_fmt',
      'yuv420p',
      '-vf',
      e?.frameRate ? `fps=${e.frameRate},${scale}` : scale,
    )
  }
  if (audio === 'aac') args.push('-c:a', 'aac', '-b:a', '128k')
  else if (audio === 'copy') args.push('-c:a', 'copy')
  else args.push('-an')
  // Recorder timestamps can start above zero and are variable frame rate: keep them as they are (passthrough),
  // unless a frame rate was asked for (the fps filter made the timing constant).
  args.push(
    '-fps_mode',
    o.encode?.frameRate ? 'cfr' : 'passthrough',
    '-avoid_negative_ts',
    'make_zero',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    o.output,
  )
  return args
}

/** Remux any Matroska/WebM to a seekable one (Duration + Cues), losing nothing. Used as the ffmpeg fallback for repair. */
export function remuxArgs(input: string, output: string, format: 'webm' | 'matroska' | 'mp4'): string[] {
  const tail = format === 'mp4' ? ['-movflags', '+faststart'] : []
  return ['-fflags', '+genpts', '-i', input, '-map', '0', '-c', 'copy', ...tail, '-f', format, output]
}

function seconds(s: number): string {
  return (Math.round(s * 1000) / 1000).toFixed(3)
}

/** `time=00:01:02.50` in an ffmpeg stats line → seconds, or null for other lines. */
export function parseFfmpegTime(line: string): number | null {
  const m = /time=\s*(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(line)
  if (!m) return null
  const v = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4])
  return m[1] ? -v : v
}

/**
 * Progress 0..1 from the media time ffmpeg reports against the length we know (the trimmed duration). ffmpeg.wasm's
 * own progress event divides by the input's Duration, which MediaRecorder files lack, so we read the log instead.
 * Never reaches 1 before ffmpeg returns.
 */
export function progressFromTime(timeS: number | null, totalS: number): number | null {
  if (timeS === null || !(totalS > 0)) return null
  return Math.min(0.99, Math.max(0, timeS / totalS))
}

/** The last error-looking lines of an ffmpeg log, for an error message a person can pass on. */
export function ffmpegErrorSummary(log: readonly string[], max = 3): string {
  const bad = log.filter((l) => /error|invalid|could not|failed|not supported|no such/i.test(l))
  return (bad.length ? bad : log).slice(-max).join(' | ').trim()
}
