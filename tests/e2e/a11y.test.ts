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
  en: { take: 'Take photo', gallery: 'Gallery', del: 'Delete', join: 'Join call', name: 'Your name', chat: 'Chat and files', stats: 'Connection statistics', record: 'Start recording', camera: 'Camera' },
  'zh-CN': { take: '拍照', gallery: '相册', del: '删除', join: '加入通话', name: '你的名字', chat: '聊天', stats: '统计', record: '开始录制', camera: '摄像头' },
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

describe.each(['en', 'zh-CN'] as const)('axe in %s', (lang) => {
  const L = T[lang]
  let browser: Browser
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    const clip = await stillClip('portrait-astronaut.jpg', 640, 480)
    browser = await launchChromium({ videoFile: clip })
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: lang })
    page = await context.newPage()
  })
  afterAll(async () => {
    await browser?.close()
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

  test('Record, camera source', async () => {
    await page.goto(`${baseURL}/record`)
    await page.locator('label', { has: page.getByRole('radio', { name: L.camera, exact: true }) }).click()
    await page.getByRole('button', { name: L.record }).waitFor()
    await cameraReady(page)
    await expectClean(page, 'record')
  })

  test('Gallery, its item dialog and its confirm dialog', async () => {
    await page.goto(`${baseURL}/gallery`)
    await page.getByRole('heading', { name: L.gallery }).waitFor()
    await page.locator('.tile').first().waitFor()
    await expectClean(page, 'gallery')
    await page.locator('.tile .thumb').first().click()
    await page.locator('.el-dialog .full img').waitFor()
    await expectClean(page, 'gallery item dialog')
    await page.keyboard.press('Escape')
    await page.locator('.tile button', { hasText: L.del }).first().click()
    await page.locator('.el-message-box').waitFor()
    await expectClean(page, 'delete confirm')
    await page.locator('.el-message-box').getByRole('button', { name: L.del }).click()
    await page.locator('.el-empty').waitFor()
    await expectClean(page, 'gallery empty')
  })

  test('Call: landing, pre-join, in the call with chat and statistics open', async () => {
    await page.goto(`${baseURL}/call`)
    await page.locator('.landing h1').waitFor()
    await expectClean(page, 'call landing')
    const room = createRoomId()
    await page.goto(`${baseURL}/call/${room}`)
    await page.getByLabel(L.name).fill('Ada')
    await cameraReady(page)
    await expectClean(page, 'pre-join')
    await page.getByRole('button', { name: L.join }).click()
    const other = await (await browser.newContext({ locale: lang })).newPage()
    await other.goto(`${baseURL}/call/${room}`)
    await other.getByLabel(L.name).fill('Bo')
    await other.getByRole('button', { name: L.join }).click()
    await page.waitForFunction(() => {
      const v = document.querySelector('[data-testid="remote-video"] video') as HTMLVideoElement | null
      return !!v && v.readyState >= 2 && v.videoWidth > 0
    })
    await expectClean(page, 'in call')
    await page.getByRole('button', { name: L.chat }).click()
    await page.locator('#chat-input').waitFor()
    await expectClean(page, 'in call, chat')
    await page.getByRole('button', { name: L.stats }).click()
    await expectClean(page, 'in call, statistics')
    await other.context().close()
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
        const drawn = [el, el.parentElement, el.parentElement?.parentElement, el.closest('.el-switch, .el-radio-button, .el-checkbox, .el-select__wrapper, .el-slider__button-wrapper')].some(
          (e) => !!e && ring(e),
        )
        const name = el.getAttribute('aria-label') || (el instanceof HTMLInputElement ? el.value : el.textContent?.trim()) || el.tagName
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
    for (let i = 0; i < 3 && !(await page.getByRole('radio', { name: 'Camera', exact: true }).isChecked()); i++) await page.keyboard.press('ArrowRight')
    expect(await page.getByRole('radio', { name: 'Camera', exact: true }).isChecked()).toBe(true)
    await tabTo(/^Start recording$/)
    await page.keyboard.press('Enter')
    await page.getByText(/^REC /).waitFor({ timeout: 10_000 })
    await page.waitForTimeout(1500)
    await page.keyboard.press('r')
    await page.getByRole('status').filter({ hasText: 'Saved recording-' }).waitFor({ timeout: 30_000 })
  })
})
