/**
 * Photos where the 2D canvas has no `ctx.filter` (Safari, WebKit) get their filters from src/lib/filterPixels.ts.
 * Here that module is measured against Chromium's own `ctx.filter`: the portrait fixture is drawn in headless
 * Chromium with a transparent margin (so blur edges, opacity and shadows show), once plain and once with each of the
 * app's ten filters (default strength and another), and the module, run in Node on the plain pixels, must give the
 * filtered pixels within a small tolerance.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { launchChromium } from '../support/chromium.ts'
import { FIXTURES } from '../support/media.ts'
import { FILTERS, filterFunction } from '@/lib/filters'
import { applyFilter } from '@/lib/filterPixels'
import { compareRgba, drawFixture, rgbaOf } from '../support/filterPixels.ts'

/** Each filter at its default strength and at a second strength, as a photo at pxScale 1.5 would ask for them. */
const CASES: string[] = [
  ...FILTERS.map((f) => filterFunction(f.id, f.defaultAmount, 1.5)),
  ...FILTERS.map((f) => filterFunction(f.id, f.min + (f.max - f.min) * 0.4, 1)),
  'sepia(60%) contrast(140%) blur(2px)',
]

describe('filters computed on pixels match Chromium ctx.filter', () => {
  let browser: Browser
  let page: Page
  let png: string
  beforeAll(async () => {
    png = execFileSync('ffmpeg', ['-v', 'error', '-i', join(FIXTURES, 'portrait-astronaut.jpg'), '-vf', 'scale=240:180', '-f', 'image2pipe', '-c:v', 'png', '-'], { maxBuffer: 16 << 20 }).toString('base64')
    browser = await launchChromium()
    page = await browser.newPage()
  })
  afterAll(async () => {
    await browser?.close()
  })

  test.each(CASES)('%s', async (css) => {
    const plain = await page.evaluate(drawFixture, { png, filter: 'none' })
    const reference = await page.evaluate(drawFixture, { png, filter: css })
    expect(reference.filterApplied).toBe(css)
    const mine = applyFilter({ data: rgbaOf(plain), width: plain.width, height: plain.height }, css)
    const r = compareRgba(mine.data, rgbaOf(reference))
    // The filter must change the picture clearly more than the module misses it by, or the comparison proves nothing.
    const change = compareRgba(rgbaOf(plain), rgbaOf(reference))
    console.info(`${css}: mean ${r.mean.toFixed(2)}, p99 ${r.p99}, max ${r.max} (filter changes the picture by mean ${change.mean.toFixed(2)})`)
    expect(change.mean).toBeGreaterThan(r.mean * 3)
    // Measured: mean ≤ 0.23 and p99 ≤ 1 (of 255) for every case here.
    expect(r.mean).toBeLessThan(0.5)
    expect(r.p99).toBeLessThanOrEqual(2)
  })
})
