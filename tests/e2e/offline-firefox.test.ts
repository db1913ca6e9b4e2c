/**
 * Installable and offline in Firefox (Debian's firefox-esr over WebDriver BiDi, PulseAudio on a null sink so the
 * recording's sound mixes): the app is used once online (the service worker takes the page; an MP4 and a GIF export
 * cache the ffmpeg core and gif.js's worker it used), then the network is cut the hard way, BiDi's offline network
 * emulation on and the server stopped, and after a reload the app opens from the service worker and takes a photo,
 * records 5 s, and exports MP4 and GIF, each file checked by ffprobe/ffmpeg.
 *
 * The server runs here, not in globalSetup, because this file stops it; it serves the build globalSetup made.
 * (Chromium's own offline test, with installability and updates, is offline.test.ts and update.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Page } from 'puppeteer-core'
import { startServer, type RunningServer } from '../support/appServer.ts'
import { ensurePulseAudio, launchFirefox, type RunningFirefox } from '../support/firefox.ts'
import { decodeRgb } from '../support/pixels.ts'
import { decodeErrors, frameCount, probe } from './recording/checks.ts'
import { byRole, clickControlOf, download, exportAs, openPage, pageErrors, recordCamera, REGION, waitForVideo } from './firefoxSupport.ts'

const VENDOR_CACHE = 'media-studio-vendor'
const PREVIEW = 'video[aria-label="Camera preview"]'

/** URLs in the page origin's Cache Storage caches whose names start with `prefix`. */
function cachedUrls(page: Page, prefix: string): Promise<string[]> {
  return page.evaluate(async (p) => {
    const urls: string[] = []
    for (const n of (await caches.keys()).filter((k) => k.startsWith(p))) for (const r of await (await caches.open(n)).keys()) urls.push(r.url)
    return urls
  }, prefix)
}

/** Opens the recording named by its gallery tile in the Gallery's dialog. */
async function openRecording(page: Page, tile: string) {
  await page.locator(byRole('link', 'Gallery', REGION.nav)).click()
  await page.locator(byRole('button', tile, REGION.main)).click()
  await page.waitForSelector('.el-dialog .export', { timeout: 15_000 })
}

async function closeDialog(page: Page) {
  await page.keyboard.press('Escape')
  // Gone, its overlay included: while the overlay fades out it still takes the clicks meant for the page.
  await page.waitForFunction(
    () => !document.querySelector('.el-dialog .export') && [...document.querySelectorAll('.el-overlay')].every((o) => getComputedStyle(o).display === 'none'),
    { timeout: 10_000 },
  )
}

