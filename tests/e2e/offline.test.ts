/**
 * Installable and offline, in headless Chromium through the real server: the app is loaded once online (the service
 * worker installs and takes the page; an MP4 export caches the ffmpeg core), then the network is cut the hard way,
 * `context.setOffline(true)` and the server stopped, and the app must still open and do its work.
 *
 * The server runs here, not in globalSetup, because this file stops it; it serves the build globalSetup made.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { BrowserContext, CDPSession, Page } from 'playwright-core'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, type RunningServer } from '../support/appServer.ts'
import { launchChromiumPersistent } from '../support/chromium.ts'
import { ffprobeJson, stillClip } from '../support/media.ts'
import { decodeRgb } from '../support/pixels.ts'
import { decodeErrors, frameCount, probe } from './recording/checks.ts'
import {
  cachedUrls,
  chooseFormat,
  download,
  exportAs,
  startScreenRecording,
  stopRecording,
  waitForPreviewFrame,
  waitForServiceWorker,
} from './offlineSupport.ts'

const VENDOR_CACHE = 'media-studio-vendor'
const PRECACHE = 'workbox-precache'

describe('Installable and offline (Chromium)', () => {
  let server: RunningServer
  let port: string
  let context: BrowserContext
  let page: Page
  let clip: string
  let grantSession: CDPSession | undefined

  beforeAll(async () => {
    clip = await stillClip('portrait-astronaut.jpg', 640, 480)
    server = await startServer()
    port = new URL(server.url).port
    context = await launchChromiumPersistent(
      mkdtempSync(join(tmpdir(), 'media-studio-profile-')),
      { videoFile: clip },
      { viewport: { width: 1280, height: 900 } },
    )
    page = context.pages()[0] ?? (await context.newPage())
  })
  afterAll(async () => {
    await grantSession?.detach().catch(() => {})
    await context?.close()
    await server?.stop()
  })

  /** The network back: the same server again on the same port (same origin, so the same service worker). */
  async function goOnline() {
    server = await startServer({ PORT: port })
    await context.setOffline(false)
    await reopen('/')
    expect(await page.evaluate(() => navigator.onLine)).toBe(true)
  }
  async function goOffline() {
    await context.setOffline(true)
    await server.stop()
  }
  /**
   * The app opened again in a new tab, then reloaded. (A new tab, because Playwright's offline emulation does not
   * reach a tab that navigated before it was turned on: there navigator.onLine stays true after the next load.)
   */
  async function reopen(path = '/') {
    await page.close()
    page = await context.newPage()
    await page.goto(server.url + path)
    await page.reload()
  }

  test('Chromium finds the app installable, and every manifest icon loads at its stated size', async () => {
    await page.goto(server.url)
    await waitForServiceWorker(page)
    const cdp = await context.newCDPSession(page)
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: unknown[] }
    expect(installabilityErrors).toEqual([])
    const manifest = await page.evaluate(async () => {
      const href = document.querySelector<HTMLLinkElement>('link[rel="manifest"]')!.href
      return {
        href,
        json: (await (await fetch(href)).json()) as {
          display: string
          start_url: string
          theme_color: string
          icons: { src: string; sizes: string; purpose?: string }[]
        },
      }
    })
    expect(manifest.json.display).toBe('standalone')
    expect(manifest.json.start_url).toBe('/')
    expect(manifest.json.theme_color).toMatch(/^#[0-9a-f]{6}$/i)
    const sizes = manifest.json.icons.map((i) => i.sizes)
    // What Chromium/Android need to install (192, 512), plus the maskable one Android crops.
    expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']))
    expect(manifest.json.icons.some((i) => i.purpose === 'maskable')).toBe(true)
    for (const icon of manifest.json.icons) {
      const loaded = await page.evaluate(async (url) => {
        const res = await fetch(url)
        const bmp = await createImageBitmap(await res.blob())
        return { status: res.status, type: res.headers.get('content-type'), size: `${bmp.width}x${bmp.height}` }
      }, new URL(icon.src, manifest.href).href)
      expect(loaded).toEqual({ status: 200, type: 'image/png', size: icon.sizes })
    }
    await cdp.detach()
  })

  test('online: the app shell is precached, the heavy files are not, and one MP4 export caches the ffmpeg core', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)
    const precached = await cachedUrls(page, PRECACHE)
    expect(precached.some((u) => /\/index\.html/.test(u))).toBe(true)
    expect(precached.some((u) => /\/assets\/index-[\w-]+\.js/.test(u))).toBe(true)
    expect(precached.some((u) => /\/assets\/index-[\w-]+\.css/.test(u))).toBe(true)
    // Installing downloads none of the heavy files (ffmpeg cores, MediaPipe, gif.js worker).
    expect(precached.filter((u) => u.includes('/assets/vendor/'))).toEqual([])
    expect(await cachedUrls(page, VENDOR_CACHE)).toEqual([])

    // Persistent storage: the app asks for it (navigator.storage.persist()) when a recording is saved and the
    // Gallery's storage line shows the browser's answer. Chromium answers by heuristics (an installed app, a
    // bookmarked or much-used site, notifications allowed); this fresh automated profile has none of them, so it
    // refuses, and the line says the data may be cleared.
    expect(await page.evaluate(() => navigator.storage.persist())).toBe(false)
    await page.getByRole('link', { name: 'Gallery', exact: true }).click()
    await page.getByText(/ · the browser may clear it when the disk is nearly full$/).waitFor()
    // Simulated: Chromium's heuristics granting it (as they do for an installed app), by a DevTools permission
    // override for this exact origin. The override lasts only while the DevTools session that set it is attached
    // (detaching it clears the override, and persisted() is false again), so the session stays attached until this
    // page closes.
    const origin = new URL(server.url).origin
    grantSession = await context.newCDPSession(page)
    await grantSession.send('Browser.setPermission', { origin, permission: { name: 'persistent-storage' }, setting: 'granted' })
    await startScreenRecording(page)
    await page.waitForTimeout(2000)
    await stopRecording(page)
    await expect.poll(() => page.evaluate(() => navigator.storage.persisted())).toBe(true)
    await page.getByRole('link', { name: 'Open the gallery' }).click()
    await page.getByText(/ in \d+ items? · site storage .* · kept until you delete it$/).waitFor()
    await page
      .getByRole('button', { name: /^Open recording-/ })
      .first()
      .click()
    const mp4 = await exportAs(page, 'MP4', 'offline-online-export.mp4')
    expect((await probe(mp4)).codecs).toContain('h264')

    // The page is cross-origin isolated, so the multi-thread core ran and got cached, and the single-thread core it
    // falls back to was fetched in the background after it loaded, so the fallback works offline too.
    // (The service worker writes its cache after answering: wait for the writes, then read the whole cache.)
    const bothCores = (urls: string[]) =>
      urls.some((u) => /@ffmpeg\/core-mt@[^/]+\/ffmpeg-core\.wasm$/.test(u)) && urls.some((u) => /@ffmpeg\/core@[^/]+\/ffmpeg-core\.wasm$/.test(u))
    await expect
      .poll(async () => {
        const urls = await cachedUrls(page, VENDOR_CACHE)
        return bothCores(urls) && urls.some((u) => /@ffmpeg\/core@[^/]+\/ffmpeg-core\.js$/.test(u))
      }, { timeout: 60_000 })
      .toBe(true)
    const vendor = await cachedUrls(page, VENDOR_CACHE)
    expect(vendor.some((u) => /@ffmpeg\/core-mt@[^/]+\/ffmpeg-core\.worker\.js$/.test(u))).toBe(true)
    // Nothing else was cached: no GIF worker yet, no MediaPipe (only MP4 export has been used).
    expect(vendor.some((u) => u.includes('gif.worker.js'))).toBe(false)
    expect(vendor.some((u) => u.includes('selfie_segmentation'))).toBe(false)
    await page.keyboard.press('Escape')
  })

  test('offline (network emulation off and the server stopped): the app opens, cross-origin isolated', async () => {
    await goOffline()
    await reopen('/')
    await waitForPreviewFrame(page)
    const state = await page.evaluate(() => ({
      online: navigator.onLine,
      isolated: crossOriginIsolated,
      fromWorker: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).workerStart > 0,
    }))
    expect(state).toEqual({ online: false, isolated: true, fromWorker: true })
  })

  test('offline: a grayscale photo is taken and saved', async () => {
    const grayscale = page.getByRole('checkbox', { name: 'Grayscale filter' })
    await page.locator('label.el-checkbox', { has: grayscale }).click()
    await expect.poll(() => grayscale.isChecked()).toBe(true)
    await page.getByRole('button', { name: 'Take photo' }).click()
    await page.getByRole('link', { name: /^Saved photo-.*Open gallery$/ }).click()
    await page.waitForURL('**/gallery')
    await page.getByRole('radio', { name: 'Photos' }).locator('..').click()
    await expect.poll(() => page.getByRole('button', { name: /^Open photo-.*\.png$/ }).count()).toBe(1)
    const file = await download(page, /^Download photo-/, 'offline-photo.png')
    const j = (await ffprobeJson(file)) as { streams: { codec_name: string; width: number; height: number }[] }
    expect(j.streams[0]).toMatchObject({ codec_name: 'png', width: 640, height: 480 })
    const rgb = await decodeRgb(file)
    let maxSpread = 0
    for (let i = 0; i < rgb.length; i += 3)
      maxSpread = Math.max(maxSpread, Math.max(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!) - Math.min(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!))
    expect(maxSpread).toBe(0)
  })

  let recordingS = 0
  test('offline: a 5 s recording is saved and exports to MP4; GIF says it needs one online use first', async () => {
    await startScreenRecording(page)
    await page.waitForTimeout(5000)
    await stopRecording(page)
    await page.getByRole('link', { name: 'Open the gallery' }).click()
    await page
      .getByRole('button', { name: /^Open recording-/ })
      .first()
      .click()
    const original = await download(page, /^Download original/, 'offline-original.mkv')
    recordingS = (await probe(original)).durationS
    expect(recordingS).toBeGreaterThan(4.5)
    expect(recordingS).toBeLessThan(6.5)

    const mp4 = await exportAs(page, 'MP4', 'offline-export.mp4')
    const m = await probe(mp4)
    expect(m.codecs).toContain('h264')
    expect(Math.abs(m.durationS - recordingS)).toBeLessThan(recordingS * 0.1)
    expect(await decodeErrors(mp4)).toBe('')

    // gif.js's worker was never used online: the app says so instead of failing, and offers no export.
    await chooseFormat(page, 'GIF')
    await page.getByRole('alert').filter({ hasText: 'GIF export needs one online use first' }).waitFor()
    expect(await page.getByRole('button', { name: /^Export (MP4|GIF)$/ }).isDisabled()).toBe(true)
    await page.keyboard.press('Escape')
  })

  test('offline: person detection says it needs one online use first', async () => {
    await page.getByRole('link', { name: 'Capture', exact: true }).click()
    await page.locator('label', { has: page.getByRole('radio', { name: 'Blur' }) }).click()
    await page.getByRole('alert').filter({ hasText: 'Person detection needs one online use first' }).waitFor()
    await page.locator('label', { has: page.getByRole('radio', { name: 'None' }) }).click()
  })

  test('offline: the Call view says calls need a connection', async () => {
    await page.getByRole('link', { name: 'Call', exact: true }).click()
    const alert = page.getByRole('alert').filter({ hasText: 'Calls need a connection' })
    await alert.waitFor()
    expect(await alert.textContent()).toMatch(/You are offline/)
  })

  /** Turns the blurred background on (person detection) and waits until it runs, then off again. */
  async function blurOnce() {
    await page.getByRole('link', { name: 'Capture', exact: true }).click()
    await waitForPreviewFrame(page)
    await page.locator('label', { has: page.getByRole('radio', { name: 'Blur' }) }).click()
    await expect.poll(() => page.getByTitle('Background processing speed').isVisible(), { timeout: 60_000 }).toBe(true)
    // Used means loaded: the picture runs before the model is in (its heading says "loading model…" until then), and
    // turning the background off earlier stops the model's download, so nothing would be kept for offline use.
    await expect.poll(() => page.getByText('loading model…').count(), { timeout: 60_000 }).toBe(0)
    const alerts = await page.getByRole('alert').allTextContents()
    expect(
      alerts.filter((t) => t.includes('needs one online use first')),
      `cached: ${(await cachedUrls(page, VENDOR_CACHE)).join(' ')}`,
    ).toEqual([])
    await page.locator('label', { has: page.getByRole('radio', { name: 'None' }) }).click()
  }

  test('GIF export and person detection, used once online, work offline after that; the GIF is right', async () => {
    await goOnline()
    await blurOnce()
    await page.getByRole('link', { name: 'Gallery', exact: true }).click()
    await page
      .getByRole('button', { name: /^Open recording-/ })
      .first()
      .click()
    await exportAs(page, 'GIF', 'offline-online-export.gif')
    // The service worker answers first and writes its cache after (Workbox's CacheFirst, in waitUntil): wait for the
    // writes rather than read the cache at one instant.
    const cachedNames = async () => (await cachedUrls(page, VENDOR_CACHE)).map((u) => u.slice(u.lastIndexOf('/') + 1))
    await expect.poll(cachedNames, { timeout: 30_000 }).toEqual(expect.arrayContaining(['gif.worker.js', 'selfie_segmentation.binarypb']))
    // ...and the person-detection model itself (a .tflite the MediaPipe solution fetches on its own).
    await expect.poll(async () => (await cachedNames()).filter((n) => n.endsWith('.tflite')), { timeout: 30_000 }).toHaveLength(1)
    await page.keyboard.press('Escape')

    await goOffline()
    await reopen('/gallery')
    expect(await page.evaluate(() => navigator.onLine)).toBe(false)
    await page
      .getByRole('button', { name: /^Open recording-/ })
      .first()
      .click()
    const gif = await exportAs(page, 'GIF', 'offline-export.gif')
    const frames = await frameCount(gif)
    // 10 fps by default: about ten frames a second of the 5 s recording.
    expect(frames).toBeGreaterThan(recordingS * 10 * 0.85)
    expect(frames).toBeLessThan(recordingS * 10 * 1.15)
    await page.keyboard.press('Escape')
    await blurOnce()
  })

  test("a fresh profile offline gets the browser's own offline page, not a broken app", async () => {
    const fresh = await launchChromiumPersistent(mkdtempSync(join(tmpdir(), 'media-studio-profile-')), { videoFile: clip })
    try {
      await fresh.setOffline(true)
      const p = await fresh.newPage()
      const err = await p.goto(server.url).then(
        () => null,
        (e: Error) => e.message,
      )
      expect(err).toMatch(/net::ERR_INTERNET_DISCONNECTED/)
      // Chromium's own "No internet" page (chrome-error://, its <html class="offline">), not a half-loaded app.
      await expect.poll(() => p.url()).toMatch(/^chrome-error:/)
      await expect.poll(() => p.locator('html.offline').count()).toBe(1)
      expect(await p.locator('#app').count()).toBe(0)
    } finally {
      await fresh.close()
    }
  })
})
