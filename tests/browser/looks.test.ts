/**
 * Colour looks (lib/virtualBackground/looks.ts) in headless Chromium, through the composable as the app
 * uses it, on each renderer (the CPU renderer on YUV planes, WebGL2 on SwiftShader, the 2D-canvas fallback):
 * the processed track's mean colour moves in each look's documented direction, and the look is applied to
 * the composite, the replaced background included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOOKS, type LookDirection, type LookId } from '../../src/lib/virtualBackground/looks.ts'
import type { Rect } from '../../src/lib/virtualBackground/mask.ts'
import { chromaClip } from './clips.ts'
import { settle, startHarnessServer, withHarness, type HarnessServer, type OpenHarness } from './harnessServer.ts'
import { stillClip } from '../support/media.ts'

let server: HarnessServer

beforeAll(async () => {
  server = await startHarnessServer()
})
afterAll(async () => {
  await server?.close()
})

type Region = { mean: number[]; localVariance: number; saturation: number }

async function region(h: OpenHarness, r: Rect): Promise<Region> {
  const out = await h.page.evaluate((rect) => window.vbHarness.regions([rect]), r)
  return out.regions[0]!
}

/** Sets the look and waits until the output shows it. */
async function setLook(h: OpenHarness, id: LookId, strength: number) {
  await h.page.evaluate((look) => window.vbHarness.setSettings({ look }), { id, strength })
  await settle(h, 4)
}

/** How far `after` moved from `before` in the documented direction, in levels of 255 (or saturation levels). */
function movement(before: Region, after: Region, d: LookDirection): number {
  if (d.kind === 'rgb') {
    const n = Math.hypot(...d.vector)
    return d.vector.reduce((a, v, k) => a + ((after.mean[k]! - before.mean[k]!) * v) / n, 0)
  }
  return d.kind === 'saturate' ? after.saturation - before.saturation : before.saturation - after.saturation
}

const RENDERERS = [
  { renderer: 'cpu', pipeline: undefined },
  { renderer: 'webgl2', pipeline: undefined },
  { renderer: 'canvas2d', pipeline: 'worker-stream' },
] as const

describe('colour looks', () => {
  const whole: Rect = { x: 0, y: 0, width: 512, height: 512 }

  for (const r of RENDERERS) {
    it(`each look moves the portrait's mean colour in its documented direction, none leaves it as it was (${r.renderer} renderer)`, async () => {
      const clip = await stillClip('portrait-astronaut.jpg', 512, 512, 30, 2)
      await withHarness(server, clip, async (h) => {
        await h.page.evaluate((o) => window.vbHarness.start({ width: 512, height: 512, fps: 30, ...o, settings: { mode: 'none' } }), r)
        await settle(h, 10)
        expect((await h.page.evaluate(() => window.vbHarness.state())).renderer).toBe(r.renderer)
        const before = await region(h, whole)
        const lines: string[] = []
        for (const look of LOOKS) {
          await setLook(h, look.id, 1)
          const after = await region(h, whole)
          const moved = movement(before, after, look.direction)
          lines.push(`${look.id} ${moved.toFixed(1)} (mean ${after.mean.map((x) => x.toFixed(0)).join('/')}, sat ${after.saturation.toFixed(1)})`)
          // At least 4 levels of 255 the documented way (the looks move a 7³ colour grid by 8 or more).
          expect(moved, `${look.id}: ${lines.at(-1)}`).toBeGreaterThanOrEqual(4)
          if (look.direction.kind === 'desaturate') expect(after.saturation, look.id).toBeLessThanOrEqual(before.saturation * 0.2)
        }
        await setLook(h, 'none', 1)
        const back = await region(h, whole)
        console.log(`looks (${r.renderer}): before ${before.mean.map((x) => x.toFixed(0)).join('/')} sat ${before.saturation.toFixed(1)}; ${lines.join('; ')}`)
        for (let k = 0; k < 3; k++) expect(Math.abs(back.mean[k]! - before.mean[k]!)).toBeLessThan(1.5)
      })
    })

    it(`the look grades the replaced background too, in the same picture (${r.renderer} renderer)`, async () => {
      const clip = await chromaClip(640, 480)
      await withHarness(server, clip.path, async (h) => {
        await h.page.evaluate(
          (o) => window.vbHarness.start({ width: 640, height: 480, fps: 30, ...o, settings: { engine: 'chroma', mode: 'color', color: '#808080' } }),
          r,
        )
        await settle(h, 10)
        expect((await h.page.evaluate(() => window.vbHarness.state())).renderer).toBe(r.renderer)
        // The top-left corner is green screen, so the grey background colour shows there.
        const corner: Rect = { x: 8, y: 8, width: 48, height: 48 }
        const plain = await region(h, corner)
        expect(Math.abs(plain.mean[0]! - plain.mean[2]!)).toBeLessThan(3)
        await setLook(h, 'cool', 1)
        const cool = await region(h, corner)
        console.log(`grey background (${r.renderer}): ${plain.mean.map((x) => x.toFixed(0)).join('/')} -> cool ${cool.mean.map((x) => x.toFixed(0)).join('/')}`)
        // cool: red x0.86, blue x1.1 + 0.02 of 128 grey: blue - red about 37 levels.
        expect(cool.mean[2]! - cool.mean[0]!).toBeGreaterThan(25)
      })
    })
  }
})
