/**
 * Turning stored chunks into a file people can keep: MediaRecorder's Matroska/WebM has no Duration and no Cues (its
 * segment and clusters have "unknown" sizes), so players cannot show a length or seek. We remux it, packets copied
 * bit for bit, with mediabunny, which writes Duration, Cues and SeekHead.
 *
 * Why mediabunny: it is maintained (successor of webm-muxer/mp4-muxer by the same author), typed, tree-shakeable
 * (tens of kB, against ffmpeg.wasm's 31 MB core that we would otherwise load for a copy), reads MediaRecorder output
 * including a stream cut off mid-cluster (what a closed tab leaves), and also gives the WebCodecs transcode, frame
 * extraction and thumbnails the exports need. `ts-ebml`/`webm-duration-fix` only patch Duration (no Cues) and are
 * unmaintained. ffmpeg.wasm `-c copy` stays as the fallback if mediabunny cannot read a damaged file.
 */
import {
  BufferTarget,
  CanvasSink,
  EncodedAudioPacketSource,
  EncodedPacketSink,
  EncodedVideoPacketSource,
  MkvOutputFormat,
  Mp4OutputFormat,
  Output,
  WebMOutputFormat,
} from 'mediabunny'
import { t } from '@/i18n'
import { blobType, describeFormat, type RecordingFormat } from './formats.ts'
import { mediaInfo, openInput } from './mediaInfo.ts'
import { getSession, readChunks, updateSession } from './chunkStore.ts'
import { fileTarget, privateFile, prunePrivateFiles } from './fileTarget.ts'

/** What the gallery stores for a finished recording. */
export interface FinishedRecording {
  /** The recording's id in the chunk store (pass it to discardRecording once saved). */
  id: string
  blob: Blob
  /** Plain container type of `blob`: 'video/webm' or 'video/x-matroska'. */
  mime: string
  /** The recorder's full mime type, codecs included (what export decisions are made on). */
  recorderMime: string
  durationMs: number
  width: number
  height: number
  /** JPEG of the first frame, 320 px wide; null if no frame could be decoded. */
  thumb: Blob | null
  size: number
  /** Stored chunks that went into the file. */
  chunks: number
}

export { mediaInfo, type MediaInfo } from './mediaInfo.ts'

/**
 * A seekable copy of a MediaRecorder stream (Duration, Cues), same codecs, packets copied untouched but for one
 * repair: MediaRecorder's Matroska stores millisecond timestamps and, when two frames are captured within the same
 * millisecond (capture jitter under load), writes both with the same one. Decoders and ffmpeg's muxers reject
 * non-increasing timestamps, so each such packet is moved 1 ms later. The container stays the recorder's: WebM
 * (VP8/VP9/AV1), Matroska (H.264: WebM does not allow it), or MP4 with its index in front (Safari's recordings).
 */
export async function makeSeekable(
  raw: Blob,
  format: RecordingFormat,
  signal?: AbortSignal,
  onProgress?: (p: number) => void,
  out?: FileSystemFileHandle | null,
): Promise<Blob> {
  const input = openInput(raw)
  // To a file on disk when we have one (any length in bounded memory), else in memory.
  const disk = out ? await fileTarget(out) : null
  const target = disk?.target ?? new BufferTarget()
  const container =
    format.container === 'webm'
      ? new WebMOutputFormat()
      : format.container === 'mp4'
        ? new Mp4OutputFormat({ fastStart: disk ? false : 'in-memory' })
        : new MkvOutputFormat()
  const output = new Output({ format: container, target })
  try {
    const video = await input.getPrimaryVideoTrack()
    const audio = await input.getPrimaryAudioTrack()
    if (!video?.codec) throw new Error(t('feedback.recorder.noReadableVideo'))
    const duration = Math.max(0.001, await input.computeDuration())
    const vsrc = new EncodedVideoPacketSource(video.codec)
    output.addVideoTrack(vsrc)
    const asrc = audio?.codec ? new EncodedAudioPacketSource(audio.codec) : null
    if (asrc) output.addAudioTrack(asrc)
    await output.start()
    const vConfig = (await video.getDecoderConfig()) ?? undefined
    const aConfig = audio ? ((await audio.getDecoderConfig()) ?? undefined) : undefined

    const vIt = new EncodedPacketSink(video).packets()
    const aIt = audio && asrc ? new EncodedPacketSink(audio).packets() : null
    let v = await vIt.next()
    let a = aIt ? await aIt.next() : null
    let lastV = -Infinity
    let lastA = -Infinity
    let firstV = true
    let firstA = true
    // Interleaved by time, so the muxer never buffers one track while waiting for the other.
    while (!v.done || (a && !a.done)) {
      if (signal?.aborted) throw new DOMException('Cancelled.', 'AbortError')
      const takeVideo = !v.done && (!a || a.done || v.value.timestamp <= a.value.timestamp)
      if (takeVideo && !v.done) {
        const p = v.value
        const ts = p.timestamp > lastV ? p.timestamp : lastV + 0.001
        lastV = ts
        await vsrc.add(ts === p.timestamp ? p : p.clone({ timestamp: ts }), firstV ? { decoderConfig: vConfig } : undefined)
        firstV = false
        onProgress?.(Math.min(0.99, ts / duration))
        v = await vIt.next()
      } else if (a && !a.done && asrc) {
        const p = a.value
        const ts = p.timestamp > lastA ? p.timestamp : lastA + 0.001
        lastA = ts
        await asrc.add(ts === p.timestamp ? p : p.clone({ timestamp: ts }), firstA ? { decoderConfig: aConfig } : undefined)
        firstA = false
        a = await aIt!.next()
      }
    }
    await output.finalize()
    await disk?.close()
  } catch (err) {
    if (output.state !== 'finalized') await output.cancel().catch(() => undefined)
    await disk?.abort()
    throw err
  } finally {
    input.dispose()
  }
  // A File from disk is read on demand: the finished recording never has to fit in memory.
  if (out) return new File([await out.getFile()], out.name, { type: blobType(format) })
  return new Blob([(target as BufferTarget).buffer!], { type: blobType(format) })
}

