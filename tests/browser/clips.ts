/**
 * Fake-camera clips (.y4m) made at run time for the virtual background's tests and benchmark, with
 * their ground truth. Node only (ffmpeg scales the fixtures; the frames are written here).
 */
import { execFile } from 'node:child_process'
import { createWriteStream, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import { FIXTURES, scratchDir } from '../support/media.ts'

const run = promisify(execFile)

async function rawGray(image: string, width: number, height: number): Promise<Uint8Array> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', join(FIXTURES, image), '-vf', `scale=${width}:${height}:flags=neighbor`, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
    { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
  )
  return new Uint8Array(stdout)
}

/** Deterministic pseudo-random numbers (mulberry32), so a clip is the same on every run. */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface ChromaClip {
  path: string
  width: number
  height: number
  /** 1 where the horse (foreground) is, 0 on the green screen; width*height values. */
  truth: Uint8Array
}

/** Where the horse goes in a frame: as large as fits in 90% of the height, centred. */
async function horseTruth(width: number, height: number): Promise<Uint8Array> {
  const scale = Math.min((width * 0.8) / 400, (height * 0.9) / 328)
  const hw = Math.round(400 * scale)
  const hh = Math.round(328 * scale)
  const gray = await rawGray('silhouette-horse.png', hw, hh)
  const truth = new Uint8Array(width * height)
  const x0 = (width - hw) >> 1
  const y0 = (height - hh) >> 1
  for (let y = 0; y < hh; y++) for (let x = 0; x < hw; x++) if (gray[y * hw + x]! < 128) truth[(y0 + y) * width + x0 + x] = 1
  return truth
}

/**
 * A texture (warm stripes and a cool checker, no green) seen through the horse silhouette, on an uneven
 * green screen: a brightness gradient (60% to 100% from left to right and top to bottom) and per-pixel
 * noise that changes every frame. The ground truth is the silhouette itself.
 */
