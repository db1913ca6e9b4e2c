/**
 * Touch-up (skin smoothing, lib/virtualBackground/touchUp.ts) in headless Chromium through the composable,
 * on the portrait fixture (tests/fixtures/portrait-astronaut.jpg shown 1:1 by a 512x512 fake camera), with
 * person segmentation (general model) and no background: skin gets smoother, eyes and the hairline keep their
 * edges, and the backdrop outside the person is left as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Rect } from '../../src/lib/virtualBackground/mask.ts'
import { openHarness, startHarnessServer, type HarnessServer, type OpenHarness } from './harnessServer.ts'
import { stillClip } from '../support/media.ts'

let server: HarnessServer

beforeAll(async () => {
  server = await startHarnessServer()
})
afterAll(async () => {
  await server?.close()
})

// Regions of the 512x512 portrait, read off the picture.
const SKIN: Rect[] = [
  { x: 185, y: 112, width: 20, height: 20 }, // left cheek
  { x: 240, y: 112, width: 20, height: 20 }, // right cheek
  { x: 208, y: 156, width: 28, height: 12 }, // chin
]
const EDGES: Rect[] = [
  { x: 190, y: 94, width: 24, height: 14 }, // left eye
  { x: 234, y: 96, width: 24, height: 14 }, // right eye
  { x: 190, y: 78, width: 64, height: 16 }, // fringe / hairline
]
const BACKDROP: Rect = { x: 300, y: 10, width: 60, height: 110 }

type Region = { mean: number[]; localVariance: number; gradient: number }

async function settle(h: OpenHarness, frames = 4) {
  const start = await h.page.evaluate(() => window.vbHarness.delivered())
  await h.page.waitForTimeout(300)
  await h.page.waitForFunction((n) => window.vbHarness.delivered() >= n, start + frames, { timeout: 20_000 })
}

async function measure(h: OpenHarness): Promise<Region[]> {
  const out = await h.page.evaluate((rects) => window.vbHarness.regions(rects), [...SKIN, ...EDGES, BACKDROP])
  return out.regions
}

describe('touch-up', () => {
  for (const renderer of ['cpu', 'webgl2'] as const) {
    it(`smooths skin by >= 40% at full strength, keeps eyes and hairline within 10%, leaves the backdrop (${renderer} renderer)`, async () => {
      const clip = await stillClip('portrait-astronaut.jpg', 512, 512, 30, 2)
      const h = await openHarness(server, clip)
      try {
        await h.page.evaluate(
          (r) =>
            window.vbHarness.start({
              width: 512,
              height: 512,
              fps: 30,
              renderer: r,
              settings: { mode: 'none', engine: 'segmentation', segmentation: { model: 'general', maskFps: 30, edgeSoftness: 0.5, temporalSmoothing: 0.5 } },
            }),
          renderer,
        )
        // Without touch-up no mask is needed: the picture as the camera gives it.
        await settle(h, 10)
        const before = await measure(h)
        await h.page.evaluate(() => window.vbHarness.setSettings({ touchUp: { strength: 1 } }))
        expect(await h.page.evaluate(() => window.vbHarness.waitModel())).toEqual({ status: 'ready', error: null })
        await h.page.waitForTimeout(1000)
        await settle(h, 6)
        const after = await measure(h)
        const f = (x: number) => x.toFixed(2)
        const skinBefore = SKIN.reduce((a, _, i) => a + before[i]!.localVariance, 0)
        const skinAfter = SKIN.reduce((a, _, i) => a + after[i]!.localVariance, 0)
        const edges = EDGES.map((_, k) => [before[SKIN.length + k]!.gradient, after[SKIN.length + k]!.gradient] as const)
        const bd = before.at(-1)!
        const ad = after.at(-1)!
        console.log(
          `touch-up (${renderer}): skin variance ${f(skinBefore)} -> ${f(skinAfter)} (${f((1 - skinAfter / skinBefore) * 100)}% less); ` +
            `edge gradients ${edges.map(([b, a]) => `${f(b)}->${f(a)}`).join(', ')}; backdrop mean ${bd.mean.map(f).join('/')} -> ${ad.mean.map(f).join('/')}, variance ${f(bd.localVariance)} -> ${f(ad.localVariance)}`,
        )
        expect(skinAfter).toBeLessThanOrEqual(skinBefore * 0.6)
        for (const [b, a] of edges) expect(Math.abs(a - b)).toBeLessThanOrEqual(b * 0.1)
        for (let k = 0; k < 3; k++) expect(Math.abs(ad.mean[k]! - bd.mean[k]!)).toBeLessThan(1)
        expect(Math.abs(ad.localVariance - bd.localVariance)).toBeLessThanOrEqual(bd.localVariance * 0.05 + 0.05)
      } catch (err) {
        console.error(h.logs.join('\n'))
        throw err
      } finally {
        await h.close()
      }
    })
  }
})
