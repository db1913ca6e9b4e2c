/** Messages between the page (exportClient.ts) and the export worker (export.worker.ts). */
import type { MediaInfo } from '@/lib/recording/mediaInfo'
import type { GifOptions } from '@/lib/recording/gifOptions'
import type { TrimRange } from '@/lib/recording/trim'
import type { ExportErrorKey, ExportErrorParams } from './exportErrors'
import type { Mp4Encode, WebCodecsMp4Result } from './webcodecsMp4'
import type { GifFrame } from './gifFrames'

export type ExportJob =
  | { kind: 'info'; input: Blob }
  | { kind: 'webm'; input: Blob; copyVideo: boolean; trim: TrimRange | null; out?: FileSystemFileHandle }
  /** Decodes the GIF's frames and hands them to the page ('frame' messages), which encodes them (gifExport.ts). */
  | { kind: 'gif'; input: Blob; trim: TrimRange | null; gif?: Partial<GifOptions> }
  | { kind: 'mp4'; input: Blob; hasAudio: boolean; trim: TrimRange | null; encode: Mp4Encode; out?: FileSystemFileHandle }

export interface JobResults {
  info: MediaInfo
  /** blob: null when written to `out`. */
  webm: { blob: Blob | null }
  gif: { frames: number; width: number; height: number }
  mp4: WebCodecsMp4Result
}

/** `ping`: answered at once with `pong`, so the page knows the worker's event loop still runs (liveness.ts). */
export type ToWorker = { type: 'run'; id: number; job: ExportJob } | { type: 'cancel'; id: number } | { type: 'ping' }

export type FromWorker =
  | { type: 'pong' }
  | { type: 'progress'; id: number; p: number }
  /** A decoded GIF frame (its pixels transferred). */
  | { type: 'frame'; id: number; frame: GifFrame }
  | { type: 'done'; id: number; result: JobResults[ExportJob['kind']] }
  /** `key` and `params` when the error is an ExportError: the page shows it translated. */
  | { type: 'error'; id: number; name: string; message: string; key?: ExportErrorKey; params?: ExportErrorParams }
