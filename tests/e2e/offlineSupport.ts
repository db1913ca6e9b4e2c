/** What the offline and update tests do as a person would, and what they read from the service worker's side. */
import { expect } from 'vitest'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { scratchDir } from '../support/media.ts'

export const PREVIEW = 'video[aria-label="Camera preview"]'

export async function waitForPreviewFrame(page: Page) {
  await page.waitForFunction((sel) => {
    const v = document.querySelector(sel) as HTMLVideoElement | null
    return !!v && v.readyState >= 2 && v.videoWidth > 0
  }, PREVIEW)
}

/** Waits until the app's service worker is active and controls the page (the first visit's worker claims it). */
export async function waitForServiceWorker(page: Page) {
  const state = () =>
    page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration()
      return { active: r?.active?.state ?? null, installing: !!r?.installing, controlled: !!navigator.serviceWorker.controller }
    })
  await expect.poll(state, { timeout: 30_000, interval: 250 }).toEqual({ active: 'activated', installing: false, controlled: true })
}

/** Absolute URLs in a Cache Storage cache of the page's origin (prefix match on the cache name). */
export async function cachedUrls(page: Page, cacheNamePrefix: string): Promise<string[]> {
  return page.evaluate(async (prefix) => {
    const names = (await caches.keys()).filter((n) => n.startsWith(prefix))
    const urls: string[] = []
    for (const n of names) for (const r of await (await caches.open(n)).keys()) urls.push(r.url)
    return urls
  }, cacheNamePrefix)
}

/** Element Plus draws its own switch over the input: click the switch, as a person does. */
export async function setSwitch(page: Page, name: string, on: boolean) {
  const input = page.getByRole('switch', { name })
  if ((await input.isChecked()) !== on) await page.locator('.el-switch', { has: input }).click()
  await expect.poll(() => input.isChecked()).toBe(on)
}

/** Opens the Record page by its nav link (no page load), picks the fake screen and starts recording. */
export async function startScreenRecording(page: Page) {
  await page.getByRole('link', { name: 'Record', exact: true }).click()
  await page.locator('label', { has: page.getByRole('radio', { name: 'Screen', exact: true }) }).click()
  await setSwitch(page, '3-second countdown before recording', false)
  await page.getByRole('button', { name: 'Choose screen' }).first().click()
  await page.locator('video[aria-label="Recording preview: Screen"]').waitFor()
  await page.getByRole('button', { name: 'Start recording' }).click()
  await page.getByText(/^REC /).waitFor()
}

/** Stops the recording and waits until the gallery holds it. */
export async function stopRecording(page: Page) {
  await page.getByRole('button', { name: 'Stop recording' }).click()
  await page.getByRole('status').filter({ hasText: 'Saved recording-' }).waitFor({ timeout: 30_000 })
}

export async function download(page: Page, button: string | RegExp, file: string): Promise<string> {
  const done = page.waitForEvent('download')
  await page.getByRole('button', { name: button }).click()
  const path = join(scratchDir(), file)
  await (await done).saveAs(path)
  return path
}

/** Picks an export format in the open recording's export panel. */
export async function chooseFormat(page: Page, format: 'MP4' | 'GIF' | 'WebM') {
  await page.locator('label', { has: page.getByRole('radio', { name: format }) }).click()
}

/** Exports the open recording in `format` and downloads the result. */
export async function exportAs(page: Page, format: 'MP4' | 'GIF', file: string): Promise<string> {
  await chooseFormat(page, format)
  await page.getByRole('button', { name: /^Export (MP4|GIF)$/ }).click()
  await page
    .getByRole('status')
    .filter({ hasText: `${format} ready` })
    .waitFor({ timeout: 90_000 })
  return download(page, 'Download export', file)
}
