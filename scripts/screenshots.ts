/**
 * The README's and docs/screenshots/'s pictures: each view at 1280×800 and 375×812, in English and Chinese, taken
 * from the built app in headless Chromium with a fake camera (the portrait test clip) and one photo in the gallery.
 *   npx tsx scripts/screenshots.ts        (builds the app into a temporary folder first)
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { buildApp, startServer } from '../tests/support/appServer.ts'
import { launchChromium } from '../tests/support/chromium.ts'
import { stillClip } from '../tests/support/media.ts'
import { createRoomId } from '../src/lib/signaling/client.ts'

const OUT = new URL('../docs/screenshots/', import.meta.url).pathname
const SIZES = [
  { tag: 'desktop', width: 1280, height: 800 },
  { tag: 'phone', width: 375, height: 812 },
] as const

async function settle(page: Page) {
  await page.waitForLoadState('networkidle').catch(() => {})
  await page.waitForTimeout(800)
}

async function cameraReady(page: Page) {
  await page.waitForFunction(() => {
    const v = document.querySelector('main video') as HTMLVideoElement | null
    return !!v && v.readyState >= 2 && v.videoWidth > 0
  })
}

async function main() {
  mkdirSync(OUT, { recursive: true })
  if (!process.env.E2E_SKIP_BUILD) buildApp()
  const server = await startServer()
  const clip = await stillClip('portrait-astronaut.jpg', 1280, 720)
  const browser = await launchChromium({ videoFile: clip })
  try {
    for (const lang of ['en', 'zh-CN'] as const) {
      for (const size of SIZES) {
        const context = await browser.newContext({
          viewport: { width: size.width, height: size.height },
          deviceScaleFactor: 1,
          locale: lang,
          isMobile: size.tag === 'phone',
          hasTouch: size.tag === 'phone',
        })
        const page = await context.newPage()
        const shot = (view: string) => page.screenshot({ path: join(OUT, `${view}-${size.tag}-${lang}.png`) })

        await page.goto(server.url)
        await cameraReady(page)
        // A look chosen in the filter strip, and one photo for the gallery.
        await page.locator('.strip .look').nth(9).click()
        await page.locator('.take').click()
        await page.locator('.last-photo').waitFor()
        await settle(page)
        await shot('capture')

        await page.goto(`${server.url}/record`)
        await settle(page)
        await shot('record')

        await page.goto(`${server.url}/gallery`)
        await page.locator('.tile').first().waitFor()
        await settle(page)
        await shot('gallery')

        const room = createRoomId()
        await page.goto(`${server.url}/call/${room}`)
        await cameraReady(page)
        await settle(page)
        await shot('call')

        // In a call with someone (a second browser context joins as "Lin").
        await page.locator('#call-name').fill(lang === 'en' ? 'Ada' : '小雨')
        await page.locator('.join-card .join').click()
        const otherContext = await browser.newContext({ locale: lang })
        const other = await otherContext.newPage()
        await other.goto(`${server.url}/call/${room}`)
        await other.locator('#call-name').fill('Lin')
        await other.locator('.join-card .join').click()
        await page.waitForFunction(() => {
          const v = document.querySelector('[data-testid="remote-video"] video') as HTMLVideoElement | null
          return !!v && v.readyState >= 2 && v.videoWidth > 0
        })
        await settle(page)
        await shot('incall')
        await page.locator('[data-control="chat"]').click()
        await settle(page)
        await shot('incall-chat')
        await otherContext.close()
        await context.close()
        console.log(`${lang} ${size.tag}: done`)
      }
    }
  } finally {
    await browser.close()
    await server.stop()
  }
}

await main()
