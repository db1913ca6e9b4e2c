/**
 * `npm run bench -- --only export`: export speed on recordings made here through the app's own recorder, in headless
 * Chromium, exported through the same code the app runs (tests/e2e/recording/harness.html built with the app's Vite
 * config), with native ffmpeg on the same bytes in the same run as the yardstick.
 *
 * Inputs (each line names its `input`):
 * - `camera-motion`: the fake camera plays a slow zoom and pan over a photo with grain (every pixel changes every
 *   frame), 1280x720 30 fps (tests/browser/clips.ts);
 * - `screen-scroll`: the fake camera plays a long page of text and pictures scrolling, 1280x720 30 fps;
 * - `static-screen`: Chromium's fake screen (a flat picture, a pie and a timer: ~6% of pixels change per second).
 *
 * Cases, per input: 10 s VP8 recording → mp4 transcode with each engine (`webcodecs`, `ffmpeg.wasm` multi-thread
 * core; `native_s` = native ffmpeg libx264 ultrafast crf 23 on the same bytes), gif 640 px 10 fps (`native_s` =
 * ffmpeg palettegen + paletteuse), webm remux; 10 s H.264 recording → webm (VP9 transcode). And a 60 s H.264
 * camera-motion recording → mp4 remux. `export_s` excludes loading ffmpeg.wasm (`load_s`, once per page).
 * `main_long_tasks`: main-thread tasks over 50 ms during the export; `raf_fps`: the page's requestAnimationFrame
 * rate during it. Targets (issue 10): mp4 transcode export_s ≤ 1.5 x native_s on natural motion; gif export_s ≤
 * native_s with main_long_tasks 0; webm main_long_tasks 0; remux of 60 s ≤ 1.5 s.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Browser, Page } from 'playwright-core'
import type { BenchResult } from './run.ts'
import { launchChromium } from '../tests/support/chromium.ts'
import { serveHarness, type HarnessServer } from '../tests/e2e/recording/serveHarness.ts'
import { cameraMotionClip, screenScrollClip } from '../tests/browser/clips.ts'
import type { ExportOk } from '../tests/e2e/recording/harness.ts'
import { frameCount } from '../tests/e2e/recording/checks.ts'

const run = promisify(execFile)
type Rec = Awaited<ReturnType<Window['harness']['record']>>
type Input = 'camera-motion' | 'screen-scroll' | 'static-screen'
const VP8 = 'video/webm;codecs=vp8,opus'

async function openPage(server: HarnessServer, browser: Browser): Promise<Page> {
  const page = await browser.newPage()
  page.on('pageerror', (e) => console.error('[page error]', e))
  await page.goto(server.url)
  await page.waitForFunction(() => document.title.includes('ready'))
  return page
}

function round(v: number, d = 2): number {
  const f = 10 ** d
  return Math.round(v * f) / f
}

async function timed(args: string[]): Promise<number> {
  const t0 = performance.now()
  await run('ffmpeg', ['-v', 'error', '-y', ...args], { maxBuffer: 64 * 1024 * 1024 })
  return (performance.now() - t0) / 1000
}

/** The recording's bytes in a file, for native ffmpeg. */
async function saveRecording(page: Page, rec: Rec, dir: string): Promise<string> {
  const file = join(dir, `${rec.id}.${/webm/.test(rec.mime) ? 'webm' : 'mkv'}`)
  writeFileSync(file, Buffer.from(await page.evaluate((k) => window.harness.bytes(k), rec.id), 'base64'))
  return file
}

async function exportCase(
  page: Page,
  rec: Rec,
  input: Input,
  format: 'mp4' | 'gif' | 'webm',
  opts: Parameters<Window['harness']['exportTo']>[2] = {},
  extra: Record<string, unknown> = {},
): Promise<BenchResult> {
  const r = await page.evaluate(([id, f, o]) => window.harness.exportTo(id, f, o), [rec.id, format, opts] as const)
  if (!r.ok) throw new Error(`${input} ${format} export failed: ${r.error}`)
  await page.evaluate((k) => window.harness.dropExport(k), r.key)
  return line(r, rec, input, format, extra)
}

