/** Shared by the filter tests in Chromium and WebKit: drawing the fixture in a page, and comparing RGBA pixels. */

export interface Drawn {
  width: number
  height: number
  /** RGBA bytes from getImageData, base64 (a plain array is slow through the driver). */
  rgba: string
  /** What `ctx.filter` read back after being set: the filter when the context applies filters. */
  filterApplied: string | null
}

/**
 * Runs in the page (self-contained): draws a base64 PNG into a 320x240 canvas with a 40/30 px transparent margin,
 * with `ctx.filter` set to `filter`, and returns the pixels.
 */
export async function drawFixture(o: { png: string; filter: string }): Promise<Drawn> {
  const img = new Image()
  img.src = `data:image/png;base64,${o.png}`
  await img.decode()
  const canvas = document.createElement('canvas')
  canvas.width = 320
  canvas.height = 240
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!
  ;(ctx as { filter?: string }).filter = o.filter
  const filterApplied = (ctx as { filter?: string }).filter ?? null
  ctx.drawImage(img, 40, 30, 240, 180)
  const bytes = ctx.getImageData(0, 0, 320, 240).data
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return { width: 320, height: 240, rgba: btoa(s), filterApplied }
}

export function rgbaOf(d: Drawn): Uint8ClampedArray {
  return new Uint8ClampedArray(Buffer.from(d.rgba, 'base64'))
}

/**
 * Mean, 99th percentile and max of the absolute difference per channel, on colour premultiplied by alpha (a fully
 * transparent pixel's colour does not matter) and on alpha itself.
 */
export function compareRgba(a: Uint8ClampedArray, b: Uint8ClampedArray): { mean: number; p99: number; max: number } {
  if (a.length !== b.length) throw new Error(`sizes differ: ${a.length} vs ${b.length}`)
  const hist = new Uint32Array(256)
  let sum = 0
  for (let i = 0; i < a.length; i += 4) {
    const aa = a[i + 3]! / 255
    const ba = b[i + 3]! / 255
    for (let c = 0; c < 3; c++) {
      const d = Math.round(Math.abs(a[i + c]! * aa - b[i + c]! * ba))
      hist[d]!++
      sum += d
    }
    const d = Math.abs(a[i + 3]! - b[i + 3]!)
    hist[d]!++
    sum += d
  }
  const n = a.length
  let seen = 0
  let p99 = 0
  for (let d = 0; d < 256; d++) {
    seen += hist[d]!
    if (seen >= n * 0.99) {
      p99 = d
      break
    }
  }
  let max = 0
  for (let d = 255; d >= 0; d--)
    if (hist[d]) {
      max = d
      break
    }
  return { mean: sum / n, p99, max }
}
