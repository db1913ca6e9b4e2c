/**
 * `npm run bench -- --only export`: export speed on recordings made here, in headless Chromium with fake devices,
 * through the same code the app runs (tests/e2e/recording/harness.html built with the app's Vite config).
 *
 * Cases (targets from issue 4, 2-core machine):
 * - mp4 remux of a 60 s 1280x720 H.264 recording (≤ 3 s),
 * - mp4 transcode of a 10 s 1280x720 VP8 recording (must beat ffmpeg.wasm's published ~129 s single thread),
 * - gif of 10 s of 1280x720 screen at 640 px / 10 fps (≤ 8 s),
 * - webm of the same recordings (remux of VP8; WebCodecs transcode of H.264 to VP9).
 * mp4 runs with the multi-thread core (cross-origin isolated page, as the app server is to serve it) and with the
 * single-thread core (a page without COOP/COEP). `export_s` excludes loading ffmpeg.wasm, reported as `load_s`.
 */
import type { Page } from 'playwright-core'
import type { BenchResult } from './run.ts'
import { launchChromium } from '../tests/support/chromium.ts'
import { serveHarness } from '../tests/e2e/recording/serveHarness.ts'

type Rec = Awaited<ReturnType<Window['harness']['record']>>

async function openPage(url: string, browser: Awaited<ReturnType<typeof launchChromium>>): Promise<Page> {
  const page = await browser.newPage()
  await page.goto(url)
  await page.waitForFunction(() => document.title.includes('ready'))
  return page
}

async function exportCase(page: Page, rec: Rec, format: 'mp4' | 'gif' | 'webm', extra: Record<string, unknown> = {}): Promise<BenchResult> {
  const r = await page.evaluate(([id, f]) => window.harness.exportTo(id, f, f === 'gif' ? { gif: { width: 640, fps: 10 } } : {}), [rec.id, format] as const)
  if (!r.ok) throw new Error(`${format} export failed: ${r.error}`)
  await page.evaluate((k) => window.harness.dropExport(k), r.key)
  const exportS = r.elapsedMs / 1000
  return {
    bench: 'export',
    format,
    path: r.path,
    media_s: round(r.mediaSeconds),
    width: format === 'gif' ? r.width : rec.width,
    height: format === 'gif' ? r.height : rec.height,
    export_s: round(exportS),
    x_realtime: round(r.mediaSeconds / exportS),
    out_mb: round(r.size / 1e6, 3),
    source: rec.recorderMime,
    ...extra,
  }
}

function round(v: number, d = 2): number {
  const f = 10 ** d
  return Math.round(v * f) / f
}

export default async function* exportBench(): AsyncGenerator<BenchResult> {
  const isolated = await serveHarness({ isolated: true })
  const plain = await serveHarness({ isolated: false })
  const browser = await launchChromium()
  try {
    const mt = await openPage(isolated.url, browser)
    const st = await openPage(plain.url, browser)
    const loadMt = await mt.evaluate(() => window.harness.loadFfmpeg())
    const loadSt = await st.evaluate(() => window.harness.loadFfmpeg())
    console.error(`ffmpeg load: mt ${loadMt.multiThread} ${Math.round(loadMt.loadMs)} ms, st ${Math.round(loadSt.loadMs)} ms`)

    console.error('recording 60 s of the fake screen (H.264)...')
    const long = await mt.evaluate(() => window.harness.record('screen', 60_000))
    yield await exportCase(mt, long, 'mp4', { core: 'mt', load_s: round(loadMt.loadMs / 1000) })

    console.error('recording 10 s of the fake screen (H.264)...')
    const screen10 = await mt.evaluate(() => window.harness.record('screen', 10_000))
    yield await exportCase(mt, screen10, 'gif')
    yield await exportCase(mt, screen10, 'webm')

    console.error('recording 10 s of the fake screen (VP8)...')
    const vp8 = await mt.evaluate(() => window.harness.record('screen', 10_000, { mimeType: 'video/webm;codecs=vp8,opus' }))
    yield await exportCase(mt, vp8, 'mp4', { core: 'mt', load_s: round(loadMt.loadMs / 1000) })
    yield await exportCase(mt, vp8, 'webm')

    // The same two mp4 cases on the single-thread core (no COOP/COEP). The recordings are made again in this page
    // (IndexedDB and blobs are per origin), so the media differs a little but not in size or codec.
    console.error('single-thread core: recording 60 s H.264 and 10 s VP8 again...')
    const longSt = await st.evaluate(() => window.harness.record('screen', 60_000))
    yield await exportCase(st, longSt, 'mp4', { core: 'st', load_s: round(loadSt.loadMs / 1000) })
    const vp8St = await st.evaluate(() => window.harness.record('screen', 10_000, { mimeType: 'video/webm;codecs=vp8,opus' }))
    yield await exportCase(st, vp8St, 'mp4', { core: 'st', load_s: round(loadSt.loadMs / 1000) })
  } finally {
    await browser.close()
    await isolated.close()
    await plain.close()
  }
}
