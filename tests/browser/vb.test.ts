/**
 * The virtual background in headless Chromium, through the composable as the app uses it (Vite dev
 * server, real workers, the MediaPipe files served by our plugin), with fake cameras playing clips
 * made at test time. Quality: chroma-key IoU against the exact silhouette, segmentation regions on a
 * real portrait. Robustness: the processed track survives every switch; a model that fails to load
 * leaves the camera running with a message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { iou, regionFraction, type Rect } from '../../src/lib/virtualBackground/mask.ts'
import { chromaClip } from './clips.ts'
import { colorClipUrl, startHarnessServer, withHarness, type HarnessServer, type OpenHarness } from './harnessServer.ts'
import { stillClip } from '../support/media.ts'

let server: HarnessServer

beforeAll(async () => {
  server = await startHarnessServer()
})
afterAll(async () => {
  await server?.close()
})

async function alphaOf(h: OpenHarness) {
  const a = await h.page.evaluate(() => window.vbHarness.alpha())
  return { width: a.width, height: a.height, data: new Uint8Array(Buffer.from(a.base64, 'base64')) }
}

describe('chroma key', () => {
  for (const renderer of ['cpu', 'webgl2'] as const) {
    it(`keys an uneven green screen to IoU >= 0.97 against the exact silhouette (${renderer} renderer)`, async () => {
      const clip = await chromaClip(1280, 720)
      await withHarness(server, clip.path, async (h) => {
        await h.page.evaluate((r) => window.vbHarness.start({ width: 1280, height: 720, fps: 30, renderer: r, settings: { engine: 'chroma', mode: 'color' } }), renderer)
        await h.page.waitForTimeout(1500)
        const state = await h.page.evaluate(() => window.vbHarness.state())
        expect(state.renderer).toBe(renderer)
        const a = await alphaOf(h)
        expect([a.width, a.height]).toEqual([1280, 720])
        const score = iou(a.data, clip.truth, 128, 1)
        console.log(`chroma IoU (${renderer}): ${score.toFixed(4)}`)
        expect(score).toBeGreaterThanOrEqual(0.97)
      })
    })
  }

  // The paths for browsers without MediaStreamTrackProcessor (frames as ImageBitmaps), without
  // OffscreenCanvas (the compositor on the main thread) and without WebGL2 or VideoFrame (2D canvas).
  const fallbacks = [
    { pipeline: 'worker-bitmap', renderer: undefined },
    { pipeline: 'main-thread', renderer: undefined },
    { pipeline: 'worker-stream', renderer: 'canvas2d' },
  ] as const
  for (const f of fallbacks) {
    it(`keys the same clip on the fallback path ${f.pipeline}/${f.renderer ?? 'auto'}`, async () => {
      const clip = await chromaClip(640, 480)
      await withHarness(server, clip.path, async (h) => {
        await h.page.evaluate((o) => window.vbHarness.start({ width: 640, height: 480, fps: 30, ...o, settings: { engine: 'chroma', mode: 'color' } }), {
          pipeline: f.pipeline,
          renderer: f.renderer,
        })
        await h.page.waitForTimeout(1500)
        const state = await h.page.evaluate(() => window.vbHarness.state())
        expect(state.pipeline).toBe(f.pipeline)
        const m = await h.page.evaluate(() => window.vbHarness.measure(2))
        const a = await alphaOf(h)
        const score = iou(a.data, clip.truth, 128, 1)
        console.log(`fallback ${f.pipeline}/${state.renderer}: IoU ${score.toFixed(4)}, ${m.fpsOut.toFixed(1)} fps`)
        expect(score).toBeGreaterThanOrEqual(0.97)
        expect(m.fpsOut).toBeGreaterThan(5)
      })
    })
  }

  it('picks the key colour from a point of the camera picture', async () => {
    const clip = await chromaClip(1280, 720)
    await withHarness(server, clip.path, async (h) => {
      await h.page.evaluate(() => window.vbHarness.start({ width: 1280, height: 720, fps: 30, settings: { engine: 'chroma', mode: 'color' } }))
      await h.page.waitForTimeout(1000)
      // Top-left corner: the green screen (the horse is in the middle).
      const color = await h.page.evaluate(() => window.vbHarness.vb()!.pickKeyColor(0.05, 0.05))
      expect(color).toMatch(/^#[0-9a-f]{6}$/)
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(color!.slice(i, i + 2), 16))
      expect(g!).toBeGreaterThan(r! + 60)
      expect(g!).toBeGreaterThan(b! + 60)
      expect(await h.page.evaluate(() => window.vbHarness.vb()!.settings.value.chroma.keyColor)).toBe(color)
    })
  })
})

describe('person segmentation', () => {
  // Regions of the 512x512 portrait (tests/fixtures/portrait-astronaut.jpg), shown 1:1 by a 512x512 camera.
  const face: Rect = { x: 180, y: 60, width: 90, height: 90 }
  const torso: Rect = { x: 90, y: 260, width: 240, height: 140 }
  const flag: Rect = { x: 0, y: 0, width: 50, height: 190 }
  const backdrop: Rect = { x: 300, y: 0, width: 200, height: 60 }

  it('finds the face and torso, not the flag or the backdrop', async () => {
    const clip = await stillClip('portrait-astronaut.jpg', 512, 512, 30, 2)
    await withHarness(server, clip, async (h) => {
      await h.page.evaluate(() =>
        window.vbHarness.start({ width: 512, height: 512, fps: 30, settings: { engine: 'segmentation', mode: 'color', segmentation: { model: 'general', maskFps: 30, edgeSoftness: 0.5, temporalSmoothing: 0.5 } } }),
      )
      const model = await h.page.evaluate(() => window.vbHarness.waitModel())
      expect(model).toEqual({ status: 'ready', error: null })
      await h.page.waitForTimeout(1500)
      const a = await alphaOf(h)
      const fg = (r: Rect) => regionFraction(a.data, a.width, r, 128)
      const faceTorso = (fg(face) * face.width * face.height + fg(torso) * torso.width * torso.height) / (face.width * face.height + torso.width * torso.height)
      console.log(`segmentation: face+torso ${faceTorso.toFixed(3)}, flag ${fg(flag).toFixed(3)}, backdrop ${fg(backdrop).toFixed(3)}`)
      expect(faceTorso).toBeGreaterThanOrEqual(0.9)
      expect(fg(flag)).toBeLessThanOrEqual(0.05)
      expect(fg(backdrop)).toBeLessThanOrEqual(0.05)
    })
  })

  it('leaves the camera running with a message when the model cannot load', async () => {
    const clip = await stillClip('portrait-astronaut.jpg', 640, 480, 30, 2)
    await withHarness(server, clip, async (h) => {
      await h.page.evaluate(() =>
        window.vbHarness.start({ width: 640, height: 480, fps: 30, assetBase: `${location.origin}/no-such-dir/`, settings: { engine: 'segmentation', mode: 'blur' } }),
      )
      const model = await h.page.evaluate(() => window.vbHarness.waitModel())
      expect(model.status).toBe('error')
      expect(model.error).toMatch(/segmentation model could not be loaded/i)
      const m = await h.page.evaluate(() => window.vbHarness.measure(2))
      expect(m.fpsOut).toBeGreaterThan(20)
      // The raw camera: the output matches what the camera shows (no blur, no replacement).
      const a = await alphaOf(h)
      expect(regionFraction(a.data, a.width, { x: 0, y: 0, width: a.width, height: a.height }, 128)).toBeGreaterThan(0.99)
    })
  })
})

describe('the processed track', () => {
  it('stays the same live track while engine, mode, background and camera change', async () => {
    const clip = await chromaClip(640, 480)
    await withHarness(server, clip.path, async (h) => {
      const { trackId } = await h.page.evaluate(() => window.vbHarness.start({ width: 640, height: 480, fps: 30, settings: { engine: 'chroma', mode: 'image' } }))
      const steps: [string, object][] = [
        ['blur', { mode: 'blur' }],
        ['segmentation', { engine: 'segmentation' }],
        ['colour', { mode: 'color' }],
        ['video', { mode: 'video' }],
        ['before/after', { showOriginal: true }],
        ['after', { showOriginal: false, engine: 'chroma' }],
        ['none', { mode: 'none' }],
        ['image', { mode: 'image' }],
      ]
      for (const [name, patch] of steps) {
        const before = await h.page.evaluate(() => window.vbHarness.delivered())
        await h.page.evaluate((p) => window.vbHarness.setSettings(p), patch)
        await h.page.waitForTimeout(700)
        const after = await h.page.evaluate(() => window.vbHarness.delivered())
        const s = await h.page.evaluate(() => window.vbHarness.state())
        expect(s.trackId, name).toBe(trackId)
        expect(s.readyState, name).toBe('live')
        expect(s.ended, name).toEqual([])
        expect(after - before, `frames delivered after switching to ${name}`).toBeGreaterThan(5)
      }
      const before = await h.page.evaluate(() => window.vbHarness.delivered())
      await h.page.evaluate(() => window.vbHarness.switchCamera({ width: 640, height: 480, fps: 30 }))
      await h.page.waitForTimeout(1000)
      const s = await h.page.evaluate(() => window.vbHarness.state())
      expect([s.trackId, s.readyState, s.ended]).toEqual([trackId, 'live', []])
      expect((await h.page.evaluate(() => window.vbHarness.delivered())) - before).toBeGreaterThan(10)
      expect(s.error).toBeNull()
    })
  })

  it('downscales a 50-megapixel picture with a notice, and refuses a file that is no picture', async () => {
    const clip = await chromaClip(640, 480)
    await withHarness(server, clip.path, async (h) => {
      await h.page.evaluate(() => window.vbHarness.start({ width: 640, height: 480, fps: 30, settings: { engine: 'chroma', mode: 'color' } }))
      const big = await h.page.evaluate(async () => {
        const c = new OffscreenCanvas(8660, 5774)
        const ctx = c.getContext('2d')!
        ctx.fillStyle = '#336699'
        ctx.fillRect(0, 0, c.width, c.height)
        const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.5 })
        const ok = await window.vbHarness.vb()!.setBackgroundImage(new File([blob], 'huge.jpg', { type: 'image/jpeg' }))
        return { ok, notice: window.vbHarness.vb()!.notice.value, mode: window.vbHarness.vb()!.settings.value.mode }
      })
      expect(big.ok).toBe(true)
      expect(big.mode).toBe('image')
      expect(big.notice).toMatch(/50 megapixels.*scaled down to \d+x\d+/)
      const bad = await h.page.evaluate(async () => {
        const ok = await window.vbHarness.vb()!.setBackgroundFile(new File(['hello'], 'notes.txt', { type: 'text/plain' }))
        return { ok, error: window.vbHarness.vb()!.error.value }
      })
      expect(bad.ok).toBe(false)
      expect(bad.error).toMatch(/not a picture or a video/)
      const s = await h.page.evaluate(() => window.vbHarness.state())
      expect(s.readyState).toBe('live')
    })
  })

  it('runs the segmentation worker only while a mode needs it, and revokes a replaced video upload', async () => {
    const clip = await chromaClip(640, 480)
    await withHarness(server, clip.path, async (h) => {
      await h.page.evaluate(() => window.vbHarness.start({ width: 640, height: 480, fps: 30, settings: { engine: 'segmentation', mode: 'blur' } }))
      expect((await h.page.evaluate(() => window.vbHarness.waitModel())).status).toBe('ready')
      const live = () => h.page.evaluate(() => window.vbHarness.workers().filter((w) => w.name === 'vb-segmentation' && w.live).length)
      expect(await live()).toBe(1)
      await h.page.evaluate(() => window.vbHarness.setSettings({ engine: 'chroma' }))
      expect(await live()).toBe(0)
      expect(await h.page.evaluate(() => window.vbHarness.state().modelStatus)).toBe('idle')
      await h.page.evaluate(() => window.vbHarness.setSettings({ engine: 'segmentation', mode: 'none' }))
      expect(await live()).toBe(0)
      await h.page.evaluate(() => window.vbHarness.setSettings({ mode: 'color' }))
      expect(await live()).toBe(1)
      expect((await h.page.evaluate(() => window.vbHarness.waitModel())).status).toBe('ready')

      const url = await colorClipUrl(server, '#cc3333')
      const urls = await h.page.evaluate(async (u) => {
        const first = await window.vbHarness.setBackgroundUpload(u, 'one.webm', 'video/webm', 'video')
        const made1 = window.vbHarness.objectUrls().made.slice(-1)[0]
        // Away from the video mode and back: the same upload plays again (its URL is kept until replaced).
        await window.vbHarness.setSettings({ mode: 'blur' })
        await new Promise((r) => setTimeout(r, 300))
        await window.vbHarness.setSettings({ mode: 'video' })
        await new Promise((r) => setTimeout(r, 300))
        const keptWhileAway = !window.vbHarness.objectUrls().revoked.includes(made1!)
        const second = await window.vbHarness.setBackgroundUpload(u, 'two.webm', 'video/webm', 'video')
        const made2 = window.vbHarness.objectUrls().made.slice(-1)[0]
        return { first, second, keptWhileAway, made1, made2, revoked: window.vbHarness.objectUrls().revoked, notice: window.vbHarness.state().notice }
      }, url)
      expect([urls.first, urls.second, urls.keptWhileAway]).toEqual([true, true, true])
      expect(urls.notice).toBeNull()
      expect(urls.revoked).toContain(urls.made1)
      expect(urls.revoked).not.toContain(urls.made2)
    })
  })

  it('keeps the new camera when the old one ends late, and shows the raw camera with a message when the compositor dies', async () => {
    const clip = await chromaClip(640, 480)
    await withHarness(server, clip.path, async (h) => {
      const { trackId } = await h.page.evaluate(() => window.vbHarness.start({ width: 640, height: 480, fps: 30, settings: { engine: 'chroma', mode: 'color', color: '#000000' } }))
      const before = await h.page.evaluate(() => window.vbHarness.delivered())
      await h.page.evaluate(() => window.vbHarness.switchCameraThenEndOld({ width: 640, height: 480, fps: 30 }))
      await h.page.waitForTimeout(1500)
      let s = await h.page.evaluate(() => window.vbHarness.state())
      expect([s.trackId, s.readyState, s.error]).toEqual([trackId, 'live', null])
      expect((await h.page.evaluate(() => window.vbHarness.delivered())) - before, 'frames after the old camera ended').toBeGreaterThan(20)

      // Killed without a word (as an out-of-memory kill would): the watchdog notices within its 6 s.
      expect(await h.page.evaluate(() => window.vbHarness.killCompositor())).toBe(1)
      await h.page.waitForFunction(() => window.vbHarness.state().pipeline === null, null, { timeout: 12_000 })
      s = await h.page.evaluate(() => window.vbHarness.state())
      expect(s.error).toMatch(/The background effect stopped \(it stopped responding.*Your camera is shown without it/)
      const out = await h.page.evaluate(async () => {
        const t = window.vbHarness.vb()!.track.value!
        const v = document.createElement('video')
        v.muted = true
        v.srcObject = new MediaStream([t])
        await v.play()
        let frames = 0
        const tick = () => {
          frames++
          v.requestVideoFrameCallback(tick)
        }
        v.requestVideoFrameCallback(tick)
        await new Promise((r) => setTimeout(r, 1500))
        const c = document.createElement('canvas')
        c.width = v.videoWidth
        c.height = v.videoHeight
        const ctx = c.getContext('2d')!
        ctx.drawImage(v, 0, 0)
        // Top-left: the green screen, raw (the key would have made it black).
        const [r, g, b] = ctx.getImageData(10, 10, 1, 1).data
        return { frames, r, g, b, live: t.readyState }
      })
      console.log(`raw camera after the compositor died: ${out.frames} frames in 1.5 s, top-left ${out.r},${out.g},${out.b}`)
      expect(out.live).toBe('live')
      expect(out.frames).toBeGreaterThan(15)
      expect(out.g!).toBeGreaterThan(out.r! + 60)
    })
  })
})
