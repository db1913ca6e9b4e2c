/**
 * Colour maths of the chroma key. The worker's shader and these functions compute the same thing
 * (the shader in GLSL, for speed; these in TS, for tests, the 2D fallback and picking a key colour).
 *
 * The key is OBS Studio's "chroma key v2": a pixel's distance from the key colour is measured in the
 * CbCr plane of BT.709 YCbCr, so brightness (a shadow on the green screen, a gradient of light) barely
 * moves it; `similarity` is the distance under which a pixel is fully background, `smoothness` the
 * width of the soft edge above it, `spill` how far above it green reflections are desaturated.
 */

export type Rgb = readonly [r: number, g: number, b: number]

/** BT.709 (limited range) Cb and Cr rows, as [r, g, b, offset], for RGB in 0..1. The shader uses the same. */
export const CB_ROW = [-0.100644, -0.338572, 0.439216, 0.501961] as const
export const CR_ROW = [0.439216, -0.398942, -0.040274, 0.501961] as const
/** Rec. 709 luma weights, used to desaturate spill. */
export const LUMA = [0.2126, 0.7152, 0.0722] as const

/** [Cr, Cb] of a colour in 0..1 (the order OBS keeps them in). */
export function rgbToCrCb(rgb: Rgb): [cr: number, cb: number] {
  const [r, g, b] = rgb
  return [CR_ROW[0] * r + CR_ROW[1] * g + CR_ROW[2] * b + CR_ROW[3], CB_ROW[0] * r + CB_ROW[1] * g + CB_ROW[2] * b + CB_ROW[3]]
}

/** Full BT.709 limited-range YCbCr of a colour in 0..1 (Y in 16/255..235/255). */
export function rgbToYCbCr(rgb: Rgb): [y: number, cb: number, cr: number] {
  const [r, g, b] = rgb
  const y = 0.062745 + 0.182586 * r + 0.614231 * g + 0.062007 * b
  const [cr, cb] = rgbToCrCb(rgb)
  return [y, cb, cr]
}

/** Distance in the CbCr plane between a colour and a key's [Cr, Cb]. */
export function chromaDistance(rgb: Rgb, keyCrCb: readonly [number, number]): number {
  const [cr, cb] = rgbToCrCb(rgb)
  return Math.hypot(cr - keyCrCb[0], cb - keyCrCb[1])
}

export interface ChromaKeyParams {
  /** Distance (0..1) under which a pixel is background. */
  similarity: number
  /** Width (0..1) of the soft edge above `similarity`. */
  smoothness: number
  /** Width (0..1) above `similarity` in which the key colour's spill is desaturated. */
  spill: number
}

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x)

/** Foreground alpha (0 background, 1 foreground) for a chroma distance; OBS's `pow(saturate(d / smoothness), 1.5)`. */
export function keyAlpha(distance: number, p: ChromaKeyParams): number {
  const base = distance - p.similarity
  return Math.pow(clamp01(base / Math.max(p.smoothness, 1e-4)), 1.5)
}

/** The colour with the key's spill removed: blended towards its own luma as it nears the key. */
export function suppressSpill(rgb: Rgb, distance: number, p: ChromaKeyParams): [number, number, number] {
  const amount = Math.pow(clamp01((distance - p.similarity) / Math.max(p.spill, 1e-4)), 1.5)
  const desat = LUMA[0] * rgb[0] + LUMA[1] * rgb[1] + LUMA[2] * rgb[2]
  return [desat + (rgb[0] - desat) * amount, desat + (rgb[1] - desat) * amount, desat + (rgb[2] - desat) * amount]
}

/** "#rrggbb" (or "#rgb") to 0..1 RGB; null when it is not a colour. */
export function parseHexColor(hex: string): [number, number, number] | null {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim())
  if (!m) return null
  let h = m[1]!
  if (h.length === 3) h = h.replace(/./g, (c) => c + c)
  const n = parseInt(h, 16)
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255]
}