describe('Offline (Firefox)', () => {
  let server: RunningServer
  let ff: RunningFirefox
  let page: Page

  beforeAll(async () => {
    ensurePulseAudio()
    server = await startServer()
    ff = await launchFirefox()
    page = await openPage(ff, `${server.url}/record`)
  })
  afterAll(async () => {
    await ff?.close()
    await server?.stop()
  })

  test('online: the service worker takes the page, and one MP4 and one GIF export cache the files they used', async () => {
    await page.waitForFunction(
      async () => {
        const r = await navigator.serviceWorker.getRegistration()
        return r?.active?.state === 'activated' && !!navigator.serviceWorker.controller
      },
      { timeout: 30_000, polling: 250 },
    )
    const { tile } = await recordCamera(page, 2)
    await openRecording(page, tile)
    expect((await probe(await exportAs(page, 'MP4', 'ff-online.mp4'))).codecs).toContain('h264')
    await exportAs(page, 'GIF', 'ff-online.gif')
    await closeDialog(page)
    // The single-thread core is cached whichever core ran: used, or (after the multi-thread one loaded) fetched in the
    // background, because offline the multi-thread core may stall in Firefox and the export falls back to it.
    // The service worker answers first and writes its cache after: wait for the writes.
    await expect
      .poll(
        async () => {
          const urls = await cachedUrls(page, VENDOR_CACHE)
          const wanted = [/@ffmpeg\/core@[^/]+\/ffmpeg-core\.js$/, /@ffmpeg\/core@[^/]+\/ffmpeg-core\.wasm$/, /\/gif\.worker\.js$/]
          return wanted.filter((re) => !urls.some((u) => re.test(u))).map(String)
        },
        { timeout: 60_000 },
      )
      .toEqual([])
  }, 300_000)

  test('offline (BiDi network emulation on, the server stopped): the app opens from the service worker', async () => {
    await page.setOfflineMode(true)
    await server.stop()
    // Nothing answers at this address any more: a page that loads came from the service worker.
    await page.goto(`${server.url}/`)
    await waitForVideo(page, PREVIEW)
    const state = await page.evaluate(() => ({ online: navigator.onLine, controlled: !!navigator.serviceWorker.controller, isolated: crossOriginIsolated }))
    expect(state).toEqual({ online: false, controlled: true, isolated: true })
  })

  test('offline: a grayscale photo is taken, grey and full size', async () => {
    // Every wait of this test is long: unscoped, Firefox's role queries took 3-14 s each on the Capture page (see
    // byRole) and this test 18-97 s; scoped they take about 1 s, but a loaded CI machine slows Firefox down a lot.
    page.setDefaultTimeout(90_000)
    await page.waitForSelector(byRole('button', 'Take photo', REGION.toolbar), { timeout: 120_000 })
    await clickControlOf(page, 'checkbox', 'Grayscale filter', { within: REGION.filters, timeout: 90_000 })
    await page.locator(byRole('button', 'Take photo', REGION.toolbar)).click()
    const saved = await page.waitForSelector('::-p-text(Saved photo-)', { timeout: 90_000 })
    const photo = (await saved!.evaluate((e) => e.textContent!.trim())).replace(/^Saved /, '')
    const size = await page.$eval(PREVIEW, (v) => [(v as HTMLVideoElement).videoWidth, (v as HTMLVideoElement).videoHeight])
    await page.locator(byRole('link', 'Gallery', REGION.nav)).click()
    const file = await download(page, `Download ${photo}`, 'ff-offline-photo.png', REGION.main)
    const info = await probe(file)
    expect([info.width, info.height]).toEqual(size)
    const rgb = await decodeRgb(file)
    let maxSpread = 0
    for (let i = 0; i < rgb.length; i += 3) maxSpread = Math.max(maxSpread, Math.max(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!) - Math.min(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!))
    expect(maxSpread).toBe(0)
    page.setDefaultTimeout(30_000)
  }, 420_000)

  test('offline: a 5 s recording is saved and exports to MP4 and GIF that decode cleanly', async () => {
    await page.locator(byRole('link', 'Record', REGION.nav)).click()
    const { tile, wallS } = await recordCamera(page, 5)
    await openRecording(page, tile)
    const original = await download(page, 'Download original', 'ff-offline-original.webm', REGION.dialog)
    const o = await probe(original)
    expect(o.durationS).toBeGreaterThan(5 * 0.9)
    expect(o.durationS).toBeLessThanOrEqual(wallS)

    const mp4 = await exportAs(page, 'MP4', 'ff-offline.mp4')
    const m = await probe(mp4)
    expect([...m.codecs].sort()).toEqual(['aac', 'h264'])
    expect(Math.abs(m.durationS - o.durationS)).toBeLessThan(o.durationS * 0.1)
    expect(await decodeErrors(mp4)).toBe('')

    const gif = await exportAs(page, 'GIF', 'ff-offline.gif')
    const frames = await frameCount(gif)
    expect(frames).toBeGreaterThan(o.durationS * 10 * 0.85)
    expect(frames).toBeLessThan(o.durationS * 10 * 1.15)
    expect(await decodeErrors(gif)).toBe('')
    await closeDialog(page)
  }, 300_000)

  test('offline: the Call view says calls need a connection', async () => {
    await page.locator(byRole('link', 'Call', REGION.nav)).click()
    const alert = await page.waitForSelector('::-p-text(Calls need a connection)', { timeout: 15_000 })
    expect(await alert!.evaluate((e) => e.closest('[role="alert"]')?.textContent)).toMatch(/You are offline/)
    // The Call view's schemas parsed without Zod probing eval, which the CSP refuses (Firefox reported each probe).
    expect(pageErrors(page).filter((e) => e.includes('Content-Security-Policy'))).toEqual([])
  })
})
