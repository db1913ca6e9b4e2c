/**
 * Colour looks: each a colour transform of RGB (0..1) sampled into a 3D LUT, applied to the whole
 * composited picture (person and background) by every renderer, mixed with the input by a strength.
 *
 * One source of truth, `lookColor`, feeds both forms the renderers use:
 * - `buildLut(look, size)`: a size³ RGBA8 lattice (red fastest, then green, then blue) for a WebGL2 3D
 *   texture, sampled with trilinear filtering;
 * - `buildDenseTable(look, strength)`: 64³ packed RGBA pixels (strength mixed in) for the JavaScript
 *   renderers, indexed by the top six bits of each channel (`denseIndex`).
 *
 * Each look documents the direction in which it moves a picture's mean colour (`LOOKS[].direction`);
 * tests/unit/vb-looks.test.ts and the browser tests check it.
 */

export type LookId = 'none' | 'warm' | 'cool' | 'vintage' | 'mono' | 'film' | 'rose' | 'bright' | 'moody' | 'vivid'

/**
 * How a look moves the mean colour of a picture:
 * - `rgb`: along this RGB vector (the mean's change has a positive component along it);
 * - `desaturate`: colours go towards grey (mean saturation, max - min per pixel, falls);
 * - `saturate`: colours get stronger (mean saturation rises).
 */
export type LookDirection = { kind: 'rgb'; vector: readonly [number, number, number] } | { kind: 'desaturate' } | { kind: 'saturate' }

export interface LookInfo {
  id: Exclude<LookId, 'none'>
  direction: LookDirection
}

type RGB = [number, number, number]

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x)
/** Rec. 601 luma (the weights the rest of the pipeline uses for YUV). */
export const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b

/** The looks in the order the UI shows them, each with its documented direction of mean-colour change. */
export const LOOKS: readonly LookInfo[] = [
  /** White balance towards tungsten: red up, blue down. */
  { id: 'warm', direction: { kind: 'rgb', vector: [1, 0, -1] } },
  /** White balance towards daylight shade: blue up, red down. */
  { id: 'cool', direction: { kind: 'rgb', vector: [-1, 0, 1] } },
  /** Muted, yellowed (blue held back) and faded (blacks lifted, whites lowered): red and green up against blue. */
  { id: 'vintage', direction: { kind: 'rgb', vector: [1, 1, -2] } },
  /** Black and white with an S-curve of contrast: every colour to grey. */
  { id: 'mono', direction: { kind: 'desaturate' } },
  /** A faded print with a green cast: green up against red and blue. */
  { id: 'film', direction: { kind: 'rgb', vector: [-1, 2, -1] } },
  /** A pink tint: red and blue up against green. */
  { id: 'rose', direction: { kind: 'rgb', vector: [1, -2, 1] } },
  /** An exposure lift (gamma 0.75): every channel up. */
  { id: 'bright', direction: { kind: 'rgb', vector: [1, 1, 1] } },
  /** Darker (gamma 1.35) and a little muted: every channel down. */
  { id: 'moody', direction: { kind: 'rgb', vector: [-1, -1, -1] } },
  /** Saturation x1.45 around each pixel's luma: colours stronger. */
  { id: 'vivid', direction: { kind: 'saturate' } },
]

export const LOOK_IDS: readonly LookId[] = ['none', ...LOOKS.map((l) => l.id)]

/** The look's colour for an RGB input (each 0..1), at full strength. */
export function lookColor(look: LookId, r: number, g: number, b: number): RGB {
  switch (look) {
    case 'none':
      return [r, g, b]
    case 'warm':
      return [clamp01(r * 1.1 + 0.02), clamp01(g * 1.02), clamp01(b * 0.84)]
    case 'cool':
      return [clamp01(r * 0.86), clamp01(g * 0.99), clamp01(b * 1.1 + 0.02)]
    case 'vintage': {
      // A third of the colour out, a yellow cast (blue held back), blacks lifted and whites lowered.
      const l = luma(r, g, b)
      const f = (x: number) => 0.07 + 0.86 * clamp01(x)
      const m = (x: number) => l + (x - l) * 0.65
      return [f(m(r) * 1.04 + 0.03), f(m(g) + 0.03), f(m(b) * 0.8)]
    }
    case 'mono': {
      const l = clamp01((luma(r, g, b) - 0.5) * 1.3 + 0.5)
      return [l, l, l]
    }
    case 'film': {
      const l = luma(r, g, b)
      const f = (x: number) => 0.06 + 0.88 * x
      return [f(r * 0.97), clamp01(f(g) + 0.02 + 0.04 * (1 - l)), f(b * 0.98)]
    }
    case 'rose':
      return [clamp01(r * 1.06 + 0.02), clamp01(g * 0.92), clamp01(b * 1.04 + 0.015)]
    case 'bright':
      return [r ** 0.75, g ** 0.75, b ** 0.75]
    case 'moody': {
      const l = luma(r, g, b) ** 1.35
      const d = (x: number) => 0.95 * (l + (x ** 1.35 - l) * 0.85)
      return [clamp01(d(r)), clamp01(d(g)), clamp01(d(b))]
    }
    case 'vivid': {
      const l = luma(r, g, b)
      return [clamp01(l + (r - l) * 1.45), clamp01(l + (g - l) * 1.45), clamp01(l + (b - l) * 1.45)]
    }
  }
}

