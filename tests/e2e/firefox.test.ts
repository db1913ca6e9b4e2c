/**
 * The built app in Firefox (Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi), through the real
 * server, with Firefox's fake devices (a flat colour cycling its hue, a tone), as a person uses it:
 * - Capture: the camera preview delivers frames, a grayscale photo is grey, the Gallery still has it after a reload;
 * - Record: a 5 s camera + microphone recording with no sound server (simulated: PulseAudio pointed at a socket that
 *   does not exist, so Web Audio never runs) still records, warns on the page, and keeps the microphone; with
 *   PulseAudio on a null sink the mix runs, and the recording exports from the Gallery to WebM, MP4 and GIF that
 *   decode cleanly with ffmpeg.
 * The browser's save dialog is not driven: the page's download link (an <a download> click) is caught in the page
 * and its Blob read back, byte for byte.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import type { ElementHandle, Page } from 'puppeteer-core'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ensurePulseAudio, framesShown, launchFirefox, NO_SOUND_SERVER, type RunningFirefox } from '../support/firefox.ts'
import { scratchDir } from '../support/media.ts'
import { decodeRgb } from '../support/pixels.ts'
import { decodeErrors, frameCount, mp4Boxes, probe } from './recording/checks.ts'

const baseURL = inject('baseURL')

/** Catches every <a download> click in the page and keeps the Blob it points at (instead of a save dialog). */
function catchDownloads(): void {
  const w = window as unknown as { __downloads: { name: string; blob: Blob }[] }
  w.__downloads = []
  const click = HTMLAnchorElement.prototype.click
  HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
    if (!this.download) return click.call(this)
    const name = this.download
    void fetch(this.href)
      .then((r) => r.blob())
      .then((blob) => w.__downloads.push({ name, blob }))
  }
}

async function openPage(ff: RunningFirefox, path: string): Promise<Page> {
  const page = await ff.browser.newPage()
  await page.setViewport({ width: 1280, height: 900 })
  await page.evaluateOnNewDocument(catchDownloads)
  page.on('pageerror', (e) => console.error('[firefox page error]', e))
  await page.goto(`${baseURL}${path}`)
  return page
}

/**
 * The element with this role and accessible name, as a screen reader finds it: Firefox's own accessibility tree,
 * queried over WebDriver BiDi (browsingContext.locateNodes), names matched exactly.
 */
function byRole(role: string, name: string): string {
  return `::-p-aria([role="${role}"][name="${name}"])`
}

/** Element Plus draws its own radio, checkbox or switch over the input: click what a person clicks (its label or box). */
async function clickControlOf(page: Page, role: 'radio' | 'checkbox' | 'switch', name: string, around = 'label'): Promise<void> {
  const input = await page.waitForSelector(byRole(role, name), { timeout: 15_000 })
  const drawn = (await input!.evaluateHandle((i, sel) => i.closest(sel), around)) as ElementHandle<Element>
  await drawn.click()
}

/** Clicks a button (found by its accessible name) and saves what the page offers for download. */
async function download(page: Page, buttonName: string, file: string): Promise<string> {
  const before = await page.evaluate(() => (window as unknown as { __downloads: unknown[] }).__downloads.length)
  await page.locator(byRole('button', buttonName)).click()
  await page.waitForFunction((n) => (window as unknown as { __downloads: unknown[] }).__downloads.length > n, { timeout: 30_000 }, before)
  const base64 = await page.evaluate(async () => {
    const d = (window as unknown as { __downloads: { blob: Blob }[] }).__downloads.at(-1)!
    const buf = new Uint8Array(await d.blob.arrayBuffer())
    let s = ''
    for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000))
    return btoa(s)
  })
  const path = join(scratchDir(), file)
  writeFileSync(path, Buffer.from(base64, 'base64'))
  return path
}

/** Element Plus draws its own switch over the input: click the switch, as a person does. */
async function setSwitch(page: Page, name: string, on: boolean) {
  const checked = () => page.$eval(byRole('switch', name), (i) => (i as HTMLInputElement).checked)
  if ((await checked()) !== on) await clickControlOf(page, 'switch', name, '.el-switch')
  await expect.poll(checked).toBe(on)
}


async function waitForVideo(page: Page, selector: string) {
  await page.waitForFunction(
    (sel) => {
      const v = document.querySelector(sel) as HTMLVideoElement | null
      return !!v && v.readyState >= 2 && v.videoWidth > 0
    },
    { timeout: 30_000 },
    selector,
  )
}