async function remuxWithFfmpeg(raw: Blob, format: RecordingFormat, signal?: AbortSignal): Promise<Blob> {
  const [{ runFfmpeg }, { remuxArgs }] = await Promise.all([import('@/workers/export/ffmpegClient'), import('./ffmpegArgs.ts')])
  const out = `repaired.${format.ext}`
  const { blob } = await runFfmpeg({
    input: raw,
    inputName: `raw.${format.ext}`,
    args: remuxArgs(`/in/raw.${format.ext}`, `/out/${out}`, format.container),
    outputName: out,
    outputType: blobType(format),
    mediaSeconds: 0,
    signal,
  })
  return blob
}

/** First decodable frame as a JPEG, `width` px wide. */
export async function makeThumbnail(blob: Blob, width = 320): Promise<Blob | null> {
  const input = openInput(blob)
  try {
    const video = await input.getPrimaryVideoTrack()
    if (!video || !(await video.canDecode())) return null
    const w = await video.getDisplayWidth()
    const h = await video.getDisplayHeight()
    const height = Math.max(2, Math.round((width * h) / w / 2) * 2)
    const sink = new CanvasSink(video, { width, height, fit: 'fill' })
    const start = await video.getFirstTimestamp()
    const frame = await sink.getCanvas(start)
    if (!frame) return null
    const canvas = frame.canvas
    if ('convertToBlob' in canvas) return await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 })
    return await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.8))
  } catch {
    return null
  } finally {
    input.dispose()
  }
}

/** Where finished recordings are written (origin private file system), for at least an hour. */
export const FINISHED_DIR = 'finished-recordings'

/**
 * Builds the finished file from a session's stored chunks: seekable, with size, duration and thumbnail. Works the
 * same for a recording that was stopped and for one whose tab died (then it is a recovery). The chunks stay in
 * the store until `discardRecording(id)`. The file streams from the chunk store to a file in the origin private
 * file system (where there is one), so a recording of any length finishes in bounded memory.
 */
export async function finalizeRecording(id: string, signal?: AbortSignal): Promise<FinishedRecording> {
  const session = await getSession(id)
  if (!session) throw new Error(t('feedback.recorder.notInStorage'))
  const { blob: raw, chunks } = await readChunks(id)
  if (raw.size === 0 || chunks === 0) throw new Error(t('feedback.recorder.noDataStored'))
  const format = describeFormat(session.mimeType)
  let blob: Blob
  const fileName = `${id}.${format.ext}`
  await prunePrivateFiles(FINISHED_DIR, undefined, new Set([fileName]))
  try {
    const out = await privateFile(FINISHED_DIR, fileName)
    blob = await makeSeekable(raw, format, signal, undefined, out).catch((err: unknown) => {
      // A disk that refuses the file (full, or no stream writes here): make it in memory as before.
      if (!out || signal?.aborted) throw err
      console.warn('Writing the finished recording to disk failed; making it in memory instead.', err)
      return makeSeekable(raw, format, signal)
    })
  } catch (err) {
    if (signal?.aborted) throw err
    // A file mediabunny cannot read (damaged in a way we have not met): ffmpeg's demuxer is more forgiving.
    blob = await remuxWithFfmpeg(raw, format, signal).catch(() => {
      throw err
    })
  }
  const info = await mediaInfo(blob)
  const thumb = await makeThumbnail(blob)
  if (session.state !== 'stopped') await updateSession(id, { state: 'stopped' })
  return {
    id,
    blob,
    mime: blobType(format),
    recorderMime: session.mimeType,
    durationMs: Math.round(info.durationS * 1000),
    width: info.width || session.width || 0,
    height: info.height || session.height || 0,
    thumb,
    size: blob.size,
    chunks,
  }
}

export { holdLiveLock, listUnfinished, LOCK_PREFIX, type UnfinishedRecording } from './sessions.ts'

/** Recovers an interrupted recording into a valid, seekable file (everything up to the last stored chunk). */
export function recover(id: string, signal?: AbortSignal): Promise<FinishedRecording> {
  return finalizeRecording(id, signal)
}
