/**
 * `npm run bench -- --only vb`: the virtual background at full frame rate, in headless Chromium on
 * this machine, with fake cameras playing clips this bench makes (tests/browser/clips.ts):
 * - chroma, 1280x720: a textured horse silhouette on an uneven green screen, keyed onto a picture;
 * - naive-baseline, 1280x720, same clip and picture: the design notes' main-thread method;
 * - ml, 640x480 (picture and blur) and 1280x720 (blur, the heavier mode), and touch-up at 1280x720 (and 640x480
 *   in Firefox: touch-up at full strength, the Warm look and a blurred background all on): the camera-motion clip
 *   (a slow zoom and pan over the astronaut portrait with fresh grain on every frame, tests/browser/clips.ts), so
 *   nothing can be cached between frames and the mask has to follow the person.
 * Each line names its input (`input`): chroma-horse or camera-motion.
 * fps_in: frames the camera delivered per second; fps_out: frames the processed track delivered to a
 * <video> consumer per second, over 12 s after 3 s of warm-up; ms_p50/p95: processing time per frame
 * in the worker (for the baseline, on the main thread); main_long_tasks: main-thread tasks over 50 ms.
 * Diagnostics (renderer, mask rate and time, frames the worker dropped) go to stderr.
 *
 * Firefox lines (`"browser":"firefox"`): the same clips, played as WebM by a `<video>` whose own
 * captureStream() is the camera (Firefox's fake camera is a flat colour; the decoder's frames are YUV, as a
 * real camera's are); the worker-bitmap pipeline.
 * Chroma runs headless (the CPU renderer); ML runs headed under Xvfb, because MediaPipe needs WebGL, which
 * headless Firefox lacks (the compositor still picks the CPU renderer there: Mesa's WebGL is software).
 */
import type { BenchResult } from './run.ts'
import { cameraMotionClip, chromaClip } from '../tests/browser/clips.ts'
import { clipUrl, openHarness, openHarnessIn, startHarnessServer, type HarnessServer } from '../tests/browser/harnessServer.ts'
import type { Measurement } from '../tests/browser/harness/vbHarness.ts'

const WARMUP_S = 3
const MEASURE_S = 12

