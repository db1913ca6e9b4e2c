import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../support/chromium.ts'
import { stillClip, scratchDir } from '../support/media.ts'
import { decodeRgb, meanAbsDiff, mirrorRgb, videoRgb } from '../support/pixels.ts'
import { join } from 'node:path'

const baseURL = inject('baseURL')
const PREVIEW = 'video[aria-label="Camera preview"]'

async function waitForPreviewFrame(page: Page, selector = PREVIEW) {
  await page.waitForFunction((sel) => {
    const v = document.querySelector(sel) as HTMLVideoElement | null
    return !!v && v.readyState >= 2 && v.videoWidth > 0
  }, selector)
}

/** Opens an Element Plus select found by its accessible name (its input sits under the shown value). */
async function openSelect(page: Page, selectLabel: string) {
  await page.locator('.el-select', { has: page.getByRole('combobox', { name: selectLabel, exact: true }) }).click()
}

/** Picks an option of an Element Plus select found by its accessible name. */
async function choose(page: Page, selectLabel: string, optionText: string | RegExp) {
  await openSelect(page, selectLabel)
  await page.getByRole('option', { name: optionText }).filter({ visible: true }).first().click()
}

describe('Capture with the portrait clip as the camera', () => {
  let browser: Browser
  let page: Page
  let clip: string

  beforeAll(async () => {
    clip = await stillClip('portrait-astronaut.jpg', 640, 480)
    browser = await launchChromium({ videoFile: clip })
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(baseURL)
  })
  afterAll(async () => {
    await browser?.close()
  })

  test('the preview shows the camera picture', async () => {
    await waitForPreviewFrame(page)
    const W = 32
    const H = 24
    const expected = await decodeRgb(clip, W, H)
    const shown = await videoRgb(page, PREVIEW, W, H)
    const diff = meanAbsDiff(shown, expected)
    // The same check against the mirrored picture must fail, or it proves nothing.
    const mirroredDiff = meanAbsDiff(shown, mirrorRgb(expected, W, H))
    expect(diff).toBeLessThan(12)
    expect(mirroredDiff).toBeGreaterThan(diff * 2)
    await expect.poll(() => page.getByText('640×480').first().isVisible()).toBe(true)
  })

  test('the device lists hold the fake devices', async () => {
    await openSelect(page, 'Camera')
    await expect.poll(() => page.getByRole('option', { name: clip }).count()).toBeGreaterThan(0)
    await page.keyboard.press('Escape')
    await openSelect(page, 'Microphone')
    await expect.poll(() => page.getByRole('option', { name: 'Fake Audio Input 1' }).count()).toBeGreaterThan(0)
    await page.keyboard.press('Escape')
    await openSelect(page, 'Speaker')
    await expect.poll(() => page.getByRole('option', { name: 'Fake Audio Output 1' }).count()).toBeGreaterThan(0)
    await page.keyboard.press('Escape')
  })

  test('switching the microphone changes the live track', async () => {
    const live = page.getByTestId('mic-live')
    await expect.poll(() => live.textContent()).toMatch(/Fake Default Audio Input/)
    await choose(page, 'Microphone', 'Fake Audio Input 2')
    await expect.poll(() => live.textContent()).toMatch(/Fake Audio Input 2/)
  })

  test('a grayscale photo is grey, full size, and survives a reload', async () => {
    const grayscale = page.getByRole('checkbox', { name: 'Grayscale filter' })
    // Element Plus draws its own box over the native input: click the label, as a person does.
    await page.locator('label.el-checkbox', { has: grayscale }).click()
    await expect.poll(() => grayscale.isChecked()).toBe(true)
    await page.getByRole('button', { name: 'Take photo' }).click()
    const saved = page.getByRole('link', { name: /^Saved photo-.*Open gallery$/ })
    await saved.waitFor()
    await saved.click()
    await page.waitForURL('**/gallery')
    await page.reload()
    const tile = page.getByRole('button', { name: /^Open photo-.*\.png$/ })
    await expect.poll(() => tile.count()).toBe(1)
    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: /^Download photo-/ }).click()
    const file = join(scratchDir(), 'gray-photo.png')
    await (await download).saveAs(file)
    const rgb = await decodeRgb(file)
    expect(rgb.length).toBe(640 * 480 * 3)
    let maxSpread = 0
    let colourful = 0
    for (let i = 0; i < rgb.length; i += 3) {
      const spread = Math.max(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!) - Math.min(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!)
      maxSpread = Math.max(maxSpread, spread)
    }
    expect(maxSpread).toBe(0)
    // The camera picture itself is colourful (a flag, a blue suit): the grey comes from the filter.
    const original = await decodeRgb(clip)
    for (let i = 0; i < original.length; i += 3) if (Math.abs(original[i]! - original[i + 2]!) > 30) colourful++
    expect(colourful).toBeGreaterThan(1000)
  })

  test('a full quota says so, saves nothing, and the next photo saves once there is room', async () => {
    const context = await browser.newContext()
    try {
      const fresh = await context.newPage()
      await fresh.goto(baseURL)
      await waitForPreviewFrame(fresh)
      const origin = new URL(baseURL).origin
      const cdp = await context.newCDPSession(fresh)
      // A disk with no room left: the site's quota overridden to 1 KB.
      await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1024 })
      await fresh.getByRole('button', { name: 'Take photo' }).click()
      const alert = fresh.getByRole('alert').filter({ hasText: 'Storage is full' })
      await alert.waitFor()
      expect(await alert.textContent()).toMatch(/nothing was saved/)
      expect(await fresh.getByRole('link', { name: /^Saved photo-.*Open gallery$/ }).count()).toBe(0)
      await cdp.send('Storage.overrideQuotaForOrigin', { origin })
      await fresh.getByRole('button', { name: 'Take photo' }).click()
      await fresh.getByRole('link', { name: /^Saved photo-.*Open gallery$/ }).waitFor()
      expect(await fresh.evaluate(countPhotos)).toEqual({ items: 1, blobs: 1 })
    } finally {
      await context.close()
    }
  })

  test('a colour background replaces the backdrop, not the person, in the preview', async () => {
    await page.goto(baseURL)
    await waitForPreviewFrame(page)
    await page.locator('label', { has: page.getByRole('radio', { name: 'Colour' }) }).click()
    await expect.poll(() => page.getByTitle('Background processing speed').isVisible(), { timeout: 30_000 }).toBe(true)
    const W = 32
    const H = 24
    const blue = [0x1f, 0x6f, 0xeb]
    const distanceToBlue = async (x0: number, y0: number, x1: number, y1: number) => {
      const rgb = await videoRgb(page, PREVIEW, W, H)
      let sum = 0
      let n = 0
      for (let y = Math.floor(y0 * H); y < y1 * H; y++)
        for (let x = Math.floor(x0 * W); x < x1 * W; x++, n++)
          for (let c = 0; c < 3; c++) sum += Math.abs(rgb[(y * W + x) * 3 + c]! - blue[c]!)
      return sum / n / 3
    }
    // The backdrop (top right) turns the chosen colour once the model runs; the face (top centre) stays.
    await expect.poll(() => distanceToBlue(0.8, 0, 1, 0.25), { timeout: 30_000 }).toBeLessThan(25)
    expect(await distanceToBlue(0.42, 0.1, 0.58, 0.35)).toBeGreaterThan(60)
    await page.locator('label', { has: page.getByRole('radio', { name: 'None' }) }).click()
  })

  test("a photo taken with touch-up and a look on has the preview's pixels", async () => {
    await page.goto(baseURL)
    await waitForPreviewFrame(page)
    // No CSS filter (an earlier test left Grayscale on): the video element's frames are then what the preview shows.
    await page.getByRole('region', { name: 'Quick filters' }).getByRole('button', { name: 'None' }).click()
    const panel = page.getByTestId('appearance-panel')
    // Full touch-up (the slider's End key), and the Warm look.
    await panel.getByRole('slider', { name: 'Touch up my appearance' }).focus()
    await page.keyboard.press('End')
    await panel.getByRole('button', { name: 'Warm' }).click()
    const W = 640
    const H = 480
    const camera = mirrorRgb(await decodeRgb(clip, W, H), W, H)
    const redMinusBlue = (rgb: Uint8Array) => {
      let d = 0
      for (let i = 0; i < rgb.length; i += 3) d += rgb[i]! - rgb[i + 2]!
      return d / (rgb.length / 3)
    }
    // The preview shows the look (warm: red up, blue down) once the compositor runs, and the touch-up once the model has.
    await expect.poll(async () => redMinusBlue(await videoRgb(page, PREVIEW, 64, 48)) - redMinusBlue(await decodeRgb(clip, 64, 48)), { timeout: 30_000 }).toBeGreaterThan(15)
    await expect.poll(() => page.evaluate(() => document.querySelector('[data-testid="appearance-panel"] .el-tag')), { timeout: 30_000 }).toBeNull()
    await page.waitForTimeout(1500)
    const preview = mirrorRgb(await videoRgb(page, PREVIEW, W, H), W, H)
    await page.getByRole('button', { name: 'Take photo' }).click()
    await page.getByRole('link', { name: /^Saved photo-.*Open gallery$/ }).waitFor()
    const saved = page.getByRole('link', { name: /^Saved photo-.*Open gallery$/ })
    await saved.click()
    await page.waitForURL('**/gallery')
    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: /^Download photo-/ }).first().click()
    const file = join(scratchDir(), 'touch-up-photo.png')
    await (await download).saveAs(file)
    const photo = await decodeRgb(file)
    expect(photo.length).toBe(W * H * 3)
    const toPreview = meanAbsDiff(photo, preview)
    const toCamera = meanAbsDiff(photo, camera)
    console.log(`touch-up + warm photo: ${toPreview.toFixed(2)} from the preview, ${toCamera.toFixed(2)} from the camera`)
    // The photo (mirrored, as the preview shows it) is the preview's picture; the camera's own picture is far from it.
    expect(toPreview).toBeLessThan(1.5)
    expect(toCamera).toBeGreaterThan(toPreview * 4)
    // And it is touched up: the cheeks (the 512x512 portrait's 188..262 x 112..128, scaled by 1.25 and cropped
    // 80 px from the top into this 640x480 clip) are smoother than the camera's, in the same place.
    const cheekVariance = (rgb: Uint8Array) => {
      let sum = 0
      let n = 0
      for (const x0 of [235, 303]) {
        for (let by = 60; by < 80; by += 4) {
          for (let bx = x0; bx < x0 + 24; bx += 4) {
            let s1 = 0
            let s2 = 0
            for (let y = by; y < by + 4; y++) {
              for (let x = bx; x < bx + 4; x++) {
                const i = (y * W + (W - 1 - x)) * 3
                const l = 0.299 * rgb[i]! + 0.587 * rgb[i + 1]! + 0.114 * rgb[i + 2]!
                s1 += l
                s2 += l * l
              }
            }
            sum += s2 / 16 - (s1 / 16) ** 2
            n++
          }
        }
      }
      return sum / n
    }
    console.log(`cheek variance: camera ${cheekVariance(camera).toFixed(1)}, photo ${cheekVariance(photo).toFixed(1)}`)
    expect(cheekVariance(photo)).toBeLessThan(cheekVariance(camera) * 0.75)
    await page.goto(baseURL)
    await waitForPreviewFrame(page)
    await page.getByTestId('appearance-panel').getByRole('button', { name: 'None' }).click()
    await page.getByTestId('appearance-panel').getByRole('slider', { name: 'Touch up my appearance' }).focus()
    await page.keyboard.press('Home')
  })

  test('stopping a screen share returns to the camera', async () => {
    await page.goto(baseURL)
    await waitForPreviewFrame(page)
    await page.getByRole('button', { name: 'Share screen' }).click()
    const screen = 'video[aria-label="Screen preview"]'
    await waitForPreviewFrame(page, screen)
    await expect.poll(() => page.getByRole('button', { name: 'Stop sharing' }).isVisible()).toBe(true)
    // What the browser does on its own "Stop sharing" bar: the track ends and fires `ended`.
    await page.evaluate((sel) => {
      const track = ((document.querySelector(sel) as HTMLVideoElement).srcObject as MediaStream).getVideoTracks()[0]!
      track.stop()
      track.dispatchEvent(new Event('ended'))
    }, screen)
    await waitForPreviewFrame(page)
    await expect.poll(() => page.getByRole('button', { name: 'Share screen' }).isVisible()).toBe(true)
    expect(await page.getByRole('button', { name: 'Stop sharing' }).count()).toBe(0)
    expect(await page.locator(screen).count()).toBe(0)
  })
})