function line(r: ExportOk, rec: Rec, input: Input, format: string, extra: Record<string, unknown>): BenchResult {
  const exportS = r.elapsedMs / 1000
  const nativeS = typeof extra.native_s === 'number' ? extra.native_s : null
  return {
    bench: 'export',
    input,
    format,
    path: r.path,
    engine: r.engine,
    media_s: round(r.mediaSeconds),
    width: r.width,
    height: r.height,
    export_s: round(exportS),
    ...extra,
    ...(nativeS ? { x_native: round(exportS / nativeS) } : {}),
    x_realtime: round(r.mediaSeconds / exportS),
    out_mb: round(r.size / 1e6, 3),
    main_long_tasks: r.longTasks,
    longest_task_ms: r.longestTaskMs,
    raf_fps: r.rafFps,
    source: rec.recorderMime,
  }
}

/** Every case on one input: the fake camera plays `clip` (static-screen records the fake screen instead). */
async function* inputCases(input: Input, clipPath: string | undefined, server: HarnessServer, dir: string, withRemux60: boolean): AsyncGenerator<BenchResult> {
  const browser = await launchChromium({ videoFile: clipPath })
  try {
    const page = await openPage(server, browser)
    const load = await page.evaluate(() => window.harness.loadFfmpeg())
    const loadS = round(load.loadMs / 1000)
    const source = input === 'static-screen' ? ('screen' as const) : ('camera' as const)

    console.error(`${input}: recording 10 s VP8...`)
    const vp8 = await page.evaluate(([s, m]) => window.harness.record(s, 10_000, { mimeType: m }), [source, VP8] as const)
    const vp8File = await saveRecording(page, vp8, dir)
    // What the fake camera really delivered under this machine's load (frames per second in the recording).
    const recFps = round((await frameCount(vp8File)) / (vp8.durationMs / 1000), 1)
    const nativeMp4 = round(await timed(['-i', vp8File, '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '23', '-pix_fmt', 'yuv420p', '-fps_mode', 'passthrough', '-c:a', 'aac', '-b:a', '128k', join(dir, 'native.mp4')]))
    // The app's default MP4 settings (original size and timing, the recording's own bitrate), each engine.
    yield await exportCase(page, vp8, input, 'mp4', { engine: 'webcodecs' }, { native_s: nativeMp4, rec_fps: recFps })
    yield await exportCase(page, vp8, input, 'mp4', { engine: 'ffmpeg.wasm' }, { native_s: nativeMp4, rec_fps: recFps, core: load.multiThread ? 'mt' : 'st', load_s: loadS })
    const nativeGif = round(
      await timed(['-i', vp8File, '-vf', 'fps=10,scale=640:-2:flags=bicubic,split[a][b];[a]palettegen[p];[b][p]paletteuse=dither=none', join(dir, 'native.gif')]),
    )
    yield await exportCase(page, vp8, input, 'gif', { gif: { width: 640, fps: 10 } }, { native_s: nativeGif, rec_fps: recFps })
    yield await exportCase(page, vp8, input, 'webm')

    console.error(`${input}: recording 10 s H.264...`)
    const h264 = await page.evaluate((s) => window.harness.record(s, 10_000), source)
    yield await exportCase(page, h264, input, 'webm')

    if (withRemux60) {
      console.error(`${input}: recording 60 s H.264...`)
      const long = await page.evaluate((s) => window.harness.record(s, 60_000), source)
      yield await exportCase(page, long, input, 'mp4', {}, { core: load.multiThread ? 'mt' : 'st', load_s: loadS })
    }
  } finally {
    await browser.close()
  }
}

export default async function* exportBench(): AsyncGenerator<BenchResult> {
  const [camera, screen] = [await cameraMotionClip(), await screenScrollClip()]
  const server = await serveHarness({ isolated: true })
  const dir = mkdtempSync(join(tmpdir(), 'export-bench-'))
  try {
    yield* inputCases('camera-motion', camera.path, server, dir, true)
    yield* inputCases('screen-scroll', screen.path, server, dir, false)
    yield* inputCases('static-screen', undefined, server, dir, false)
  } finally {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