/** Strength clamped to 0..1; a `none` look or a strength of 0 is no look at all. */
export function isLookActive(look: { id: LookId; strength: number }): boolean {
  return look.id !== 'none' && look.strength > 0
}

/**
 * The look sampled on a size³ lattice as RGBA8 (alpha 255), red varying fastest, then green, then blue:
 * the layout of a WebGL2 TEXTURE_3D (x = red, y = green, z = blue). Sample point i stands for i / (size - 1).
 */
export function buildLut(look: LookId, size = 33): Uint8Array {
  if (size < 2) throw new Error('a LUT needs at least 2 points per axis')
  const out = new Uint8Array(size * size * size * 4)
  const k = 1 / (size - 1)
  let o = 0
  for (let b = 0; b < size; b++) {
    for (let g = 0; g < size; g++) {
      for (let r = 0; r < size; r++) {
        const c = lookColor(look, r * k, g * k, b * k)
        out[o++] = Math.round(c[0] * 255)
        out[o++] = Math.round(c[1] * 255)
        out[o++] = Math.round(c[2] * 255)
        out[o++] = 255
      }
    }
  }
  return out
}

/** Bits per channel of the dense table (64 levels: at most 2 levels of 255 from the exact colour for these smooth looks). */
export const DENSE_BITS = 6
const DENSE = 1 << DENSE_BITS

/**
 * Index into `buildDenseTable`'s table of a packed pixel (little-endian RGBA in a Uint32: R in the low
 * byte, as a Uint32Array over ImageData holds it): (r >> 2) << 12 | (g >> 2) << 6 | b >> 2.
 */
export const denseIndex = (p: number) => ((p & 0xfc) << 10) | ((p >>> 4) & 0xfc0) | ((p >>> 18) & 0x3f)

/**
 * The look with its strength mixed in, for every 6-bit RGB cell, as packed opaque RGBA (R in the low byte).
 * Each cell holds the look of its centre colour. 64³ entries (1 MB), made once per look and strength.
 */
export function buildDenseTable(look: LookId, strength: number): Uint32Array {
  const s = clamp01(strength)
  const table = new Uint32Array(DENSE * DENSE * DENSE)
  const step = 256 / DENSE
  const centre = (i: number) => (i * step + (step - 1) / 2) / 255
  let o = 0
  for (let r = 0; r < DENSE; r++) {
    const fr = centre(r)
    for (let g = 0; g < DENSE; g++) {
      const fg = centre(g)
      for (let b = 0; b < DENSE; b++, o++) {
        const fb = centre(b)
        const c = lookColor(look, fr, fg, fb)
        const R = Math.round(255 * (fr + (c[0] - fr) * s))
        const G = Math.round(255 * (fg + (c[1] - fg) * s))
        const B = Math.round(255 * (fb + (c[2] - fb) * s))
        table[o] = ((255 << 24) | (B << 16) | (G << 8) | R) >>> 0
      }
    }
  }
  return table
}

/** Applies a dense table to packed RGBA pixels in place (the 2D-canvas renderer's pass over its output). */
export function applyDenseTable(table: Uint32Array, pixels: Uint32Array): void {
  for (let i = 0; i < pixels.length; i++) pixels[i] = table[denseIndex(pixels[i]!)]!
}

/** The look at a strength applied to one RGB colour (0..1), as the renderers do (for thumbnails and tests). */
export function applyLook(look: LookId, strength: number, r: number, g: number, b: number): RGB {
  const s = clamp01(strength)
  const c = lookColor(look, r, g, b)
  return [r + (c[0] - r) * s, g + (c[1] - g) * s, b + (c[2] - b) * s]
}
