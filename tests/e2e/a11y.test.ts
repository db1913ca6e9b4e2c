/**
 * Accessibility, checked by axe-core in the real app (headless Chromium, fake devices): every view, in a call, and
 * each dialog, in English and in Chinese (the browser's language picks it, as for a person), with 0 serious or
 * critical findings. And the main flows with the keyboard alone, each focused control showing a focus ring.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium } from '../support/chromium.ts'
import { stillClip } from '../support/media.ts'
import { axeSerious } from '../support/axe.ts'
import { createRoomId } from '../../src/lib/signaling/client.ts'

const baseURL = inject('baseURL')

const T = {
  en: {
    take: 'Take photo',
    gallery: 'Gallery',
    del: 'Delete',
    join: 'Join call',
    name: 'Your name',
    chat: 'Chat and files',
    stats: 'Connection statistics',
    record: 'Start recording',
    camera: 'Camera',
  },
  'zh-CN': {
    take: '拍照',
    gallery: '相册',
    del: '删除',
    join: '加入通话',
    name: '你的名字',
    chat: '聊天',
    stats: '统计',
    record: '开始录制',
    camera: '摄像头',
  },
} as const

async function expectClean(page: Page, where: string) {
  const found = await axeSerious(page)
  expect(found, `${where}: ${JSON.stringify(found, null, 1)}`).toEqual([])
}

async function cameraReady(page: Page) {
  await page.waitForFunction(() => {
    const v = document.querySelector('main video') as HTMLVideoElement | null
    return !!v && v.readyState >= 2 && v.videoWidth > 0
  })
}

const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true },
} as const

/** One browser per language; each screen size in a context of its own (its own storage, so its own gallery). */
describe.each(['en', 'zh-CN'] as const)('axe in %s', (lang) => {
  const L = T[lang]
  let browser: Browser

  beforeAll(async () => {
    const clip = await stillClip('portrait-astronaut.jpg', 640, 480)
    browser = await launchChromium({ videoFile: clip })
  })
  afterAll(async () => {
    await browser?.close()
  })

  describe.each(['desktop', 'phone'] as const)('at %s size', (size) => {
    let context: BrowserContext
    let page: Page

    beforeAll(async () => {
      context = await browser.newContext({ ...VIEWPORTS[size], locale: lang })
      page = await context.newPage()
    })
    afterAll(async () => {
      await context?.close()
    })

    test('the browser language picks the app language', async () => {
      await page.goto(baseURL)
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang)
      await page.getByRole('button', { name: L.take }).waitFor()
    })

    test('Capture, with the camera on and a photo taken', async () => {
      await cameraReady(page)
      await expectClean(page, 'capture')
      await page.getByRole('button', { name: L.take }).click()
      await page.locator('.last-photo').waitFor()
      await expectClean(page, 'capture after a photo')
    })

    test('Record, camera source, while recording, and the recovery prompt for a recording a closed tab left', async () => {
      await page.goto(`${baseURL}/record`)
      await page.locator('label', { has: page.getByRole('radio', { name: L.camera, exact: true }) }).click()
      const start = page.getByRole('button', { name: L.record })
      await cameraReady(page)
      await expect.poll(() => start.isEnabled(), { timeout: 20_000 }).toBe(true)
      await expectClean(page, 'record')
      // A recording for the Gallery's export (the countdown, then 2 s).
      await start.click()
      await page.locator('.rec-badge').waitFor({ timeout: 15_000 })
      await expectClean(page, 'record, recording')
      await page.waitForTimeout(2000)
      await page.keyboard.press('r')
      await expect.poll(() => start.isEnabled(), { timeout: 30_000 }).toBe(true)
      await page.locator('[role="status"] a[href="/gallery"]').first().waitFor({ timeout: 30_000 })

      // A second one, left unfinished by closing its tab: a new tab offers to recover it.
      await start.click()
      await page.locator('.rec-badge').waitFor({ timeout: 15_000 })
      await page.waitForTimeout(1500)
      await page.close()
      page = await context.newPage()
      await page.goto(`${baseURL}/record`)
      const prompt = page.locator('.el-dialog', { has: page.locator('.list li') })
      await prompt.waitFor({ timeout: 15_000 })
      await expectClean(page, 'recovery prompt')
      await prompt.locator('.list li').first().getByRole('button').first().click() // Discard
      // The row goes once the discard is stored; leaving earlier (the next test navigates) could cut it short.
      await expect.poll(() => page.locator('.el-dialog .list li').count()).toBe(0)
      await page.keyboard.press('Escape')
    })

    test('Gallery, the photo and recording dialogs, an export and its result, rename and delete dialogs, empty', async () => {
      await page.goto(`${baseURL}/gallery`)
      await page.getByRole('heading', { name: L.gallery }).waitFor()
      await expect.poll(() => page.locator('.tile').count()).toBe(2)
      await expectClean(page, 'gallery')

      await page.locator('.tile:not(:has(.duration)) .thumb').click()
      await page.locator('.el-dialog .full img').waitFor()
      await expectClean(page, 'gallery photo dialog')
      await page.keyboard.press('Escape')
      await expect.poll(() => page.locator('.el-dialog .full img').count()).toBe(0)

      await page.locator('.tile:has(.duration) .thumb').click()
      const dialog = page.locator('.el-dialog', { has: page.locator('.export') })
      await dialog.locator('.full video').waitFor()
      await expectClean(page, 'gallery recording dialog')
      await dialog.locator('.export .row .el-button--primary').click()
      await dialog.locator('.export .result[role="status"]').waitFor({ timeout: 60_000 })
      await expectClean(page, 'export result')
      await page.keyboard.press('Escape')
      await expect.poll(() => page.locator('.el-dialog .full video').count()).toBe(0)

      await page.locator('.tile .tile-actions .el-button').nth(1).click() // Rename
      await page.locator('.el-message-box').waitFor()
      await expectClean(page, 'rename prompt')
      await page.keyboard.press('Escape')
      await expect.poll(() => page.locator('.el-message-box').count()).toBe(0)

      await page.locator('.tile button', { hasText: L.del }).first().click()
      await page.locator('.el-message-box').waitFor()
      await expectClean(page, 'delete confirm')
      await page.locator('.el-message-box').getByRole('button', { name: L.del }).click()
      await expect.poll(() => page.locator('.tile').count()).toBe(1)
      await page.locator('.tile button', { hasText: L.del }).first().click()
      await page.locator('.el-message-box').getByRole('button', { name: L.del }).click()
      await page.locator('.el-empty').waitFor()
      await expectClean(page, 'gallery empty')
    })

    test('Call: landing, pre-join, in the call, each side panel (a sheet on a phone), another tab, a group call (grid), full, left', async () => {
      await page.goto(`${baseURL}/call`)
      await page.locator('.landing h1').waitFor()
      await expectClean(page, 'call landing')
      const room = createRoomId()
      await page.goto(`${baseURL}/call/${room}`)
      await page.getByLabel(L.name).fill('Ada')
      await cameraReady(page)
      await expectClean(page, 'pre-join')
      await page.getByRole('button', { name: L.join }).click()
      const otherContext = await browser.newContext({ locale: lang })
      const other = await otherContext.newPage()
      await other.goto(`${baseURL}/call/${room}`)
      await other.getByLabel(L.name).fill('Bo')
      await other.getByRole('button', { name: L.join }).click()
      await page.waitForFunction(() => {
        const v = document.querySelector('[data-testid="remote-video"] video') as HTMLVideoElement | null
        return !!v && v.readyState >= 2 && v.videoWidth > 0
      })
      await expectClean(page, 'in call')
      await page.getByRole('button', { name: L.chat }).click()
      await page.locator('#chat-input').fill('hello')
      await page.keyboard.press('Enter')
      await page.locator('.side').getByText('hello').first().waitFor()
      await expectClean(page, 'in call, chat')
      for (const panel of ['stats', 'background', 'devices']) {
        // On a phone the open sheet covers the controls: it is closed first, as a person does.
        await page.locator('.side-head button').click()
        await expect.poll(() => page.locator('.side').count()).toBe(0)
        await page.locator(`[data-control="${panel}"]`).click()
        await expect.poll(() => page.locator('.side').count()).toBe(1)
        await expectClean(page, `in call, ${panel} panel`)
      }
      // The other states of the room: the link opened in a fresh tab of this browser, a third person, full, leaving.
      const fresh = await context.newPage()
      await fresh.goto(page.url())
      await fresh.getByTestId('call-elsewhere').waitFor({ timeout: 10_000 })
      await expectClean(fresh, 'call joined from another tab')
      await fresh.close()
      // A third person: the stage becomes a grid of everyone.
      const thirdContext = await browser.newContext({ ...VIEWPORTS[size], locale: lang })
      const third = await thirdContext.newPage()
      await third.goto(page.url())
      await third.getByLabel(L.name).fill('Cy')
      await third.getByRole('button', { name: L.join }).click()
      await page.waitForFunction(() => document.querySelectorAll('.tiles [data-testid="remote-video"] video').length === 2)
      await expectClean(page, 'in a group call (grid)')
      await thirdContext.close()
      // The room answers "full". Filling it for real takes four more pages; the server's answer is simulated on
      // this page's WebSocket instead (its `join` is answered with `full` and not passed on).
      const fullContext = await browser.newContext({ ...VIEWPORTS[size], locale: lang })
      await fullContext.routeWebSocket(/\/socket\.io\//, (ws) => {
        const server = ws.connectToServer()
        ws.onMessage((m) => {
          const text = String(m)
          if (text.startsWith('42["join"')) ws.send(`42${JSON.stringify(['full', (JSON.parse(text.slice(2)) as string[])[1]])}`)
          else server.send(m)
        })
        server.onMessage((m) => ws.send(m))
      })
      const full = await fullContext.newPage()
      await full.goto(page.url())
      await full.getByLabel(L.name).fill('Di')
      await full.getByRole('button', { name: L.join }).click()
      await full.locator('section.out h1').waitFor({ timeout: 15_000 })
      await expectClean(full, 'call full')
      await fullContext.close()
      await page.locator('.side-head button').click()
      await page.locator('[data-control="leave"]').click()
      await page.locator('section.out h1').waitFor({ timeout: 10_000 })
      await expectClean(page, 'call left')
      await otherContext.close()
    })
  })
})

