/**
 * Node side of the virtual background's browser tests and benchmark: serves the harness page
 * (tests/browser/harness/vb.html) with the Vite dev server, so the composable and its workers run
 * exactly as the app loads them (worker bundling, the MediaPipe assets plugin), and opens it in headless
 * Chromium with a fake camera playing a given clip (openHarness), or in any engine (openHarnessIn:
 * Chromium, Firefox headless or headed under Xvfb, WebKitGTK) behind one small driver.
 */
import { execFile } from 'node:child_process'
import { existsSync, renameSync } from 'node:fs'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import type { Browser, Page } from 'playwright-core'
import type { Page as PuppeteerPage } from 'puppeteer-core'
import { createServer, searchForWorkspaceRoot, type ViteDevServer } from 'vite'
import { launchChromium } from '../support/chromium.ts'
import { launchFirefox } from '../support/firefox.ts'
import { scratchDir } from '../support/media.ts'
import { launchWebKit } from '../support/webkit.ts'

const run = promisify(execFile)

export interface HarnessServer {
  url: string
  close(): Promise<void>
}

export async function startHarnessServer(): Promise<HarnessServer> {
  const server: ViteDevServer = await createServer({
    configFile: new URL('../../vite.config.ts', import.meta.url).pathname,
    // The scratch directory holds the clips made at test time, served under /@fs/ to engines without a file camera.
    server: { port: 0, host: '127.0.0.1', hmr: false, fs: { allow: [searchForWorkspaceRoot(process.cwd()), scratchDir()] } },
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

export type HarnessEngine = 'chromium' | 'firefox' | 'firefox-headed' | 'webkit'

/** The harness page in one engine, driven the same way whatever drives the engine. */
export interface HarnessDriver {
  engine: HarnessEngine
  /** Calls `window.vbHarness[method](...args)` in the page and returns its (JSON) result. */
  call<T>(method: string, ...args: unknown[]): Promise<T>
  /** Runs an async function body in the page (`args` holds the arguments), for what the harness has no method for. */
  evaluate<T>(body: string, ...args: unknown[]): Promise<T>
  logs: string[]
  close(): Promise<void>
}

const NOISE = /gl_context|Source Location|third_party|XNNPACK|OpenGL error|\[vite\]/

async function gotoHarness(url: string, go: () => Promise<unknown>, ready: () => Promise<boolean>) {
  // The first load of a cold dev server may reload once while it pre-bundles dependencies.
  for (let attempt = 0; ; attempt++) {
    try {
      await go()
      const t0 = Date.now()
      while (!(await ready())) {
        if (Date.now() - t0 > 60_000) throw new Error(`the harness at ${url} did not load`)
        await new Promise((r) => setTimeout(r, 200))
      }
      await new Promise((r) => setTimeout(r, 300))
      if (await ready()) return
    } catch (err) {
      if (attempt >= 2) throw err
    }
  }
}

/**
 * The harness page in the given engine. `clip` is a fake-camera file for Chromium (y4m); the other engines
 * get their camera from HarnessStart.clipUrl (see clipUrl()).
 */
export async function openHarnessIn(server: HarnessServer, engine: HarnessEngine, clip?: string): Promise<HarnessDriver> {
  const url = `${server.url}tests/browser/harness/vb.html`
  const logs: string[] = []
  const callBody = 'return await window.vbHarness[args[0]](...args[1])'
  if (engine === 'chromium') {
    const h = await openHarness(server, clip)
    const evaluate = <T>(body: string, ...args: unknown[]) =>
      h.page.evaluate(([b, a]) => new Function('args', `return (async () => { ${b} })()`)(a) as Promise<T>, [body, args] as const)
    return { engine, call: (m, ...args) => evaluate(callBody, m, args), evaluate, logs: h.logs, close: h.close }
  }
  if (engine === 'webkit') {
    const wk = await launchWebKit()
    try {
      await wk.client.setTimeouts(undefined, undefined, 180_000)
      await gotoHarness(url, () => wk.client.navigateTo(url), () => wk.run<boolean>(`return 'vbHarness' in window`))
      const evaluate = <T>(body: string, ...args: unknown[]) => wk.run<T>(body, ...(args as Array<string | number | boolean | object | null>))
      return { engine, call: (m, ...args) => evaluate(callBody, m, args), evaluate, logs, close: wk.close }
    } catch (err) {
      await wk.close()
      throw err
    }
  }
  const ff = await launchFirefox({ headed: engine === 'firefox-headed' })
  try {
    const page: PuppeteerPage = await ff.browser.newPage()
    page.on('console', (m) => {
      if (!NOISE.test(m.text())) logs.push(m.text())
    })
    page.on('pageerror', (e) => logs.push(`pageerror: ${String(e)}`))
    page.setDefaultTimeout(180_000)
    await gotoHarness(url, () => page.goto(url), () => page.evaluate(() => 'vbHarness' in window))
    const evaluate = <T>(body: string, ...args: unknown[]) =>
      page.evaluate((b: string, a: unknown[]) => new Function('args', `return (async () => { ${b} })()`)(a) as Promise<T>, body, args)
    return { engine, call: (m, ...args) => evaluate(callBody, m, args), evaluate, logs, close: ff.close }
  } catch (err) {
    await ff.close()
    throw err
  }
}

/**
 * A clip (y4m, from clips.ts or stillClip) as a lossless-enough WebM the harness can play as a camera in
 * engines without a file camera, and its URL on the dev server. `loops` repeats short clips so the video
 * element seldom loops (a loop point can cost a frame).
 */
export async function clipUrl(server: HarnessServer, y4m: string, loops = 10): Promise<string> {
  const out = join(scratchDir(), `${basename(y4m, '.y4m')}-x${loops}-vp8rt.webm`)
  if (!existsSync(out)) {
    const tmp = `${out}.${process.pid}.webm`
    // VP8 at a high quality: its 4:2:0 matches the y4m's, and its small losses keep a key's IoU within a few thousandths.
    await run('ffmpeg', ['-v', 'error', '-y', '-stream_loop', String(loops - 1), '-i', y4m, '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-crf', '4', '-b:v', '40M', '-qmin', '0', '-qmax', '10', '-auto-alt-ref', '0', '-an', tmp])
    renameSync(tmp, out)
  }
  return `${server.url}@fs${out}`
}

/** A short WebM of one flat colour (a background video whose pixels a test can predict). */
export async function colorClipUrl(server: HarnessServer, color: string, width = 320, height = 240): Promise<string> {
  const out = join(scratchDir(), `color-${color.replace('#', '')}-${width}x${height}.webm`)
  if (!existsSync(out)) {
    const tmp = `${out}.${process.pid}.webm`
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x${color.replace('#', '')}:s=${width}x${height}:r=30:d=3`, '-c:v', 'libvpx', '-crf', '4', '-b:v', '2M', '-an', tmp])
    renameSync(tmp, out)
  }
  return `${server.url}@fs${out}`
}

/** Opens the harness on `clip`, runs `fn`, prints the page's console if it fails, and closes the page. */
export function withHarness<T>(server: HarnessServer, clip: string | undefined, fn: (h: OpenHarness) => Promise<T>): Promise<T> {
  return withOpened(openHarness(server, clip), fn)
}

/** Runs `fn` on a harness once `opening` gives it (any engine), prints the page's console if it fails, and closes it. */
export async function withOpened<H extends { logs: string[]; close(): Promise<void> }, T>(
  opening: Promise<H>,
  fn: (h: H) => Promise<T>,
): Promise<T> {
  const h = await opening
  try {
    return await fn(h)
  } catch (err) {
    console.error(h.logs.join('\n'))
    throw err
  } finally {
    await h.close()
  }
}

/**
 * Waits until the processed track has delivered `frames` more pictures (and at least 300 ms passed): pictures drawn
 * after a settings change. Counted, not timed, because WebGL2 on SwiftShader may draw only a few a second.
 */
export async function settle(h: OpenHarness, frames: number): Promise<void> {
  const start = await h.page.evaluate(() => window.vbHarness.delivered())
  await h.page.waitForTimeout(300)
  await h.page.waitForFunction((n) => window.vbHarness.delivered() >= n, start + frames, { timeout: 20_000 })
}
