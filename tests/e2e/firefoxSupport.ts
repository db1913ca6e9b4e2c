/**
 * Driving the built app in Firefox as a person does (puppeteer-core over WebDriver BiDi): controls found by role and
 * accessible name in Firefox's own accessibility tree, downloads caught in the page, the Record view's camera
 * recording, and an export from the Gallery's recording dialog. Used by firefox.test.ts and offline-firefox.test.ts.
 */
import { expect } from 'vitest'
import type { ElementHandle, Page } from 'puppeteer-core'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunningFirefox } from '../support/firefox.ts'
import { scratchDir } from '../support/media.ts'

/** Catches every <a download> click in the page and keeps the Blob it points at (instead of a save dialog). */
export function catchDownloads(): void {
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

const errorsOf = new WeakMap<Page, string[]>()

/** Errors the page reported so far (uncaught errors, and the CSP violations Firefox reports the same way). */
export function pageErrors(page: Page): string[] {
  return errorsOf.get(page) ?? []
}

/** A new tab at `url` (the full address), downloads caught, page errors logged and kept (`pageErrors`). */
export async function openPage(ff: RunningFirefox, url: string): Promise<Page> {
  const page = await ff.browser.newPage()
  await page.setViewport({ width: 1280, height: 900 })
  await page.evaluateOnNewDocument(catchDownloads)
  const errors: string[] = []
  errorsOf.set(page, errors)
  page.on('pageerror', (e) => {
    errors.push(String(e))
    console.error('[firefox page error]', e)
  })
  await page.goto(url)
  return page
}

/**
 * The element with this role and accessible name, as a screen reader finds it: Firefox's own accessibility tree,
 * queried over WebDriver BiDi (browsingContext.locateNodes), names matched exactly; only under the first element
 * matching the CSS selector `within` when it is given.
 *
 * Scope the queries the tests repeat: locateNodes walks every node under its start (the Capture page, about 550
 * elements: 3-14 s per query on this 2-core machine, against 0.7-1 s from its toolbar and 0.4 s on a page of one
 * button), and a Locator polls it several times before clicking; unscoped, a loaded CI run timed clicks out.
 */
export function byRole(role: string, name: string, within?: string): string {
  const q = `::-p-aria([role="${role}"][name="${name}"])`
  return within ? `${within} ${q}` : q
}

/** Where the tests find controls (CSS selectors for byRole's `within`). */
export const REGION = {
  /** The app's main navigation (Capture, Record, Call, Gallery). */
  nav: 'header nav',
  /** A studio page's settings bar (the Record view's source, audio and options). */
  side: 'aside.side',
  /** The Capture view's CSS filter list (the settings bar also holds the looks' live thumbnails). */
  filters: 'section[aria-labelledby="filter-panel-title"]',
  /** A view's main controls: Capture's Take photo bar, Record's Start/Stop/Pause bar. */
  toolbar: '[role="toolbar"]',
  /** The open dialog (the Gallery's recording dialog and its export panel). */
  dialog: '.el-dialog',
  /** The page's content, the header and its navigation left out. */
  main: 'main',
} as const

/** Element Plus draws its own radio, checkbox or switch over the input: click what a person clicks (its label or box). */
export async function clickControlOf(
  page: Page,
  role: 'radio' | 'checkbox' | 'switch',
  name: string,
  { around = 'label', timeout = 15_000, within }: { around?: string; timeout?: number; within?: string } = {},
): Promise<void> {
  const input = await page.waitForSelector(byRole(role, name, within), { timeout })
  const drawn = (await input!.evaluateHandle((i, sel) => i.closest(sel), around)) as ElementHandle<Element>
  await drawn.click()
}

/** Clicks a button (found by its accessible name) and saves what the page offers for download. */
export async function download(page: Page, buttonName: string, file: string, within?: string): Promise<string> {
  const before = await page.evaluate(() => (window as unknown as { __downloads: unknown[] }).__downloads.length)
  await page.locator(byRole('button', buttonName, within)).click()
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
export async function setSwitch(page: Page, name: string, on: boolean, within: string = REGION.side) {
  const checked = () => page.$eval(byRole('switch', name, within), (i) => (i as HTMLInputElement).checked)
  if ((await checked()) !== on) await clickControlOf(page, 'switch', name, { around: '.el-switch', within })
  await expect.poll(checked).toBe(on)
}


export async function waitForVideo(page: Page, selector: string) {
  await page.waitForFunction(
    (sel) => {
      const v = document.querySelector(sel) as HTMLVideoElement | null
      return !!v && v.readyState >= 2 && v.videoWidth > 0
    },
    { timeout: 30_000 },
    selector,
  )
}

/**
 * Records at least `seconds` of the camera with the microphone from the Record view and waits until it is saved.
 * Returns the name of the gallery tile that opens it (the file's name and its duration, as the page said when it was
 * saved) and the wall time from pressing Start to Stop having been pressed: the recording cannot be longer.
 */
export async function recordCamera(page: Page, seconds: number): Promise<{ tile: string; wallS: number }> {
  await clickControlOf(page, 'radio', 'Camera', { within: REGION.side })
  await setSwitch(page, '3-second countdown before recording', false)
  await setSwitch(page, 'Record the microphone', true)
  await waitForVideo(page, 'video[aria-label="Recording preview: Camera"]')
  const t0 = Date.now()
  // (The locator waits until the button is enabled.)
  await page.locator(byRole('button', 'Start recording', REGION.toolbar)).click()
  await page.waitForSelector(byRole('button', 'Stop recording', REGION.toolbar), { timeout: 10_000 })
  await new Promise((r) => setTimeout(r, seconds * 1000))
  await page.locator(byRole('button', 'Stop recording', REGION.toolbar)).click()
  const wallS = (Date.now() - t0) / 1000
  const saved = await page.waitForSelector('::-p-text(Saved recording-)', { timeout: 30_000 })
  const text = await saved!.evaluate((e) => e.textContent!)
  // "Saved recording-….webm (0:05, 1.2 MB)."
  const [, name, duration] = /Saved (recording-\S+\.(?:webm|mkv|mp4)) \(([^,]+),/.exec(text) ?? []
  if (!name) throw new Error(`no file name and duration in "${text}"`)
  return { tile: `Open ${name} ${duration}`, wallS }
}

/** The state a new AudioContext reaches within 3 s of asking it to run. */
export function audioContextState(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const c = new AudioContext()
    await Promise.race([c.resume(), new Promise((r) => setTimeout(r, 3000))])
    const state = c.state
    void c.close()
    return state
  })
}

export async function alerts(page: Page): Promise<string[]> {
  return page.$$eval('[role="alert"]', (els) => els.map((e) => e.textContent?.trim() ?? ''))
}

/** Exports the open recording as `label` from its dialog and saves the result; says where it stood if it times out. */
export async function exportAs(page: Page, label: 'WebM' | 'MP4' | 'GIF', file: string): Promise<string> {
  await clickControlOf(page, 'radio', label, { within: REGION.dialog })
  try {
    await page.locator(byRole('button', `Export ${label.toUpperCase()}`, REGION.dialog)).setTimeout(30_000).click()
  } catch (err) {
    throw new Error(`Export ${label.toUpperCase()} could not be pressed. Alerts: ${(await alerts(page)).join(' | ')}`, { cause: err })
  }
  try {
    await page.waitForSelector(`::-p-text(${label.toUpperCase()} ready)`, { timeout: 90_000 })
  } catch (err) {
    // Say where the export stood (its progress line, any message), not only that it timed out.
    const panel = await page.$eval('.el-dialog .export', (e) => e.textContent?.replace(/\s+/g, ' ').trim()).catch(() => 'no export panel')
    throw new Error(`${label} export not ready after 90 s. Export panel: ${panel}. Alerts: ${(await alerts(page)).join(' | ')}`, { cause: err })
  }
  return download(page, 'Download export', file, REGION.dialog)
}
