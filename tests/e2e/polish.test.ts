/**
 * The issues a new user ran into, each driven through the UI as a person does (headless Chromium, fake camera
 * and microphone, the real server): a refused background file, photos in the same second, a quick start/stop of a
 * recording, the Gallery's confirm dialog and its item dialog on a laptop screen.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { launchChromium } from '../support/chromium.ts'
import { scratchDir, stillClip } from '../support/media.ts'
import { createRoomId } from '../../src/lib/signaling/client.ts'

const baseURL = inject('baseURL')

async function setSwitch(page: Page, name: string, on: boolean) {
  const input = page.getByRole('switch', { name })
  if ((await input.isChecked()) !== on) await page.locator('.el-switch', { has: input }).click()
  await expect.poll(() => input.isChecked()).toBe(on)
}

async function cameraReady(page: Page) {
  await page.waitForFunction(() => {
    const v = document.querySelector('video[aria-label="Camera preview"]') as HTMLVideoElement | null
    return !!v && v.readyState >= 2 && v.videoWidth > 0
  })
}

describe('bugs a new user hit', () => {
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let photoPage: Page

  beforeAll(async () => {
    const clip = await stillClip('portrait-astronaut.jpg', 640, 480)
    browser = await launchChromium({ videoFile: clip })
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })
    page = await context.newPage()
    await page.goto(baseURL)
    await cameraReady(page)
  })
  afterAll(async () => {
    await browser?.close()
  })

  test('1: a background file that is not a picture says so on Capture, with what to do', async () => {
    await page.locator('label', { has: page.getByRole('radio', { name: 'Image' }) }).click()
    const text = join(scratchDir(), 'notes.txt')
    writeFileSync(text, 'not a picture')
    await page.getByTestId('background-file').setInputFiles(text)
    const alert = page.getByTestId('background-error')
    await alert.waitFor({ timeout: 10_000 })
    expect(await alert.getByText('This background cannot be used').isVisible()).toBe(true)
    expect(await alert.textContent()).toMatch(/notes\.txt.*Choose a JPEG, PNG or WebP picture/)

    // A text file renamed .png: the name promises a picture, decoding says otherwise; that is said too.
    const fake = join(scratchDir(), 'fake.png')
    writeFileSync(fake, 'still not a picture')
    await page.getByTestId('background-file').setInputFiles(fake)
    await expect.poll(() => alert.textContent(), { timeout: 10_000 }).toMatch(/fake\.png/)
    await page.locator('label', { has: page.getByRole('radio', { name: 'None' }) }).click()
  })

  test('the filter strip under the preview: one click applies a look live, and its slider sets the strength', async () => {
    const strip = page.getByRole('region', { name: 'Quick filters' })
    await strip.getByRole('button', { name: 'Sepia' }).click()
    await expect.poll(() => strip.getByRole('button', { name: 'Sepia' }).getAttribute('aria-pressed')).toBe('true')
    const filter = () => page.locator('video[aria-label="Camera preview"]').evaluate((v) => (v as HTMLVideoElement).style.filter)
    await expect.poll(filter).toBe('sepia(100%)')
    // The thumbnails are live: they play the camera.
    const playing = await strip.locator('video').evaluateAll((vs) => vs.filter((v) => (v as HTMLVideoElement).readyState >= 2).length)
    expect(playing).toBe(11)
    const slider = strip.getByRole('slider', { name: 'Sepia strength' })
    await slider.focus()
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft')
    await expect.poll(filter).toBe('sepia(90%)')
    await strip.getByRole('button', { name: 'None' }).click()
    await expect.poll(filter).toBe('none')
  })

  test('the resolution picker says what the camera delivers when it is not what was chosen', async () => {
    // The fake camera plays a 640×480 clip whatever is asked; 720p is the default choice.
    const note = page.getByTestId('resolution-mismatch')
    await note.waitFor()
    expect(await note.textContent()).toContain('640×480')
  })

  test('2: photos taken in the same second get different names, and "Saved" names each one', async () => {
    // Every photo in this test is taken "at" the same instant: Date is fixed (timers keep running), in a context of
    // its own so the other tests keep a real clock.
    const own = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })
    await own.clock.setFixedTime(new Date(2026, 10, 29, 10, 15, 2))
    photoPage = await own.newPage()
    const page = photoPage
    await page.goto(baseURL)
    await cameraReady(page)
    const take = page.getByRole('button', { name: 'Take photo' })
    const saved = page.getByRole('link', { name: /^Saved photo-/ })
    const names: string[] = []
    let before = ''
    for (let i = 0; i < 3; i++) {
      await expect.poll(() => take.isEnabled()).toBe(true)
      await take.click()
      // "Saved …" must change with each photo: the same text would read as if the second shot was not saved.
      await expect.poll(async () => ((await saved.count()) ? await saved.textContent() : ''), { timeout: 15_000 }).not.toBe(before)
      before = (await saved.textContent()) ?? ''
      names.push(/Saved (photo-\S+?\.png)/.exec(before)![1]!)
    }
    expect(names).toEqual(['photo-2026-11-29_10-15-02.png', 'photo-2026-11-29_10-15-02-2.png', 'photo-2026-11-29_10-15-02-3.png'])
    await page.goto(`${baseURL}/gallery`)
    const tiles = page.getByRole('button', { name: /^Open photo-2026-11-29_10-15-02/ })
    await expect.poll(() => tiles.count()).toBe(3)
    const accessible = await tiles.evaluateAll((els) => els.map((e) => e.textContent?.trim()))
    expect(new Set(accessible).size).toBe(3)
  })

  test('5: the Gallery’s confirm dialog is styled (its CSS is in the build)', async () => {
    const page = photoPage
    await page.goto(`${baseURL}/gallery`)
    await page.locator('.tile').first().waitFor()
    const photosBefore = await page.getByRole('button', { name: /^Open photo-/ }).count()
    await page
      .getByRole('button', { name: /^Delete photo-/ })
      .first()
      .click()
    // Element Plus puts role="dialog" on a full-screen wrapper; the box itself is .el-message-box inside it.
    const box = page.getByRole('dialog', { name: 'Delete' }).locator('.el-message-box')
    await box.waitFor()
    const style = await box.evaluate((el) => {
      const s = getComputedStyle(el)
      return { bg: s.backgroundColor, radius: s.borderTopLeftRadius, width: el.getBoundingClientRect().width }
    })
    // Unstyled, the box is a transparent block as wide as the page.
    expect(style.bg).toBe('rgb(255, 255, 255)')
    expect(style.radius).not.toBe('0px')
    expect(style.width).toBeLessThan(600)
    await box.getByRole('button', { name: 'Delete' }).click()
    await expect.poll(() => page.getByRole('button', { name: /^Open photo-/ }).count()).toBe(photosBefore - 1)
    await page.context().close()
  })

  test('3: quick start/stop with R keeps no empty recording, and says why', async () => {
    await page.goto(`${baseURL}/record`)
    await page.locator('label', { has: page.getByRole('radio', { name: 'Camera', exact: true }) }).click()
    await setSwitch(page, '3-second countdown before recording', false)
    const start = page.getByRole('button', { name: 'Start recording' })
    await expect
      .poll(async () => ((await start.isEnabled()) ? 'ready' : await page.locator('main').innerText()), { timeout: 20_000 })
      .toBe('ready')
    // Three times: R starts, and 150 ms after the recording began, R stops it (what a double press does).
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('r')
      await page.getByText(/^REC /).waitFor({ timeout: 10_000 })
      await page.waitForTimeout(150)
      await page.keyboard.press('r')
      await expect.poll(() => start.isEnabled(), { timeout: 20_000 }).toBe(true)
    }
    await page.getByTestId('too-short').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('too-short').textContent()).toMatch(/shorter than 1 s, so it was not kept/)
    await page.goto(`${baseURL}/gallery`)
    await page.getByRole('heading', { name: 'Gallery' }).waitFor()
    await page.locator('.el-empty, .tile').first().waitFor()
    expect(await page.getByRole('button', { name: /^Open recording-/ }).count()).toBe(0)
  })

  test('errors on screen are shown in the new language when the person switches language', async () => {
    // Each error is kept as a message key and values, so the switch re-renders it; a text made when the error
    // happened would stay English. A context of its own (en), so the others keep their language.
    const own = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })
    let p = await own.newPage()
    const toChinese = async (on: Page) => {
      await on.getByRole('group', { name: 'Language' }).getByRole('button', { name: '中文' }).click()
      await expect.poll(() => on.evaluate(() => document.documentElement.lang)).toBe('zh-CN')
    }
    // Capture: a refused background file.
    await p.goto(baseURL)
    await cameraReady(p)
    await p.locator('label', { has: p.getByRole('radio', { name: 'Image' }) }).click()
    const text = join(scratchDir(), 'notes.txt')
    writeFileSync(text, 'not a picture')
    await p.getByTestId('background-file').setInputFiles(text)
    const alert = p.getByTestId('background-error')
    await expect.poll(() => alert.textContent(), { timeout: 10_000 }).toMatch(/"notes\.txt" is not a picture or a video/)
    await toChinese(p)
    await expect.poll(() => alert.textContent()).toMatch(/无法使用这个背景.*“notes\.txt”不是图片或视频/)
    expect(await alert.textContent()).not.toMatch(/is not a picture/)
    await own.close()

    // Capture: person detection whose model cannot load (its files refused; no service worker to serve them). The
    // worker reports why in the browser's words; the sentence around them is the page's, in the page's language.
    const noModel = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', serviceWorkers: 'block' })
    await noModel.route(/selfie_segmentation[^/]*\.(tflite|wasm|binarypb|data)(\?|$)/, (route) => route.abort())
    const m = await noModel.newPage()
    await m.goto(baseURL)
    await cameraReady(m)
    await m.locator('label', { has: m.getByRole('radio', { name: 'Blur' }) }).click()
    const modelError = m.getByTestId('background-error')
    await expect
      .poll(() => modelError.textContent(), { timeout: 30_000 })
      .toMatch(/The segmentation model could not be loaded: .+\. The camera is shown/)
    await toChinese(m)
    await expect.poll(() => modelError.textContent()).toMatch(/无法加载人像分割模型：.+。摄像头画面将不带背景显示。/)
    expect(await modelError.textContent()).not.toMatch(/could not be loaded|camera is shown/)
    await noModel.close()

    // Record: a recording too short to keep (a fresh context, in English).
    const own2 = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })
    p = await own2.newPage()
    await p.goto(`${baseURL}/record`)
    await p.locator('label', { has: p.getByRole('radio', { name: 'Camera', exact: true }) }).click()
    await setSwitch(p, '3-second countdown before recording', false)
    const start = p.getByRole('button', { name: 'Start recording' })
    await expect.poll(() => start.isEnabled(), { timeout: 20_000 }).toBe(true)
    const short = p.getByTestId('too-short')
    // The precondition, a recording too short to keep: on a loaded machine a 150 ms one may also end with no data at
    // all (another message), so it is tried up to three times.
    for (let i = 0; i < 3 && !(await short.count()); i++) {
      await p.keyboard.press('r')
      await p.locator('.rec-badge').waitFor({ timeout: 10_000 })
      await p.waitForTimeout(150)
      await p.keyboard.press('r')
      await expect.poll(() => start.isEnabled(), { timeout: 20_000 }).toBe(true)
      await p.waitForTimeout(300)
    }
    await expect.poll(() => short.textContent(), { timeout: 20_000 }).toMatch(/shorter than 1 s, so it was not kept/)
    await toChinese(p)
    await expect.poll(() => short.textContent()).toMatch(/这段录像不到 1 秒，所以没有保存/)
    await own2.close()
  })

  test('a media error (camera blocked) is shown in the new language after a switch', async () => {
    // Chromium without its fake "allow" answer: every camera and microphone request is refused, as "Block" does.
    const blocked = await launchChromium({ grantPermissions: false })
    try {
      const p = await (await blocked.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })).newPage()
      await p.goto(baseURL)
      const camera = p
        .getByRole('alert')
        .filter({ hasText: /Camera unavailable|无法使用摄像头/ })
        .first()
      await expect.poll(() => camera.textContent(), { timeout: 15_000 }).toMatch(/Camera access was blocked/)
      await p.getByRole('group', { name: 'Language' }).getByRole('button', { name: '中文' }).click()
      await expect.poll(() => camera.textContent()).toMatch(/无法使用摄像头.*摄像头权限被拒绝/)
    } finally {
      await blocked.close()
    }
  })

  test('6: at 1280×800 the item dialog shows its actions without scrolling', async () => {
    await page.goto(`${baseURL}/record`)
    const start = page.getByRole('button', { name: 'Start recording' })
    await expect.poll(() => start.isEnabled(), { timeout: 20_000 }).toBe(true)
    await start.click()
    await page.getByText(/^REC /).waitFor()
    await page.waitForTimeout(2500)
    await page.getByRole('button', { name: 'Stop recording' }).click()
    await page.getByRole('status').filter({ hasText: 'Saved recording-' }).waitFor({ timeout: 30_000 })
    await page.goto(`${baseURL}/gallery`)
    await page
      .getByRole('button', { name: /^Open recording-/ })
      .first()
      .click()
    const dialog = page.getByRole('dialog', { name: /^recording-/ })
    await dialog.locator('video').waitFor()
    await page.waitForTimeout(300)
    for (const name of [/^Export (MP4|WebM|GIF)$/, /^Download (original|MP4)/, /^Delete$/]) {
      const b = await dialog.getByRole('button', { name }).first().boundingBox()
      expect(b, String(name)).not.toBeNull()
      expect(b!.y + b!.height, String(name)).toBeLessThanOrEqual(800)
    }
  })

  test('the one-time "works offline" note is part of the page: in a call it covers no control, nor the chat sheet on a phone', async () => {
    /** What a tap at the middle of each element would hit: itself, or (listed) something lying over it. */
    const covered = (p: Page, selector: string) =>
      p.evaluate((sel) => {
        const found = [...document.querySelectorAll(sel)]
        return {
          found: found.length,
          covered: found.flatMap((el) => {
            const r = el.getBoundingClientRect()
            const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
            return hit && el.contains(hit)
              ? []
              : [`${el.getAttribute('data-control') ?? el.id} under "${(hit?.textContent ?? '').slice(0, 50)}"`]
          }),
        }
      }, selector)
    // A fresh profile each: the service worker installs on this first visit, and the note shows once it has.
    for (const [size, options] of [
      ['1100x800', { viewport: { width: 1100, height: 800 } }],
      ['375x812', { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true }],
    ] as const) {
      const fresh = await browser.newContext({ ...options, locale: 'en-US' })
      const call = await fresh.newPage()
      await call.goto(`${baseURL}/call/${createRoomId()}`)
      await call.getByLabel('Your name').fill('Ann')
      await call.getByRole('button', { name: 'Join call' }).click()
      const note = call.getByRole('status').filter({ hasText: 'Media Studio now works offline' })
      await note.waitFor({ timeout: 30_000 })
      const controls = await covered(call, '[data-control]')
      expect(controls.found, size).toBeGreaterThan(4)
      expect(controls.covered, size).toEqual([])
      if (size === '375x812') {
        // On a phone the chat is a sheet from the bottom of the screen, its input at the bottom.
        await call.locator('[data-control="chat"]').click()
        await call.locator('#chat-input').waitFor()
        expect(await note.isVisible(), 'the note still shows').toBe(true)
        expect((await covered(call, '#chat-input')).covered, size).toEqual([])
      }
      await fresh.close()
    }
  })
})
