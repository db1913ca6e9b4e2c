/** What an export needs to know about a recording, read with mediabunny (headers and a few packets, not the file). */
import { ALL_FORMATS, BlobSource, Input } from 'mediabunny'

export interface MediaInfo {
  durationS: number
  width: number
  height: number
  videoCodec: string | null
  audioCodec: string | null
  hasAudio: boolean
  /** Average video frame rate over the first packets (30 when it cannot be read). */
  fps: number
  /** Bytes of the file. */
  bytes: number
}

export function openInput(blob: Blob): Input {
  return new Input({ source: new BlobSource(blob), formats: ALL_FORMATS })
}

export async function mediaInfo(blob: Blob): Promise<MediaInfo> {
  const input = openInput(blob)
  try {
    const video = await input.getPrimaryVideoTrack()
    const audio = await input.getPrimaryAudioTrack()
    const rate = video ? (await video.computePacketStats(90).catch(() => null))?.averagePacketRate : undefined
    return {
      durationS: await input.computeDuration(),
      width: video ? await video.getDisplayWidth() : 0,
      height: video ? await video.getDisplayHeight() : 0,
      videoCodec: video ? await video.getCodec() : null,
      audioCodec: audio ? await audio.getCodec() : null,
      hasAudio: !!audio,
      fps: rate && Number.isFinite(rate) && rate > 0 ? Math.round(rate * 100) / 100 : 30,
      bytes: blob.size,
    }
  } finally {
    input.dispose()
  }
}