describe('Firefox: capture, photo and gallery', () => {
  let ff: RunningFirefox
  let page: Page
  beforeAll(async () => {
    ff = await launchFirefox()
    page = await openPage(ff, '/')
  })
  afterAll(async () => {
    await ff?.close()
  })

  test('the camera preview shows moving frames', async () => {
    const preview = 'video[aria-label="Camera preview"]'
    await waitForVideo(page, preview)
    // Firefox's fake camera sends about 30 frames a second; a frozen preview shows one or two.
    expect(await framesShown(page, preview, 2000)).toBeGreaterThan(20)
  })

  test('a grayscale photo is grey, full size, and is in the gallery after a reload', async () => {
    await clickControlOf(page, 'checkbox', 'Grayscale filter')
    await expect.poll(() => page.$eval(byRole('checkbox', 'Grayscale filter'), (i) => (i as HTMLInputElement).checked)).toBe(true)
    // The camera itself is colourful (its hue cycles): the grey must come from the filter.
    const { spread, width, height } = await page.evaluate(() => {
      const v = document.querySelector('video[aria-label="Camera preview"]') as HTMLVideoElement
      const c = new OffscreenCanvas(v.videoWidth, v.videoHeight).getContext('2d')!
      c.drawImage(v, 0, 0)
      const d = c.getImageData(0, 0, v.videoWidth, v.videoHeight).data
      let max = 0
      for (let i = 0; i < d.length; i += 4 * 97) max = Math.max(max, Math.max(d[i]!, d[i + 1]!, d[i + 2]!) - Math.min(d[i]!, d[i + 1]!, d[i + 2]!))
      return { spread: max, width: v.videoWidth, height: v.videoHeight }
    })
    expect(spread).toBeGreaterThan(30)
    await page.locator(byRole('button', 'Take photo')).click()
    // The page says which file it saved, in a link to the gallery.
    const saved = await page.waitForSelector('::-p-text(Saved photo-)', { timeout: 15_000 })
    const photo = (await saved!.evaluate((e) => e.textContent!.trim())).replace(/^Saved /, '')
    expect(photo).toMatch(/^photo-.*\.png$/)
    await page.waitForSelector(byRole('link', `Saved ${photo} Open gallery`), { timeout: 15_000 })
    await page.goto(`${baseURL}/gallery`)
    await page.reload()
    // After the reload the gallery holds that photo, and nothing else.
    await page.waitForSelector(byRole('button', `Open ${photo}`), { timeout: 15_000 })
    const items = await page.waitForSelector(byRole('list', 'Gallery items'))
    expect(await items!.$$eval(':scope > li', (li) => li.length)).toBe(1)
    // The tile's download button is named after the file.
    const file = await download(page, `Download ${photo}`, 'firefox-gray-photo.png')
    const info = await probe(file)
    // Full size: the camera's own frame size, not the preview box's.
    expect([info.width, info.height]).toEqual([width, height])
    const rgb = await decodeRgb(file)
    let maxSpread = 0
    for (let i = 0; i < rgb.length; i += 3) maxSpread = Math.max(maxSpread, Math.max(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!) - Math.min(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!))
    expect(maxSpread).toBe(0)
  })
})

/**
 * Records at least `seconds` of the camera with the microphone from the Record view and waits until it is saved.
 * Returns the name of the gallery tile that opens it (the file's name and its duration, as the page said when it was
 * saved) and the wall time from pressing Start to Stop having been pressed: the recording cannot be longer.
 */
async function recordCamera(page: Page, seconds: number): Promise<{ tile: string; wallS: number }> {
  await clickControlOf(page, 'radio', 'Camera')
  await setSwitch(page, '3-second countdown before recording', false)
  await setSwitch(page, 'Record the microphone', true)
  await waitForVideo(page, 'video[aria-label="Recording preview: Camera"]')
  const t0 = Date.now()
  // (The locator waits until the button is enabled.)
  await page.locator(byRole('button', 'Start recording')).click()
  await page.waitForSelector(byRole('button', 'Stop recording'), { timeout: 10_000 })
  await new Promise((r) => setTimeout(r, seconds * 1000))
  await page.locator(byRole('button', 'Stop recording')).click()
  const wallS = (Date.now() - t0) / 1000
  const saved = await page.waitForSelector('::-p-text(Saved recording-)', { timeout: 30_000 })
  const text = await saved!.evaluate((e) => e.textContent!)
  // "Saved recording-….webm (0:05, 1.2 MB)."
  const [, name, duration] = /Saved (recording-\S+\.(?:webm|mkv|mp4)) \(([^,]+),/.exec(text) ?? []
  if (!name) throw new Error(`no file name and duration in "${text}"`)
  return { tile: `Open ${name} ${duration}`, wallS }
}

/** The state a new AudioContext reaches within 3 s of asking it to run. */
function audioContextState(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const c = new AudioContext()
    await Promise.race([c.resume(), new Promise((r) => setTimeout(r, 3000))])
    const state = c.state
    void c.close()
    return state
  })
}