function percentile(values: number[], p: number): number {
  if (!values.length) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

const r1 = (x: number) => Math.round(x * 10) / 10
const r2 = (x: number) => Math.round(x * 100) / 100

interface Case {
  engine: 'chroma' | 'ml' | 'naive-baseline'
  mode: 'image' | 'blur' | 'touch-up'
  width: number
  height: number
}

/** The camera clip of a case, and its name for the bench line. */
async function input(c: Case): Promise<{ path: string; name: string }> {
  if (c.engine === 'ml') return { path: (await cameraMotionClip(c.width, c.height)).path, name: 'camera-motion' }
  return { path: (await chromaClip(c.width, c.height)).path, name: 'chroma-horse' }
}

/** The settings of a case: touch-up is the touch-up at full strength, the Warm look and the background blurred. */
function settingsOf(c: Case) {
  const engine = c.engine === 'ml' ? ('segmentation' as const) : ('chroma' as const)
  if (c.mode === 'touch-up') return { engine, mode: 'blur' as const, touchUp: { strength: 1 }, look: { id: 'warm' as const, strength: 0.8 } }
  return { engine, mode: c.mode }
}

async function measure(server: HarnessServer, c: Case): Promise<BenchResult> {
  const clip = await input(c)
  const h = await openHarness(server, clip.path)
  try {
    let m: Measurement
    if (c.engine === 'naive-baseline') {
      m = await h.page.evaluate((o) => window.vbHarness.naive(o), { width: c.width, height: c.height, fps: 30, seconds: MEASURE_S })
    } else {
      const settings = settingsOf(c)
      await h.page.evaluate((o) => window.vbHarness.start(o), { width: c.width, height: c.height, fps: 30, settings })
      if (c.engine === 'ml') {
        const model = await h.page.evaluate(() => window.vbHarness.waitModel())
        if (model.status !== 'ready') throw new Error(`segmentation model: ${model.status} ${model.error}`)
      }
      await h.page.waitForTimeout(WARMUP_S * 1000)
      m = await h.page.evaluate((s) => window.vbHarness.measure(s), MEASURE_S)
    }
    console.error(
      `vb ${c.engine} ${c.mode} ${c.width}x${c.height}: renderer=${m.renderer} pipeline=${m.pipeline} worker_fps_in=${r1(m.workerFpsIn ?? 0)} ` +
        `mask_fps=${r1(m.maskFps)} mask_ms_p50=${m.maskMsP50} frames=${m.samples.length} error=${m.error}`,
    )
    return {
      bench: 'vb',
      browser: 'chromium',
      engine: c.engine,
      mode: c.mode,
      input: clip.name,
      width: c.width,
      height: c.height,
      fps_in: r1(m.fpsIn),
      fps_out: r1(m.fpsOut),
      ms_p50: r2(percentile(m.samples, 0.5)),
      ms_p95: r2(percentile(m.samples, 0.95)),
      main_long_tasks: m.longTasks,
    }
  } finally {
    await h.close()
  }
}

async function measureFirefox(server: HarnessServer, c: Case): Promise<BenchResult> {
  const clip = await input(c)
  const url = await clipUrl(server, clip.path, clip.name === 'camera-motion' ? 3 : 30)
  const h = await openHarnessIn(server, c.engine === 'ml' ? 'firefox-headed' : 'firefox')
  try {
    const settings = settingsOf(c)
    await h.call('start', { width: c.width, height: c.height, fps: 30, clipUrl: url, clipSource: 'element', settings })
    if (c.engine === 'ml') {
      const model = await h.call<{ status: string; error: string | null }>('waitModel')
      if (model.status !== 'ready') throw new Error(`segmentation model: ${model.status} ${model.error}`)
    }
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000))
    const m = await h.call<Measurement>('measure', MEASURE_S)
    console.error(
      `vb firefox ${c.engine} ${c.mode} ${c.width}x${c.height}: renderer=${m.renderer} pipeline=${m.pipeline} worker_fps_in=${r1(m.workerFpsIn ?? 0)} ` +
        `mask_fps=${r1(m.maskFps)} mask_ms_p50=${m.maskMsP50} frames=${m.samples.length} error=${m.error}`,
    )
    return {
      bench: 'vb',
      browser: 'firefox',
      engine: c.engine,
      mode: c.mode,
      input: clip.name,
      width: c.width,
      height: c.height,
      fps_in: r1(m.fpsIn),
      fps_out: r1(m.fpsOut),
      ms_p50: r2(percentile(m.samples, 0.5)),
      ms_p95: r2(percentile(m.samples, 0.95)),
      main_long_tasks: m.longTasks,
    }
  } finally {
    await h.close()
  }
}

export default async function* vbBench(): AsyncGenerator<BenchResult> {
  const server = await startHarnessServer()
  try {
    const cases: Case[] = [
      { engine: 'chroma', mode: 'image', width: 1280, height: 720 },
      { engine: 'naive-baseline', mode: 'image', width: 1280, height: 720 },
      { engine: 'ml', mode: 'image', width: 640, height: 480 },
      { engine: 'ml', mode: 'blur', width: 640, height: 480 },
      { engine: 'ml', mode: 'blur', width: 1280, height: 720 },
      { engine: 'ml', mode: 'touch-up', width: 1280, height: 720 },
    ]
    // VB_BENCH_BROWSER=chromium|firefox runs one browser's cases only (both by default); VB_BENCH_MODE=touch-up (say)
    // one mode's only.
    const only = process.env.VB_BENCH_BROWSER
    const mode = process.env.VB_BENCH_MODE
    const wanted = (c: Case) => !mode || c.mode === mode
    if (!only || only === 'chromium') for (const c of cases.filter(wanted)) yield await measure(server, c)
    if (only && only !== 'firefox') return
    const firefox: Case[] = [
      { engine: 'ml', mode: 'image', width: 640, height: 480 },
      { engine: 'chroma', mode: 'image', width: 1280, height: 720 },
      { engine: 'ml', mode: 'touch-up', width: 640, height: 480 },
    ]
    for (const c of firefox.filter(wanted)) yield await measureFirefox(server, c)
  } finally {
    await server.close()
  }
}
