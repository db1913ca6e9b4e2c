/**
 * Pixel proofs of each background mode, shared by the engine suites (Firefox, WebKit): on the processed
 * track's picture, compared with the same regions with no background effect (mode `none`).
 * - blur: the background region's local variance (luma variance in 4x4 blocks) drops below half;
 * - image: the background region shows the uploaded flat picture's colour;
 * - video: the background region shows the flat-colour clip's colour;
 * - colour: measured by the caller with the harness's exact alpha (black vs white background).
 * In every mode the foreground region keeps the colour it had without the effect (the person stays),
 * and the processed track stays the same live track, delivering frames.
 * And touch-up's measures on the portrait (`measurePortrait`, `touchUpEffect`).
 */
import { expect } from 'vitest'
import type { Rect } from '../../src/lib/virtualBackground/mask.ts'
import type { HarnessDriver } from './harnessServer.ts'

interface Regions {
  regions: { mean: number[]; localVariance: number }[]
}

/** Touch-up regions of the 512x512 portrait: skin with no feature, and the features that must stay sharp. */
export const PORTRAIT_SKIN: Rect[] = [
  { x: 188, y: 112, width: 20, height: 16 }, // her right cheek
  { x: 242, y: 112, width: 20, height: 16 }, // her left cheek
  { x: 212, y: 160, width: 28, height: 12 }, // chin
]
export const PORTRAIT_EDGES: Rect[] = [
  { x: 192, y: 94, width: 24, height: 12 }, // her right eye
  { x: 234, y: 95, width: 24, height: 12 }, // her left eye
  { x: 196, y: 64, width: 64, height: 16 }, // the hairline
]
export const PORTRAIT_BACKDROP: Rect = { x: 300, y: 0, width: 200, height: 60 }

/** Local variance, gradient and mean colour of each rectangle of the processed picture. */
export interface RegionMeasure {
  variance: number
  gradient: number
  mean: number[]
}

/**
 * Each rectangle measured on three pictures 200 ms apart and averaged: the clips are still pictures through VP8,
 * so one frame's coding noise counts for less.
 */
export async function measurePortrait(h: HarnessDriver, rects: Rect[]): Promise<RegionMeasure[]> {
  type R = { regions: { mean: number[]; localVariance: number; gradient: number }[] }
  const runs: R[] = []
  for (let i = 0; i < 3; i++) {
    runs.push(await h.call<R>('regions', rects))
    await new Promise((r) => setTimeout(r, 200))
  }
  const avg = (f: (r: R) => number) => runs.reduce((a, r) => a + f(r), 0) / runs.length
  return rects.map((_, k) => ({
    variance: avg((r) => r.regions[k]!.localVariance),
    gradient: avg((r) => r.regions[k]!.gradient),
    mean: [0, 1, 2].map((c) => avg((r) => r.regions[k]!.mean[c]!)),
  }))
}

/**
 * Touch-up's figures from measures of PORTRAIT_SKIN then PORTRAIT_EDGES (in that order) before and after: the drop
 * of the skin's summed variance (0.48: 48% lower) and each edge region's gradient change (-0.02: 2% softer).
 */
export function touchUpEffect(before: RegionMeasure[], after: RegionMeasure[]): { drop: number; edges: number[] } {
  const n = PORTRAIT_SKIN.length
  const sum = (xs: RegionMeasure[]) => xs.reduce((a, r) => a + r.variance, 0)
  return {
    drop: 1 - sum(after.slice(0, n)) / sum(before.slice(0, n)),
    edges: PORTRAIT_EDGES.map((_, i) => after[n + i]!.gradient / before[n + i]!.gradient - 1),
  }
}

export const PICTURE = { color: '#3366cc', rgb: [0x33, 0x66, 0xcc] }
export const CLIP = { color: '#cc3333', rgb: [0xcc, 0x33, 0x33] }

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)))
const fmt = (a: number[]) => a.map((x) => x.toFixed(0)).join(',')

export interface ModeProofOptions {
  fg: Rect
  bg: Rect
  /** URL of a flat-colour WebM (CLIP.color) for the video mode. */
  videoUrl: string
  trackId: string
  /** How long to let a change settle before reading pixels, ms (slower engines need longer). */
  settleMs?: number
  label: string
  /**
   * Person detection: its worker stops in mode `none` (nothing needs it) and starts again with the next mode,
   * so each step waits for the model before reading pixels.
   */
  person?: boolean
}

async function delivered(h: HarnessDriver) {
  return h.call<number>('delivered')
}