async function alerts(page: Page): Promise<string[]> {
  return page.$$eval('[role="alert"]', (els) => els.map((e) => e.textContent?.trim() ?? ''))
}

describe('Firefox: recording with no sound server', () => {
  let ff: RunningFirefox
  beforeAll(async () => {
    ff = await launchFirefox({ env: NO_SOUND_SERVER })
  })
  afterAll(async () => {
    await ff?.close()
  })

  test('a 5 s camera + microphone recording starts, warns that audio is not mixed, and keeps the microphone', async () => {
    const page = await openPage(ff, '/record')
    // What the simulation must produce, or the test proves nothing: Web Audio does not run in this browser.
    expect(await audioContextState(page)).toBe('suspended')
    const { tile, wallS } = await recordCamera(page, 5)
    const warnings = await alerts(page)
    expect(warnings.join('\n')).toMatch(/audio mixer did not start.*microphone is recorded directly/s)
    await page.locator(byRole('link', 'Open the gallery')).click()
    await page.locator(byRole('button', tile)).click()
    const original = await download(page, 'Download original', 'firefox-nosound.webm')
    const o = await probe(original)
    expect([...o.codecs].sort()).toEqual(['opus', 'vp8'])
    expect(o.durationS).toBeGreaterThan(5 * 0.9)
    expect(o.durationS).toBeLessThanOrEqual(wallS)
    expect(await decodeErrors(original)).toBe('')
  })
})

describe('Firefox: recording with PulseAudio, and every export', () => {
  let ff: RunningFirefox
  let page: Page
  let original: string
  beforeAll(async () => {
    ensurePulseAudio()
    ff = await launchFirefox()
    page = await openPage(ff, '/record')
  })
  afterAll(async () => {
    await ff?.close()
  })

  test('a 5 s camera + microphone recording is mixed (no warning) and saved as VP8 + Opus WebM', async () => {
    expect(await audioContextState(page)).toBe('running')
    const { tile, wallS } = await recordCamera(page, 5)
    expect((await alerts(page)).join('\n')).not.toMatch(/audio mixer/)
    await page.locator(byRole('link', 'Open the gallery')).click()
    await page.locator(byRole('button', tile)).click()
    original = await download(page, 'Download original', 'firefox-pulse.webm')
    const o = await probe(original)
    expect([...o.codecs].sort()).toEqual(['opus', 'vp8'])
    expect(o.durationS).toBeGreaterThan(5 * 0.9)
    expect(o.durationS).toBeLessThanOrEqual(wallS)
    expect(await decodeErrors(original)).toBe('')
  })

  async function exportAs(label: 'WebM' | 'MP4' | 'GIF', file: string): Promise<string> {
    await clickControlOf(page, 'radio', label)
    await page.locator(byRole('button', `Export ${label.toUpperCase()}`)).click()
    try {
      await page.waitForSelector(`::-p-text(${label.toUpperCase()} ready)`, { timeout: 90_000 })
    } catch (err) {
      // Say where the export stood (its progress line, any message), not only that it timed out.
      const dialog = await page.$eval('.el-dialog .export', (e) => e.textContent?.replace(/\s+/g, ' ').trim()).catch(() => 'no export panel')
      throw new Error(`${label} export not ready after 90 s. Export panel: ${dialog}. Alerts: ${(await alerts(page)).join(' | ')}`, { cause: err })
    }
    return download(page, 'Download export', file)
  }

  test('exports to WebM (a copy of the VP8 stream) that decodes cleanly', async () => {
    const o = await probe(original)
    const file = await exportAs('WebM', 'firefox-export.webm')
    const w = await probe(file)
    expect([...w.codecs].sort()).toEqual(['opus', 'vp8'])
    expect(Math.abs(w.durationS - o.durationS)).toBeLessThan(o.durationS * 0.1)
    expect(await decodeErrors(file)).toBe('')
  })

  test('exports to MP4 (VP8 transcoded to H.264, AAC) that decodes cleanly, with faststart', async () => {
    const o = await probe(original)
    const file = await exportAs('MP4', 'firefox-export.mp4')
    const m = await probe(file)
    expect([...m.codecs].sort()).toEqual(['aac', 'h264'])
    expect(Math.abs(m.durationS - o.durationS)).toBeLessThan(o.durationS * 0.1)
    const boxes = mp4Boxes(file)
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'))
    expect(await decodeErrors(file)).toBe('')
  })

  test('exports to GIF at about 10 frames a second that decodes cleanly', async () => {
    const o = await probe(original)
    const file = await exportAs('GIF', 'firefox-export.gif')
    const frames = await frameCount(file)
    expect(frames).toBeGreaterThan(o.durationS * 10 * 0.85)
    expect(frames).toBeLessThan(o.durationS * 10 * 1.15)
    expect(await decodeErrors(file)).toBe('')
  })
})