/** Items and blobs in the gallery's IndexedDB, read in the page. */
async function countPhotos(): Promise<{ items: number; blobs: number }> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open('media-studio')
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
  const count = (store: string) =>
    new Promise<number>((resolve, reject) => {
      const req = db.transaction(store).objectStore(store).count()
      req.onsuccess = () => resolve(req.result)
      req.onerror = () => reject(req.error)
    })
  const result = { items: await count('items'), blobs: await count('blobs') }
  db.close()
  return result
}

describe('Capture with two cameras', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchChromium({ cameras: 2 })
  })
  afterAll(async () => {
    await browser?.close()
  })

  test('switching camera changes the live track, and the choice survives a reload', async () => {
    const page = await browser.newPage()
    await page.goto(baseURL)
    await waitForPreviewFrame(page)
    const label = () =>
      page.evaluate(
        (sel) => ((document.querySelector(sel) as HTMLVideoElement).srcObject as MediaStream).getVideoTracks()[0]!.label,
        PREVIEW,
      )
    expect(await label()).toBe('fake_device_0')
    await choose(page, 'Camera', 'fake_device_1')
    await expect.poll(label).toBe('fake_device_1')
    await page.reload()
    await waitForPreviewFrame(page)
    expect(await label()).toBe('fake_device_1')
  })

  test('flip: no back camera on a desktop, so it says so and moves to the other camera', async () => {
    const page = await browser.newPage()
    await page.goto(baseURL)
    await waitForPreviewFrame(page)
    await page.getByRole('button', { name: 'Flip camera' }).click()
    await expect.poll(() => page.getByText(/cannot pick its back camera/).isVisible()).toBe(true)
    await waitForPreviewFrame(page)
  })
})

describe('Capture with camera permission blocked', () => {
  test('shows what happened and how to fix it, with a retry', async () => {
    const browser = await launchChromium({ grantPermissions: false })
    try {
      const page = await browser.newPage()
      await page.goto(baseURL)
      const alert = page.getByRole('alert').filter({ hasText: 'Camera access was blocked' })
      await alert.waitFor()
      expect(await alert.textContent()).toMatch(/Allow it from the icon in the address bar/)
      expect(await alert.getByRole('button', { name: 'Retry' }).isVisible()).toBe(true)
    } finally {
      await browser.close()
    }
  })
})
