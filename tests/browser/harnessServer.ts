/**
 * Node side of the virtual background's browser tests and benchmark: serves the harness page
 * (tests/browser/harness/vb.html) with the Vite dev server, so the composable and its workers run in
 * Chromium exactly as the app loads them (worker bundling, the MediaPipe assets plugin), and opens it
 * in headless Chromium with a fake camera playing a given clip.
 */
import type { Browser, Page } from 'playwright-core'
import { createServer, type ViteDevServer } from 'vite'
import { launchChromium } from '../support/chromium.ts'

export interface HarnessServer {
  url: string
  close(): Promise<void>
}

export async function startHarnessServer(): Promise<HarnessServer> {
  const server: ViteDevServer = await createServer({
    configFile: new URL('../../vite.config.ts', import.meta.url).pathname,
    server: { port: 0, host: '127.0.0.1', hmr: false },
    logLevel: 'error',
    clearScreen: false,
  })
  await server.listen()
  const url = server.resolvedUrls!.local[0]!
  return { url, close: () => server.close() }
}

export interface OpenHarness {
  browser: Browser
  page: Page
  /** Console lines of the page and its workers (MediaPipe's own logging left out). */
  logs: string[]
  close(): Promise<void>
}

/** Chromium with the clip as its camera, on the harness page, ready (`window.vbHarness` defined). */
export async function openHarness(server: HarnessServer, clip?: string): Promise<OpenHarness> {
  const browser = await launchChromium({ videoFile: clip })
  const page = await browser.newPage()
  const logs: string[] = []
  page.on('console', (m) => {
    if (!/gl_context|Source Location|third_party|XNNPACK|OpenGL error|\[vite\]/.test(m.text())) logs.push(m.text())
  })
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`))
  // The first load of a cold dev server may reload once while it pre-bundles dependencies.
  for (let attempt = 0; ; attempt++) {
    try {
      await page.goto(`${server.url}tests/browser/harness/vb.html`)
      await page.waitForFunction(() => 'vbHarness' in window, null, { timeout: 60_000 })
      await page.waitForTimeout(300)
      await page.evaluate(() => window.vbHarness.state())
      break
    } catch (err) {
      if (attempt >= 2) throw err
    }
  }
  return { browser, page, logs, close: () => browser.close() }
}
