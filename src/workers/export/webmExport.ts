/**
 * WebM export with mediabunny: packet copy of VP8/VP9/AV1 with Duration + Cues, or a WebCodecs transcode of H.264
 * to VP9 (WebM does not allow H.264). Runs in the export worker.
 */
import { BufferTarget, Conversion, ConversionCanceledError, Output, WebMOutputFormat, type Target } from 'mediabunny'
import { openInput } from '@/lib/recording/mediaInfo'
import type { TrimRange } from '@/lib/recording/trim'
import { ExportError, abortError } from './exportErrors'

export interface WebmJob {
  input: Blob
  copyVideo: boolean
  trim: TrimRange | null
  /** Where the file goes (a stream to disk for long recordings); a buffer in memory when not given. */
  target?: Target
  signal?: AbortSignal
  onProgress?: (p: number) => void
}

/** Runs a mediabunny Conversion with cancel and progress wired; rethrows a cancel as an AbortError. */
export async function runConversion(
  conversion: Conversion,
  signal: AbortSignal | undefined,
  onProgress?: (p: number) => void,
): Promise<void> {
  if (!conversion.isValid) {
    throw new ExportError('cannotConvert', { tracks: conversion.discardedTracks.map((t) => `${t.track.type}: ${t.reason}`).join(', ') })
  }
  conversion.onProgress = (p) => onProgress?.(Math.min(0.99, p))
  const onAbort = () => void conversion.cancel()
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    if (signal?.aborted) throw abortError()
    await conversion.execute()
  } catch (err) {
    if (signal?.aborted || err instanceof ConversionCanceledError) throw abortError()
    throw err
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}

export async function exportWebm(job: WebmJob): Promise<Blob | null> {
  const input = openInput(job.input)
  const buffer = job.target ? null : new BufferTarget()
  const output = new Output({ format: new WebMOutputFormat(), target: job.target ?? buffer! })
  try {
    const conversion = await Conversion.init({
      input,
      output,
      // H.264 cannot go into WebM: re-encode to VP9 with the browser's own encoder (WebCodecs), native speed.
      video: job.copyVideo ? {} : { codec: 'vp9', forceTranscode: true },
      // WebM allows Opus/Vorbis only; the recorder's Opus is copied.
      audio: { codec: 'opus' },
      trim: job.trim ? { start: job.trim.startS, end: job.trim.endS ?? undefined } : undefined,
      showWarnings: false,
    })
    await runConversion(conversion, job.signal, job.onProgress)
  } finally {
    input.dispose()
  }
  job.onProgress?.(1)
  return buffer ? new Blob([buffer.buffer!], { type: 'video/webm' }) : null
}
