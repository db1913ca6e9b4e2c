import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { Page } from 'playwright-core'

const run = promisify(execFile)

/** Decodes the first frame of an image or video file to raw RGB at width x height with ffmpeg. */
export async function decodeRgb(file: string, width?: number, height?: number): Promise<Uint8Array> {
  const scale = width && height ? ['-vf', `scale=${width}:${height}:flags=area`] : []
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-frames:v', '1', ...scale, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    {
      encoding: 'buffer',
      maxBuffer: 256 * 1024 * 1024,
    },
  )
  return new Uint8Array(stdout)
}

/** Reads the current frame of a <video> in the page, scaled to width x height, as RGB. */
export async function videoRgb(page: Page, selector: string, width: number, height: number): Promise<Uint8Array> {
  const data = await page.evaluate(
    ({ selector, width, height }) => {
      const video = document.querySelector(selector) as HTMLVideoElement
      const canvas = document.createElement('canvas')
      canvas.width = width
      canvas.height = height
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!
      ctx.drawImage(video, 0, 0, width, height)
      const rgba = ctx.getImageData(0, 0, width, height).data
      const rgb: number[] = []
      for (let i = 0; i < rgba.length; i += 4) rgb.push(rgba[i]!, rgba[i + 1]!, rgba[i + 2]!)
      return rgb
    },
    { selector, width, height },
  )
  return new Uint8Array(data)
}

/** Mean absolute difference per channel, 0 (same) to 255. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`size mismatch: ${a.length} vs ${b.length}`)
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!)
  return sum / a.length
}

/** The same RGB picture mirrored left to right. */
export function mirrorRgb(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(rgb.length)
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) out[(y * width + (width - 1 - x)) * 3 + c] = rgb[(y * width + x) * 3 + c]!
  return out
}