describe('keyboard only', () => {
  let browser: Browser
  let page: Page
  beforeAll(async () => {
    browser = await launchChromium({})
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })).newPage()
  })
  afterAll(async () => {
    await browser?.close()
  })

  /** Presses Tab until the focused element matches, checking each stop shows a focus ring. */
  async function tabTo(name: RegExp, max = 80) {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab')
      const f = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null
        if (!el || el === document.body) return null
        const ring = (e: Element) => {
          const s = getComputedStyle(e)
          return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none'
        }
        // Element Plus puts the focus on a hidden input and draws the ring on the control around it.
        const drawn = [
          el,
          el.parentElement,
          el.parentElement?.parentElement,
          el.closest('.el-switch, .el-radio-button, .el-checkbox, .el-select__wrapper, .el-slider__button-wrapper'),
        ].some((e) => !!e && ring(e))
        const field = el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement
        const name =
          el.getAttribute('aria-label') || (field ? el.value || el.labels?.[0]?.textContent?.trim() : el.textContent?.trim()) || el.tagName
        return { name, drawn }
      })
      if (!f) continue
      expect(f.drawn, `focus ring on ${f.name}`).toBe(true)
      if (name.test(f.name)) return
    }
    throw new Error(`never reached ${name}`)
  }

  test('take a photo and open it in the gallery with the keyboard alone', async () => {
    await page.goto(baseURL)
    await cameraReady(page)
    await tabTo(/^Take photo$/)
    await page.keyboard.press('Enter')
    await page.locator('.last-photo').waitFor()
    await page.goto(`${baseURL}/gallery`)
    await page.locator('.tile').first().waitFor()
    await tabTo(/^Open photo-/)
    await page.keyboard.press('Enter')
    await page.locator('.el-dialog .full img').waitFor()
    await page.keyboard.press('Escape')
    await expect.poll(() => page.locator('.el-dialog .full img').count()).toBe(0)
  })

  test('start and stop a recording with the keyboard', async () => {
    await page.goto(`${baseURL}/record`)
    // The source: Tab to its radio group, arrows to "Camera" (as a radio group works with a keyboard).
    await tabTo(/^(screen|camera|pip)$/)
    for (let i = 0; i < 3 && !(await page.getByRole('radio', { name: 'Camera', exact: true }).isChecked()); i++)
      await page.keyboard.press('ArrowRight')
    expect(await page.getByRole('radio', { name: 'Camera', exact: true }).isChecked()).toBe(true)
    await tabTo(/^Start recording$/)
    await page.keyboard.press('Enter')
    await page.getByText(/^REC /).waitFor({ timeout: 10_000 })
    await page.waitForTimeout(1500)
    await page.keyboard.press('r')
    await page.getByRole('status').filter({ hasText: 'Saved recording-' }).waitFor({ timeout: 30_000 })
  })

  test('export the recording from the Gallery with the keyboard: open it, choose WebM, export, download the result', async () => {
    await page.goto(`${baseURL}/gallery`)
    await page.locator('.tile').first().waitFor()
    await tabTo(/^Open recording-/)
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: /^recording-/ })
    await dialog.locator('video').waitFor()
    // The format: Tab to its radio group, arrows to WebM.
    await tabTo(/^(webm|mp4|gif)$/)
    const webm = dialog.getByRole('radio', { name: 'WebM' })
    for (let i = 0; i < 3 && !(await webm.isChecked()); i++) await page.keyboard.press('ArrowLeft')
    expect(await webm.isChecked()).toBe(true)
    await tabTo(/^Export WEBM$/)
    await page.keyboard.press('Enter')
    const result = dialog.locator('.result[role="status"]')
    await result.waitFor({ timeout: 60_000 })
    expect(await result.textContent()).toMatch(/^\s*WEBM ready: /)
    await tabTo(/^Download export$/)
    const download = page.waitForEvent('download')
    await page.keyboard.press('Enter')
    expect((await download).suggestedFilename()).toMatch(/^recording-.*\.webm$/)
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count()).toBe(0)
  })

  test('join a call and send a chat message with the keyboard alone', async () => {
    const room = createRoomId()
    await page.goto(`${baseURL}/call/${room}`)
    await tabTo(/^Your name$/)
    await page.keyboard.type('Ada')
    await tabTo(/^Join call$/)
    await page.keyboard.press('Enter')
    // The other person joins (with a mouse: only this page is driven by the keyboard).
    const otherContext = await browser.newContext({ locale: 'en-US' })
    const other = await otherContext.newPage()
    await other.goto(`${baseURL}/call/${room}`)
    await other.getByLabel('Your name').fill('Bo')
    await other.getByRole('button', { name: 'Join call' }).click()
    await other.locator('#chat-input').or(other.locator('[data-control="chat"]')).first().waitFor()
    await page.waitForFunction(() => {
      const v = document.querySelector('[data-testid="remote-video"] video') as HTMLVideoElement | null
      return !!v && v.readyState >= 2 && v.videoWidth > 0
    })
    if (!(await page.locator('#chat-input').count())) {
      await tabTo(/^Chat/)
      await page.keyboard.press('Enter')
    }
    await expect.poll(() => page.locator('#chat-input').isEnabled(), { timeout: 20_000 }).toBe(true)
    await tabTo(/^Message$/)
    await page.keyboard.type('hello by keyboard')
    await page.keyboard.press('Enter')
    if (!(await other.locator('#chat-input').count())) await other.locator('[data-control="chat"]').click()
    await other.locator('.side').getByText('hello by keyboard').waitFor({ timeout: 15_000 })
    await otherContext.close()
  })
})
