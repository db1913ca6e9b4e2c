/**
 * Updates never break a recording: build A is served and a recording runs; build B is deployed (the server restarts
 * on the same port with B's files) and the browser finds it. B installs and waits; the recording goes on and is
 * saved whole; only then does the page offer "Update ready — reload", and only the click brings B.
 *
 * "Deploy" here is the real server restarted with another build; the app's update check (hourly, and when the tab
 * comes back into view) is run at once with registration.update(), which is all that timer does.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildAppVariant, startServer, type RunningServer } from '../support/appServer.ts'
import { launchChromiumPersistent } from '../support/chromium.ts'
import { decodeErrors, probe } from './recording/checks.ts'
import { download, startScreenRecording, stopRecording, waitForServiceWorker } from './offlineSupport.ts'

const BUILD_B = 'update-test-B'

const buildOf = (page: Page) => page.evaluate(() => document.documentElement.dataset.build)
/** A mark in the page's window: still there means the page was not reloaded. */
const markDocument = (page: Page) => page.evaluate(() => ((window as unknown as { __mark: boolean }).__mark = true))
const sameDocument = (page: Page) => page.evaluate(() => (window as unknown as { __mark?: boolean }).__mark === true)
const checkForUpdate = (page: Page) => page.evaluate(async () => void (await (await navigator.serviceWorker.getRegistration())!.update()))
const waitingWorker = (page: Page) => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state ?? null)
const prompt = (page: Page) => page.getByRole('status').filter({ hasText: 'Update ready' })

describe('Updates never break a recording (Chromium)', () => {
  let server: RunningServer
  let port: string
  let dirA: string
  let dirB: string
  let context: BrowserContext
  /** The name of build A, as its page reports it. */
  let buildA: string | undefined

  async function deploy(dir: string) {
    await server.stop()
    server = await startServer({ PORT: port, STATIC_DIR: dir })
  }

  beforeAll(async () => {
    dirA = process.env.MEDIA_STUDIO_TEST_DIST ?? 'dist'
    dirB = buildAppVariant({ MEDIA_STUDIO_BUILD: BUILD_B })
    server = await startServer({ STATIC_DIR: dirA })
    port = new URL(server.url).port
    context = await launchChromiumPersistent(
      mkdtempSync(join(tmpdir(), 'media-studio-profile-')),
      {},
      { viewport: { width: 1280, height: 900 } },
    )
  })
  afterAll(async () => {
    await context?.close()
    await server?.stop()
  })

  test('build B deployed mid-recording: the recording finishes intact, then "Update ready — reload" brings B', async () => {
    const page = context.pages()[0] ?? (await context.newPage())
    await page.goto(server.url)
    await waitForServiceWorker(page)
    buildA = await buildOf(page)
    expect(buildA).toBeTruthy()
    expect(buildA).not.toBe(BUILD_B)
    await markDocument(page)

    await startScreenRecording(page)
    await page.waitForTimeout(2000)
    await deploy(dirB)
    await checkForUpdate(page)
    await expect.poll(() => waitingWorker(page), { timeout: 60_000 }).toBe('installed')

    // B is installed and waiting, mid-recording: no prompt, no reload, still recording, for a good while.
    await page.waitForTimeout(3000)
    expect(await prompt(page).count()).toBe(0)
    expect(await sameDocument(page)).toBe(true)
    expect(await page.getByText(/^REC /).isVisible()).toBe(true)
    await stopRecording(page)

    // Now nothing runs: the prompt appears, and the page is still the one that recorded.
    await prompt(page).waitFor({ timeout: 15_000 })
    expect(await sameDocument(page)).toBe(true)
    expect(await buildOf(page)).toBe(buildA)

    // The recording is whole: ~7 s (2 s, the install, 3 s) and clean.
    await page.getByRole('link', { name: 'Open the gallery' }).click()
    await page
      .getByRole('button', { name: /^Open recording-/ })
      .first()
      .click()
    const file = await download(page, /^Download original/, 'update-original.mkv')
    const r = await probe(file)
    expect(r.durationS).toBeGreaterThan(5)
    expect(await decodeErrors(file)).toBe('')
    await page.keyboard.press('Escape')

    await prompt(page).getByRole('button', { name: 'Reload' }).click()
    await expect.poll(() => buildOf(page).catch(() => null), { timeout: 30_000 }).toBe(BUILD_B)
    expect(await sameDocument(page)).toBe(false)
    await page.getByRole('radio', { name: 'Recordings' }).locator('..').click()
    await expect.poll(() => page.getByRole('button', { name: /^Open recording-/ }).count()).toBe(1)
  })

  test('an update also waits for a recording in another tab, and the other tab is never reloaded for it', async () => {
    const [recorder, other] = [context.pages()[0]!, await context.newPage()]
    await recorder.goto(server.url)
    await other.goto(`${server.url}/gallery`)
    expect(await buildOf(other)).toBe(BUILD_B)
    await markDocument(recorder)
    await markDocument(other)

    await startScreenRecording(recorder)
    await recorder.waitForTimeout(1000)
    // Build A again is a new version for these tabs (its service worker differs from B's).
    await deploy(dirA)
    await checkForUpdate(other)
    await expect.poll(() => waitingWorker(other), { timeout: 60_000 }).toBe('installed')
    await other.waitForTimeout(3000)
    // The idle tab does not offer the update while the other tab records.
    expect(await prompt(other).count()).toBe(0)
    expect(await prompt(recorder).count()).toBe(0)

    await stopRecording(recorder)
    await prompt(other).waitFor({ timeout: 15_000 })
    await prompt(recorder).waitFor({ timeout: 15_000 })

    // The idle tab takes the update; the recording tab keeps its page (and offers the reload itself).
    await prompt(other).getByRole('button', { name: 'Reload' }).click()
    await expect.poll(() => buildOf(other).catch(() => null), { timeout: 30_000 }).toBe(buildA)
    expect(await sameDocument(other)).toBe(false)
    await recorder.waitForTimeout(2000)
    expect(await sameDocument(recorder)).toBe(true)
    expect(await buildOf(recorder)).toBe(BUILD_B)
    await prompt(recorder).waitFor({ timeout: 15_000 })
  })
})