export async function chromaClip(width: number, height: number, fps = 30, frames = 10): Promise<ChromaClip> {
  const path = join(scratchDir(), `vb-chroma-${width}x${height}@${fps}.y4m`)
  const truth = await horseTruth(width, height)
  if (existsSync(path)) return { path, width, height, truth }
  const tmp = `${path}.${process.pid}.tmp`
  const out = createWriteStream(tmp)
  out.write(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`)
  const random = rng(42)
  const cw = width >> 1
  const ch = height >> 1
  for (let f = 0; f < frames; f++) {
    const r = new Float32Array(width * height)
    const g = new Float32Array(width * height)
    const b = new Float32Array(width * height)
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x
        if (truth[i]) {
          const stripe = ((x + y) >> 4) & 1
          const check = ((x >> 5) ^ (y >> 5)) & 1
          r[i] = stripe ? 0.85 : 0.35 + 0.3 * check
          g[i] = stripe ? 0.35 : 0.2
          b[i] = stripe ? 0.25 : 0.55 + 0.35 * check
        } else {
          const light = 0.6 + 0.2 * (x / width) + 0.2 * (y / height)
          const n = () => (random() - 0.5) * 0.12
          r[i] = Math.max(0, 0.12 * light + n())
          g[i] = Math.min(1, 0.75 * light + n())
          b[i] = Math.max(0, 0.2 * light + n())
        }
      }
    }
    // Full-range BT.601 (the y4m's "C420jpeg"), chroma averaged over 2x2 blocks.
    const Y = Buffer.alloc(width * height)
    const U = Buffer.alloc(cw * ch)
    const V = Buffer.alloc(cw * ch)
    for (let i = 0; i < width * height; i++) Y[i] = Math.round(255 * (0.299 * r[i]! + 0.587 * g[i]! + 0.114 * b[i]!))
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        let u = 0
        let v = 0
        for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
          const i = (2 * y + dy) * width + 2 * x + dx
          u += -0.168736 * r[i]! - 0.331264 * g[i]! + 0.5 * b[i]!
          v += 0.5 * r[i]! - 0.418688 * g[i]! - 0.081312 * b[i]!
        }
        U[y * cw + x] = Math.max(0, Math.min(255, Math.round(128 + (255 * u) / 4)))
        V[y * cw + x] = Math.max(0, Math.min(255, Math.round(128 + (255 * v) / 4)))
      }
    }
    out.write('FRAME\n')
    out.write(Y)
    out.write(U)
    out.write(V)
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
  renameSync(tmp, path)
  return { path, width, height, truth }
}

/** A natural-motion fake-camera clip: every pixel changes every frame, as with a real camera or a scrolling screen. */
export interface MotionClip {
  /** Absolute path of the .y4m (Chromium's fake camera plays it in a loop). */
  path: string
  /** What it shows, for bench lines and test names: 'camera-motion' or 'screen-scroll'. */
  kind: 'camera-motion' | 'screen-scroll'
  width: number
  height: number
  fps: number
  seconds: number
}

async function cached(name: string, make: (tmp: string) => Promise<void>): Promise<string> {
  const path = join(scratchDir(), name)
  if (existsSync(path)) return path
  const tmp = `${path}.${process.pid}.tmp.y4m`
  try {
    await make(tmp)
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
  return path
}

/**
 * Camera-like: a slow zoom (1.15x to 1.45x and back) and pan over the astronaut photo, with fresh grain on every
 * frame (so no pixel stays the same, as from a real sensor). The motion is periodic over `seconds`, so the loop the
 * fake camera plays has no jump.
 */
export async function cameraMotionClip(width = 1280, height = 720, fps = 30, seconds = 6): Promise<MotionClip> {
  const n = fps * seconds
  const path = await cached(`motion-camera-${width}x${height}@${fps}-${seconds}s.y4m`, async (tmp) => {
    const big = `${width * 2}:${height * 2}`
    const phase = `2*PI*on/${n}`
    await run('ffmpeg', [
      '-v', 'error', '-y',
      '-loop', '1', '-framerate', String(fps), '-i', join(FIXTURES, 'portrait-astronaut.jpg'),
      '-vf',
      [
        `scale=${big}:force_original_aspect_ratio=increase:flags=bicubic,crop=${big}`,
        `zoompan=z='1.3-0.15*cos(${phase})':x='(iw-iw/zoom)*(0.5+0.4*sin(${phase}))':y='(ih-ih/zoom)*(0.5+0.3*sin(2*${phase}))':d=1:s=${width}x${height}:fps=${fps}`,
        'noise=alls=14:allf=t',
        'format=yuv420p',
      ].join(','),
      '-frames:v', String(n),
      tmp,
    ], { maxBuffer: 16 * 1024 * 1024 })
  })
  return { path, kind: 'camera-motion', width, height, fps, seconds }
}

const WORDS =
  'media studio records the screen and the camera and exports webm mp4 and gif files that play everywhere with trim and size settings people ask for in chat apps and mail while the page stays smooth'.split(' ')

const FIGURE_COLORS = ['0x3b7dd8', '0xd8863b', '0x4caf72', '0xb5487f', '0x7a5cc7']

/** Paragraphs of pseudo-text (deterministic), wrapped at `cols` characters. */
function pageText(paragraphs: number, cols: number): string[] {
  const random = rng(7)
  const out: string[] = []
  for (let p = 0; p < paragraphs; p++) {
    const lines: string[] = []
    let line = ''
    const words = 40 + Math.floor(random() * 50)
    for (let w = 0; w < words; w++) {
      const word = WORDS[Math.floor(random() * WORDS.length)]!
      if (line.length + word.length + 1 > cols) {
        lines.push(line)
        line = word
      } else line = line ? `${line} ${word}` : word
    }
    lines.push(`${line}.`)
    out.push(lines.join('\n'))
  }
  return out
}

/**
 * Screen-like: a long page (text in two sizes, photos, coloured blocks) scrolled at a reading pace (about a third
 * of the screen height per second), so every row changes every frame. The loop jumps back to the top, like Home.
 */
export async function screenScrollClip(width = 1280, height = 720, fps = 30, seconds = 6): Promise<MotionClip> {
  const n = fps * seconds
  const speed = Math.round(height / 3) // px per second
  const pageH = height + speed * seconds
  const path = await cached(`motion-screen-${width}x${height}@${fps}-${seconds}s.y4m`, async (tmp) => {
    const dir = scratchDir()
    const paras = pageText(Math.ceil(pageH / 260), Math.floor((width * 0.55) / 11))
    const font = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'
    const bold = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'
    const filters: string[] = [`[0:v]format=rgb24[p0]`]
    let y = 40
    let last = 'p0'
    let k = 0
    paras.forEach((text, i) => {
      const file = join(dir, `scroll-para-${i}.txt`)
      writeFileSync(file, text)
      const head = join(dir, `scroll-head-${i}.txt`)
      writeFileSync(head, `${i + 1}. ${text.split(' ').slice(0, 4).join(' ')}`)
      filters.push(`[${last}]drawtext=fontfile=${bold}:textfile=${head}:x=60:y=${y}:fontsize=30:fontcolor=0x202840[t${k}]`)
      last = `t${k++}`
      filters.push(`[${last}]drawtext=fontfile=${font}:textfile=${file}:x=60:y=${y + 50}:fontsize=19:line_spacing=7:fontcolor=0x303030[t${k}]`)
      last = `t${k++}`
      // Every other paragraph has a picture beside it; the others a coloured figure.
      const px = Math.round(width * 0.62)
      if (i % 2 === 0) {
        filters.push(`[${last}][pic${i / 2}]overlay=x=${px}:y=${y}[t${k}]`)
      } else {
        const color = FIGURE_COLORS[i % FIGURE_COLORS.length]
        filters.push(`[${last}]drawbox=x=${px}:y=${y}:w=${Math.round(width * 0.3)}:h=200:color=${color}@1:t=fill[t${k}]`)
      }
      last = `t${k++}`
      y += 260
    })
    const page = join(dir, `scroll-page-${width}x${pageH}.png`)
    const pic = Math.round(width * 0.3)
    // The photo and the horse, alternately, as many copies as there are pictures on the page.
    const pics = Math.ceil(paras.length / 2)
    const na = Math.ceil(pics / 2)
    const nh = pics - na
    const labels = Array.from({ length: pics }, (_, j) => (j % 2 === 0 ? `[a${j >> 1}]` : `[h${j >> 1}]`))
    const sources =
      `[1:v]scale=${pic}:200:force_original_aspect_ratio=increase,crop=${pic}:200,split=${na}${Array.from({ length: na }, (_, j) => `[a${j}]`).join('')};` +
      (nh > 0 ? `[2:v]scale=${pic}:200,format=rgba,split=${nh}${Array.from({ length: nh }, (_, j) => `[h${j}]`).join('')};` : '')
    const graph = sources + filters.join(';').replace(/\[pic(\d+)\]/g, (_, j: string) => labels[Number(j)]!)
    await run('ffmpeg', [
      '-v', 'error', '-y',
      '-f', 'lavfi', '-i', `color=c=0xf6f4ef:s=${width}x${pageH}:d=1`,
      '-i', join(FIXTURES, 'portrait-astronaut.jpg'),
      '-i', join(FIXTURES, 'silhouette-horse.png'),
      '-filter_complex', graph,
      '-map', `[${last}]`,
      '-frames:v', '1', page,
    ], { maxBuffer: 16 * 1024 * 1024 })
    await run('ffmpeg', [
      '-v', 'error', '-y',
      '-loop', '1', '-framerate', String(fps), '-i', page,
      '-vf', `crop=${width}:${height}:0:'floor(n*${speed}/${fps})',format=yuv420p`,
      '-frames:v', String(n),
      tmp,
    ], { maxBuffer: 16 * 1024 * 1024 })
  })
  return { path, kind: 'screen-scroll', width, height, fps, seconds }
}

/**
 * A natural-motion clip encoded natively, as a recording the app could have made: VP8 + Opus in WebM, or H.264 +
 * Opus in Matroska (what Chromium's MediaRecorder writes), 30 fps, with a tone for audio. Used where a recording
 * must hold every frame: on a loaded machine the real recorder drops most frames of a 720p clip where every pixel
 * changes, which would make the export's input (and its timings) depend on the load. `loops` repeats the clip.
 */
export async function encodedClip(clip: MotionClip, codec: 'vp8' | 'h264', seconds = 10, bitrate = '2500k'): Promise<{ path: string; mimeType: string }> {
  const ext = codec === 'vp8' ? 'webm' : 'mkv'
  const name = `${clip.kind}-${clip.width}x${clip.height}-${codec}-${seconds}s-${bitrate}.${ext}`
  const path = join(scratchDir(), name)
  if (!existsSync(path)) {
    const tmp = `${path}.${process.pid}.tmp.${ext}`
    const video =
      codec === 'vp8'
        ? ['-c:v', 'libvpx', '-b:v', bitrate, '-deadline', 'realtime', '-cpu-used', '8', '-g', '100']
        : ['-c:v', 'libx264', '-preset', 'veryfast', '-b:v', bitrate, '-profile:v', 'baseline', '-g', '100']
    try {
      await run('ffmpeg', [
        '-v', 'error', '-y',
        '-stream_loop', '-1', '-i', clip.path,
        '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
        '-t', String(seconds), '-map', '0:v', '-map', '1:a',
        ...video, '-pix_fmt', 'yuv420p',
        '-c:a', 'libopus', '-b:a', '128k', '-ac', '2',
        '-f', codec === 'vp8' ? 'webm' : 'matroska', tmp,
      ])
      renameSync(tmp, path)
    } catch (err) {
      rmSync(tmp, { force: true })
      throw err
    }
  }
  return { path, mimeType: codec === 'vp8' ? 'video/webm;codecs=vp8,opus' : 'video/x-matroska;codecs=avc1,opus' }
}

/**
 * A recording of at least `minBytes` (VP8 + Opus WebM): a 10 s high-bitrate camera-motion clip, copied end to end
 * with continuous timestamps (ffmpeg's concat demuxer, stream copy) until it is large enough.
 */
export async function largeRecording(minBytes = 1.05e9): Promise<{ path: string; mimeType: string; bytes: number }> {
  const base = await encodedClip(await cameraMotionClip(), 'vp8', 10, '40M')
  const { statSync } = await import('node:fs')
  const baseBytes = statSync(base.path).size
  const copies = Math.ceil(minBytes / baseBytes)
  const path = join(scratchDir(), `large-${copies}x-${basename(base.path)}`)
  if (!existsSync(path)) {
    const list = join(scratchDir(), `large-${copies}.txt`)
    writeFileSync(list, Array.from({ length: copies }, () => `file '${base.path}'`).join('\n'))
    const tmp = `${path}.${process.pid}.tmp.webm`
    try {
      await run('ffmpeg', ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', '-f', 'webm', tmp])
      renameSync(tmp, path)
    } catch (err) {
      rmSync(tmp, { force: true })
      throw err
    }
  }
  return { path, mimeType: base.mimeType, bytes: statSync(path).size }
}
