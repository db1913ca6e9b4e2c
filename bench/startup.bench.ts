/**
 * {"bench":"startup","js_kb_gzip":N,"idle_js_kb_gzip":N,"first_frame_ms":N}
 * {"bench":"startup","offline":true,"first_frame_ms":N}: see offlineStartup below.
 * - js_kb_gzip: gzip size of every script the page loaded before the first view was on screen
 *   (the app's `media-studio:first-view` mark), each gzipped with zlib's default level.
 * - idle_js_kb_gzip: the same for every script fetched in the first 10 s after navigation (page and workers, as
 *   the browser's network sees them), on a fresh profile with nothing to recover: what a first visit costs in
 *   total once the app has settled (idle-time imports included). Targets: js ≤ 150, idle ≤ 160.
 * - first_frame_ms: navigation start to the first camera frame presented by the preview
 *   (`media-studio:first-frame`, set in a requestVideoFrameCallback), median of 5 cold loads.
 */
import { gzipSync } from 'node:zlib'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp, startServer } from '../tests/support/appServer.ts'
import { launchChromium, launchChromiumPersistent } from '../tests/support/chromium.ts'
import { stillClip } from '../tests/support/media.ts'
import type { BenchResult } from './run.ts'

const RUNS = 5
const IDLE_WINDOW_MS = 10_000

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

export default async function* startup(): AsyncGenerator<BenchResult> {
  buildApp()
  const server = await startServer()
  const clip = await stillClip('portrait-astronaut.jpg', 1280, 720)
  const browser = await launchChromium({ videoFile: clip })
  try {
    const frames: number[] = []
    let scripts: string[] = []
    const idleScripts = new Set<string>()
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
      const t0 = Date.now()
      // Every script fetched by the page or its workers within the window (the first run only: same build).
      if (i === 0) {
        context.on('requestfinished', (req) => {
          if (Date.now() - t0 < IDLE_WINDOW_MS && /\.m?js(\?|$)/.test(new URL(req.url()).pathname)) idleScripts.add(req.url())
        })
      }
      const page = await context.newPage()
      await page.goto(server.url)
      await page.waitForFunction(() => performance.getEntriesByName('media-studio:first-frame').length > 0, null, { timeout: 20_000 })
      const t = await page.evaluate(() => {
        const view = performance.getEntriesByName('media-studio:first-view')[0]!.startTime
        const frame = performance.getEntriesByName('media-studio:first-frame')[0]!.startTime
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming
        const js = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
          .filter((r) => /\.m?js(\?|$)/.test(new URL(r.name).pathname) && r.startTime < view)
          .map((r) => r.name)
        return { frame: frame - nav.startTime, js }
      })
      frames.push(t.frame)
      scripts = t.js
      console.error(`startup run ${i + 1}: first frame ${t.frame.toFixed(0)} ms, ${t.js.length} scripts before first view`)
      if (i === 0) await page.waitForTimeout(Math.max(0, IDLE_WINDOW_MS - (Date.now() - t0)))
      await context.close()
    }
    const gzipKb = async (urls: Iterable<string>) => {
      let bytes = 0
      for (const url of urls) bytes += gzipSync(Buffer.from(await (await fetch(url)).arrayBuffer())).length
      return Math.round((bytes / 1024) * 10) / 10
    }
    console.error(`scripts in the first ${IDLE_WINDOW_MS / 1000} s: ${[...idleScripts].map((u) => new URL(u).pathname).join(', ')}`)
    yield {
      bench: 'startup',
      js_kb_gzip: await gzipKb(scripts),
      idle_js_kb_gzip: await gzipKb(idleScripts),
      first_frame_ms: Math.round(median(frames)),
    }
    yield await offlineStartup(clip)
  } finally {
    await browser.close()
    await server.stop()
  }
}

/**
 * first_frame_ms for a reload served by the service worker with no network: one online visit in a real profile
 * (the worker installs and precaches the app), then the network is cut (context offline and the server stopped)
 * and the page is reloaded RUNS times; median. Each reload must have come from the worker (its navigation timing
 * has a workerStart), or the bench fails rather than report a figure that is not this one.
 */
async function offlineStartup(clip: string): Promise<BenchResult> {
  const server = await startServer()
  const context = await launchChromiumPersistent(
    mkdtempSync(join(tmpdir(), 'media-studio-bench-profile-')),
    { videoFile: clip },
    {
      viewport: { width: 1280, height: 800 },
    },
  )
  const firstFrame = (page: import('playwright-core').Page) =>
    page.waitForFunction(() => performance.getEntriesByName('media-studio:first-frame').length > 0, null, { timeout: 20_000 })
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    await page.goto(server.url)
    await firstFrame(page)
    for (
      let i = 0;
      !(await page.evaluate(
        async () =>
          (await navigator.serviceWorker.getRegistration())?.active?.state === 'activated' && !!navigator.serviceWorker.controller,
      ));
      i++
    ) {
      if (i > 120) throw new Error('the service worker did not take the page within 30 s')
      await page.waitForTimeout(250)
    }
    await context.setOffline(true)
    await server.stop()
    const frames: number[] = []
    for (let i = 0; i < RUNS; i++) {
      await page.reload()
      await firstFrame(page)
      const t = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming
        return {
          frame: performance.getEntriesByName('media-studio:first-frame')[0]!.startTime - nav.startTime,
          fromWorker: nav.workerStart > 0,
        }
      })
      if (!t.fromWorker) throw new Error('the offline reload was not served by the service worker')
      frames.push(t.frame)
      console.error(`startup offline run ${i + 1}: first frame ${t.frame.toFixed(0)} ms (from the service worker)`)
    }
    return { bench: 'startup', offline: true, first_frame_ms: Math.round(median(frames)) }
  } finally {
    await context.close()
    await server.stop()
  }
}
