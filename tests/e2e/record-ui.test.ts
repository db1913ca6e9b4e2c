/**
 * The Record view, the Gallery's export and the recovery prompt, driven as a person would (the recorder and
 * exporter themselves are tested in depth in recording.test.ts through a harness page).
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { join } from 'node:path'
import { launchChromium } from '../support/chromium.ts'
import { scratchDir } from '../support/media.ts'
import { printPagesOnFailure } from '../support/failure.ts'
import { decodeErrors, frameCount, mp4Boxes, probe } from './recording/checks.ts'

const baseURL = inject('baseURL')

/** Element Plus draws its own switch over the input: click the switch, as a person does. */
async function setSwitch(page: Page, name: string, on: boolean) {
  const input = page.getByRole('switch', { name })
  if ((await input.isChecked()) !== on) await page.locator('.el-switch', { has: input }).click()
  await expect.poll(() => input.isChecked()).toBe(on)
}

async function recordScreen(page: Page, seconds: number) {
  await page.goto(`${baseURL}/record`)
  await page.locator('label', { has: page.getByRole('radio', { name: 'Screen', exact: true }) }).click()
  await setSwitch(page, '3-second countdown before recording', false)
  await page.getByRole('button', { name: 'Choose screen' }).first().click()
  await page.locator('video[aria-label="Recording preview: Screen"]').waitFor()
  await page.getByRole('button', { name: 'Start recording' }).click()
  await page.getByText(/^REC /).waitFor()
  await page.waitForTimeout(seconds * 1000)
}

async function download(page: Page, button: string | RegExp, file: string): Promise<string> {
  const done = page.waitForEvent('download')
  await page.getByRole('button', { name: button }).click()
  const path = join(scratchDir(), file)
  await (await done).saveAs(path)
  return path
}

/** The recorder's store (IndexedDB, src/lib/recording/chunkStore.ts), read from the page: its sessions' chunk counts. */
function sessionChunks(page: Page): Promise<number[]> {
  return page.evaluate(
    () =>
      new Promise<number[]>((resolve, reject) => {
        const open = indexedDB.open('media-studio-recordings')
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const db = open.result
          if (!db.objectStoreNames.contains('sessions')) return (db.close(), resolve([]))
          const all = db.transaction('sessions').objectStore('sessions').getAll()
          all.onsuccess = () => (db.close(), resolve((all.result as { chunks: number }[]).map((s) => s.chunks)))
          all.onerror = () => reject(all.error)
        }
      }),
  )
}
const storedChunks = async (page: Page) => Math.max(0, ...(await sessionChunks(page)))
const storedSessions = async (page: Page) => (await sessionChunks(page)).length

