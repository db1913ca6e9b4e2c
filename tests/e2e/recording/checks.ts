/** What the recording tests check in a file, with Debian's ffprobe/ffmpeg and a small container walk. */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { ffprobeJson } from '../../support/media.ts'

const run = promisify(execFile)

export interface Probed {
  durationS: number
  codecs: string[]
  width: number
  height: number
}

export async function probe(file: string): Promise<Probed> {
  const j = (await ffprobeJson(file)) as { format: { duration?: string }; streams: { codec_name: string; codec_type: string; width?: number; height?: number }[] }
  const v = j.streams.find((s) => s.codec_type === 'video')
  return { durationS: Number(j.format.duration), codecs: j.streams.map((s) => s.codec_name), width: v?.width ?? 0, height: v?.height ?? 0 }
}

async function nullDecode(file: string, extra: string[]): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, ...extra, '-f', 'null', '-'], { maxBuffer: 16 << 20 })
  return stderr.trim()
}

/**
 * Everything `ffmpeg -v error -i FILE -f null -` says while decoding every frame; '' for a clean file.
 *
 * One message is not about the file: ffmpeg 5.1 gives the null muxer a time base of 1/(guessed frame rate), so
 * two frames captured closer together than one frame interval (capture jitter on a loaded 2-core machine; a
 * screen sends frames irregularly) land on the same output timestamp and the *null muxer* logs "non monotonically
 * increasing dts". When that is all it says, the decode is repeated with the input's own time base
 * (`-enc_time_base -1`), which decodes the same frames; any decoder error still shows there.
 */
export async function decodeErrors(file: string): Promise<string> {
  const plain = await nullDecode(file, [])
  if (!plain) return ''
  const lines = plain.split('\n')
  // ffmpeg folds repeats of the same message into "Last message repeated N times".
  if (!lines.every((l) => /\[null @ [^\]]+\] Application provided invalid, non monotonically increasing dts|^\s*Last message repeated \d+ times/.test(l))) return plain
  console.warn(`${file}: ${lines.length} frame(s) closer than the guessed frame interval (capture jitter); decoding again with the input time base`)
  return nullDecode(file, ['-enc_time_base', '-1'])
}

/** Frames in the first video stream (a gif's only stream), counted by decoding. */
export async function frameCount(file: string): Promise<number> {
  const j = (await ffprobeJson(file, ['-count_frames', '-select_streams', 'v:0'])) as { streams: { nb_read_frames?: string }[] }
  return Number(j.streams[0]?.nb_read_frames ?? 0)
}

/** Top-level mp4 boxes in order: faststart means 'moov' comes before 'mdat'. */
export function mp4Boxes(file: string): string[] {
  const b = readFileSync(file)
  const out: string[] = []
  let pos = 0
  while (pos + 8 <= b.length) {
    let size = b.readUInt32BE(pos)
    const type = b.toString('latin1', pos + 4, pos + 8)
    if (size === 1) size = Number(b.readBigUInt64BE(pos + 8))
    else if (size === 0) size = b.length - pos
    out.push(type)
    if (size < 8) break
    pos += size
  }
  return out
}

function readVint(b: Buffer, pos: number, keepMarker: boolean): { value: number; len: number } {
  const first = b[pos]!
  let len = 1
  while (len <= 8 && !(first & (0x80 >> (len - 1)))) len++
  let value = keepMarker ? first : first & (0xff >> len)
  for (let i = 1; i < len; i++) value = value * 256 + b[pos + i]!
  const allOnes = !keepMarker && value === 2 ** (7 * len) - 1
  return { value: allOnes ? -1 : value, len }
}

/**
 * Walks a Matroska/WebM file's Segment: the Duration in Info (seconds) and the number of CuePoints in Cues. A file
 * straight from MediaRecorder has neither (and unknown-size elements).
 */
export function webmIndex(file: string): { durationS: number | null; cuePoints: number; knownSizes: boolean } {
  const b = readFileSync(file)
  let pos = 0
  let durationS: number | null = null
  let cuePoints = 0
  let knownSizes = true
  // EBML header
  const h = readVint(b, pos, true)
  const hs = readVint(b, pos + h.len, false)
  pos += h.len + hs.len + hs.value
  const seg = readVint(b, pos, true)
  const segSize = readVint(b, pos + seg.len, false)
  if (segSize.value < 0) knownSizes = false
  pos += seg.len + segSize.len
  let timecodeScale = 1_000_000
  while (pos < b.length) {
    const id = readVint(b, pos, true)
    const size = readVint(b, pos + id.len, false)
    const start = pos + id.len + size.len
    if (size.value < 0) {
      knownSizes = false
      break
    }
    if (id.value === 0x1549a966) {
      let p = start
      let raw: number | null = null
      while (p < start + size.value) {
        const cid = readVint(b, p, true)
        const cs = readVint(b, p + cid.len, false)
        const cstart = p + cid.len + cs.len
        if (cid.value === 0x2ad7b1) timecodeScale = b.readUIntBE(cstart, cs.value)
        if (cid.value === 0x4489) raw = cs.value === 4 ? b.readFloatBE(cstart) : b.readDoubleBE(cstart)
        p = cstart + cs.value
      }
      if (raw !== null) durationS = (raw * timecodeScale) / 1e9
    } else if (id.value === 0x1c53bb6b) {
      let p = start
      while (p < start + size.value) {
        const cid = readVint(b, p, true)
        const cs = readVint(b, p + cid.len, false)
        if (cid.value === 0xbb) cuePoints++
        p += cid.len + cs.len + cs.value
      }
    }
    pos = start + size.value
  }
  return { durationS, cuePoints, knownSizes }
}
