/**
 * {"bench":"startup","js_kb_gzip":N,"first_frame_ms":N}
 * - js_kb_gzip: gzip size of every script the page loaded before the first view was on screen
 *   (the app's `media-studio:first-view` mark), each gzipped with zlib's default level.
 * - first_frame_ms: navigation start to the first camera frame presented by the preview
 *   (`media-studio:first-frame`, set in a requestVideoFrameCallback), median of 5 cold loads.
 */
import { gzipSync } from 'node:zlib'
import { buildApp, startServer } from '../tests/support/appServer.ts'
import { launchChromium } from '../tests/support/chromium.ts'
import { stillClip } from '../tests/support/media.ts'
import type { BenchResult } from './run.ts'

const RUNS = 5

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
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
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
      await context.close()
    }
    let gzipBytes = 0
    for (const url of scripts) {
      const body = Buffer.from(await (await fetch(url)).arrayBuffer())
      gzipBytes += gzipSync(body).length
    }
    yield { bench: 'startup', js_kb_gzip: Math.round((gzipBytes / 1024) * 10) / 10, first_frame_ms: Math.round(median(frames)) }
  } finally {
    await browser.close()
    await server.stop()
  }
}