describe('Record view, gallery export and recovery', () => {
  let browser: Browser
  let context: BrowserContext
  beforeAll(async () => {
    browser = await launchChromium({})
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  })
  afterAll(async () => {
    await browser?.close()
  })
  printPagesOnFailure(() => context.pages())

  test('records the screen, saves it to the gallery, and exports mp4 and gif from there', async () => {
    const page = await context.newPage()
    await recordScreen(page, 3)
    await page.getByRole('button', { name: 'Stop recording' }).click()
    const saved = page.getByRole('status').filter({ hasText: 'Saved recording-' })
    await saved.waitFor({ timeout: 30_000 })

    await page.getByRole('link', { name: 'Open the gallery' }).click()
    await page.getByRole('button', { name: /^Open recording-/ }).click()
    const original = await download(page, /^Download original/, 'ui-original.mkv')
    const o = await probe(original)
    expect(o.durationS).toBeGreaterThan(2.5)
    expect(o.durationS).toBeLessThan(4)

    // Chromium records Matroska (H.264 in .mkv), which is offered as MP4 first: one click converts and downloads.
    const mp4First = await download(page, 'Download MP4', 'ui-first.mp4')
    const f = await probe(mp4First)
    expect(f.codecs).toContain('h264')
    expect(mp4Boxes(mp4First)).toContain('moov')
    expect(Math.abs(f.durationS - o.durationS)).toBeLessThan(o.durationS * 0.1)

    await page.locator('label', { has: page.getByRole('radio', { name: 'MP4' }) }).click()
    // The size is estimated before the export starts; an H.264 recording with nothing to change is remuxed.
    await expect.poll(() => page.getByTestId('export-estimate').textContent()).toMatch(/Estimated size: [\d.]+ (KB|MB), 1280x720/)
    await page.getByRole('button', { name: /^Export (MP4|GIF)$/ }).click()
    await page.getByRole('status').filter({ hasText: 'MP4 ready' }).waitFor({ timeout: 60_000 })
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'MP4 ready' }).textContent()).toMatch(/remux with ffmpeg\.wasm/)
    const mp4 = await download(page, 'Download export', 'ui-export.mp4')
    const m = await probe(mp4)
    expect(m.codecs).toContain('h264')
    expect(Math.abs(m.durationS - o.durationS)).toBeLessThan(o.durationS * 0.1)
    const boxes = mp4Boxes(mp4)
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'))
    expect(await decodeErrors(mp4)).toBe('')

    await page.locator('label', { has: page.getByRole('radio', { name: 'GIF' }) }).click()
    await expect.poll(() => page.getByTestId('export-estimate').textContent()).toMatch(/Estimated size: .*depends on the picture/)
    await page.getByRole('button', { name: /^Export (MP4|GIF)$/ }).click()
    await page.getByRole('status').filter({ hasText: 'GIF ready' }).waitFor({ timeout: 60_000 })
    const gif = await download(page, 'Download export', 'ui-export.gif')
    const frames = await frameCount(gif)
    // 10 fps by default: about ten frames a second of recording.
    expect(frames).toBeGreaterThan(o.durationS * 10 * 0.85)
    expect(frames).toBeLessThan(o.durationS * 10 * 1.15)
    await page.close()
  })

  test('a recording whose tab closed is offered on the next start and recovered into the gallery', async () => {
    const page = await context.newPage()
    await recordScreen(page, 4)
    const recordedMs = await page.evaluate(() => {
      const t = document.querySelector('.readout strong')?.textContent ?? '0:00'
      const [m, s] = t.split(':').map(Number)
      return ((m ?? 0) * 60 + (s ?? 0)) * 1000
    })
    expect(recordedMs).toBeGreaterThanOrEqual(3000)
    await page.close({ runBeforeUnload: false })

    const next = await context.newPage()
    await next.goto(baseURL)
    const dialog = next.getByRole('dialog', { name: 'Unfinished recordings' })
    await dialog.waitFor({ timeout: 15_000 })
    await dialog.getByRole('button', { name: /^Recover recording/ }).click()
    await dialog.getByText('1 recovered').waitFor({ timeout: 30_000 })
    await next.goto(`${baseURL}/gallery`)
    await next.getByRole('radio', { name: 'Recordings' }).locator('..').click()
    const tiles = next.getByRole('button', { name: /^Open recording-/ })
    await expect.poll(() => tiles.count()).toBe(2)
    await tiles.first().click()
    const file = await download(next, /^Download original/, 'ui-recovered.mkv')
    const r = await probe(file)
    // At least 90% of what the page showed as recorded (whole seconds, so a little under the truth).
    expect(r.durationS * 1000).toBeGreaterThanOrEqual(recordedMs * 0.9)
    expect(await decodeErrors(file)).toBe('')
  })

  test('a recording under a second left by a closed tab is not put in the gallery when recovered, and the prompt says why', async () => {
    // Simulates a quick start then a closed tab: the page closes as soon as the recorder has stored its first chunk
    // (half a second of it), so there is something to offer, and it holds under the 1 s the Record page keeps.
    const page = await context.newPage()
    await recordScreen(page, 0)
    await expect.poll(() => storedChunks(page), { timeout: 10_000, interval: 50 }).toBeGreaterThan(0)
    await page.close({ runBeforeUnload: false })

    const next = await context.newPage()
    await next.goto(`${baseURL}/gallery`)
    const tiles = next.getByRole('button', { name: /^Open recording-/ })
    // (Once the gallery has loaded: its list, or its empty state; the prompt may already cover it.)
    await next.locator('.tile, .el-empty').first().waitFor()
    const before = await tiles.count()
    const dialog = next.getByRole('dialog', { name: 'Unfinished recordings' })
    await dialog.waitFor({ timeout: 15_000 })
    await dialog.getByRole('button', { name: /^Recover recording/ }).click()
    await dialog.getByText('That recording held less than 1 s, so there was nothing to keep.').waitFor({ timeout: 30_000 })
    await next.keyboard.press('Escape')
    await next.reload()
    await next.locator('.tile, .el-empty').first().waitFor()
    expect(await tiles.count()).toBe(before)
    // Nothing is left to offer either: the recorder's store holds no session.
    expect(await storedSessions(next)).toBe(0)
  })
})