/** 0..255 (or 0..1 with `unit`) RGB to "#rrggbb". */
export function toHexColor(rgb: Rgb, unit = false): string {
  return (
    '#' +
    rgb
      .map((c) => Math.round(Math.min(255, Math.max(0, unit ? c * 255 : c))))
      .map((c) => c.toString(16).padStart(2, '0'))
      .join('')
  )
}

/**
 * The key colour for a patch of pixels the user clicked (RGBA bytes): the mean of the pixels, after
 * dropping the quarter furthest from the median chroma, so a stray hair or edge in the patch does not
 * pull the key off the screen's colour.
 */
export function averageKeyColor(rgba: Uint8ClampedArray | Uint8Array): string {
  const n = Math.floor(rgba.length / 4)
  if (n === 0) return '#00ff00'
  const px: { rgb: [number, number, number]; crcb: [number, number] }[] = []
  for (let i = 0; i < n; i++) {
    const rgb: [number, number, number] = [rgba[i * 4]! / 255, rgba[i * 4 + 1]! / 255, rgba[i * 4 + 2]! / 255]
    px.push({ rgb, crcb: rgbToCrCb(rgb) })
  }
  const median = (v: number[]) => v.sort((a, b) => a - b)[v.length >> 1]!
  const mc: [number, number] = [median(px.map((p) => p.crcb[0])), median(px.map((p) => p.crcb[1]))]
  const ranked = px
    .map((p) => ({ p, d: Math.hypot(p.crcb[0] - mc[0], p.crcb[1] - mc[1]) }))
    .sort((a, b) => a.d - b.d)
    .slice(0, Math.max(1, Math.ceil(n * 0.75)))
  const sum = [0, 0, 0]
  for (const { p } of ranked) for (let c = 0; c < 3; c++) sum[c]! += p.rgb[c]!
  return toHexColor(sum.map((s) => s / ranked.length) as unknown as Rgb, true)
}

export type YuvMatrix = 'bt601' | 'bt709'

/**
 * YCbCr -> RGB for a camera frame's planes, as a column-major 3x3 matrix (GLSL's mat3 order) applied
 * to (Y, Cb, Cr) minus `offset`. `fullRange` false is video range (Y 16..235, C 16..240), what cameras send.
 */
export function yuvToRgbMatrix(matrix: YuvMatrix, fullRange: boolean): { m: number[]; offset: [number, number, number] } {
  const [kr, kb] = matrix === 'bt709' ? [0.2126, 0.0722] : [0.299, 0.114]
  const kg = 1 - kr - kb
  const ys = fullRange ? 1 : 255 / 219
  const cs = fullRange ? 1 : 255 / 224
  const rv = 2 * (1 - kr) * cs
  const bu = 2 * (1 - kb) * cs
  const gu = ((-2 * kb * (1 - kb)) / kg) * cs
  const gv = ((-2 * kr * (1 - kr)) / kg) * cs
  return {
    // columns: Y, Cb, Cr
    m: [ys, ys, ys, 0, gu, bu, rv, gv, 0],
    offset: [fullRange ? 0 : 16 / 255, 128 / 255, 128 / 255],
  }
}

/** Applies `yuvToRgbMatrix` to one sample (all in 0..1), clamped, as the shader does. */
export function yuvToRgb(y: number, cb: number, cr: number, t: ReturnType<typeof yuvToRgbMatrix>): [number, number, number] {
  const a = y - t.offset[0]
  const b = cb - t.offset[1]
  const c = cr - t.offset[2]
  const m = t.m
  const cl = (x: number) => Math.min(1, Math.max(0, x))
  return [cl(m[0]! * a + m[3]! * b + m[6]! * c), cl(m[1]! * a + m[4]! * b + m[7]! * c), cl(m[2]! * a + m[5]! * b + m[8]! * c)]
}
