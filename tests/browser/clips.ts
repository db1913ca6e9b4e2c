/**
 * Fake-camera clips (.y4m) made at run time for the virtual background's tests and benchmark, with
 * their ground truth. Node only (ffmpeg scales the fixtures; the frames are written here).
 */
import { execFile } from 'node:child_process'
import { createWriteStream, existsSync, renameSync } from 'node:fs'
import { join } from 'node:path'
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