async function expectLive(h: HarnessDriver, o: ModeProofOptions, step: string, framesBefore: number) {
  const s = await h.call<{ trackId: string; readyState: string; ended: string[] }>('state')
  expect([s.trackId, s.readyState, s.ended], `${o.label} ${step}: the same live track`).toEqual([o.trackId, 'live', []])
  const frames = (await delivered(h)) - framesBefore
  console.log(`${o.label} ${step}: ${frames} frames delivered while it settled and was read`)
  expect(frames, `${o.label} ${step}: frames delivered`).toBeGreaterThan(3)
}

/** Runs none → blur → image → video on the running harness and checks each picture. */
export async function proveModes(h: HarnessDriver, o: ModeProofOptions): Promise<void> {
  // A change shows from the next drawn picture: wait the settle time and at least 3 new frames (a slow engine
  // under load may take longer than the settle time to draw them).
  const settle = async () => {
    const start = await delivered(h)
    await new Promise((r) => setTimeout(r, o.settleMs ?? 1200))
    const t0 = Date.now()
    while ((await delivered(h)) < start + 3 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 200))
  }
  const read = () => h.call<Regions>('regions', [o.fg, o.bg]).then((r) => r.regions)

  await h.call('setSettings', { mode: 'none' })
  await settle()
  const [fg0, bg0] = await read()

  let before = await delivered(h)
  await h.call('setSettings', { mode: 'blur', blurStrength: 0.8 })
  if (o.person)
    expect(await h.call('waitModel'), `${o.label}: the model loads again after mode none`).toEqual({ status: 'ready', error: null })
  await settle()
  const [fg1, bg1] = await read()
  console.log(
    `${o.label} blur: background local variance ${bg0!.localVariance.toFixed(1)} -> ${bg1!.localVariance.toFixed(1)}, foreground ${fmt(fg0!.mean)} -> ${fmt(fg1!.mean)}`,
  )
  expect(bg0!.localVariance, `${o.label}: the background has texture to blur`).toBeGreaterThan(4)
  expect(bg1!.localVariance, `${o.label} blur: background local variance`).toBeLessThan(bg0!.localVariance * 0.5)
  expect(maxDiff(fg1!.mean, fg0!.mean), `${o.label} blur: the person stays`).toBeLessThan(14)
  await expectLive(h, o, 'blur', before)

  before = await delivered(h)
  expect(await h.call('setColorPicture', PICTURE.color)).toBe(true)
  await settle()
  const [fg2, bg2] = await read()
  console.log(`${o.label} image: background ${fmt(bg2!.mean)} (picture ${fmt(PICTURE.rgb)}), foreground ${fmt(fg2!.mean)}`)
  expect(maxDiff(bg2!.mean, PICTURE.rgb), `${o.label} image: the picture replaces the background`).toBeLessThan(16)
  expect(maxDiff(fg2!.mean, fg0!.mean), `${o.label} image: the person stays`).toBeLessThan(14)
  await expectLive(h, o, 'image', before)

  before = await delivered(h)
  expect(await h.call('setBackgroundUpload', o.videoUrl, 'flat.webm', 'video/webm', 'video')).toBe(true)
  await settle()
  const [fg3, bg3] = await read()
  console.log(`${o.label} video: background ${fmt(bg3!.mean)} (clip ${fmt(CLIP.rgb)}), foreground ${fmt(fg3!.mean)}`)
  expect(maxDiff(bg3!.mean, CLIP.rgb), `${o.label} video: the clip replaces the background`).toBeLessThan(20)
  expect(maxDiff(fg3!.mean, fg0!.mean), `${o.label} video: the person stays`).toBeLessThan(14)
  await expectLive(h, o, 'video', before)
}

/** The harness's exact foreground alpha (0..255 per pixel) of the colour mode. */
export async function alphaOf(h: HarnessDriver) {
  const a = await h.call<{ width: number; height: number; base64: string }>('alpha')
  return { width: a.width, height: a.height, data: new Uint8Array(Buffer.from(a.base64, 'base64')) }
}

/** A square of `size` inside the truth's foreground (all 1), nearest the centre. */
export function insideRect(truth: Uint8Array, width: number, height: number, size: number): Rect {
  let best: Rect | null = null
  let bestD = Infinity
  for (let y = 0; y + size <= height; y += 8) {
    for (let x = 0; x + size <= width; x += 8) {
      let all = true
      for (let j = 0; j < size && all; j += 2) for (let i = 0; i < size && all; i += 2) all = truth[(y + j) * width + x + i] === 1
      const d = Math.hypot(x + size / 2 - width / 2, y + size / 2 - height / 2)
      if (all && d < bestD) {
        bestD = d
        best = { x, y, width: size, height: size }
      }
    }
  }
  if (!best) throw new Error('no foreground square of that size')
  return best
}
