/**
 * The virtual background in WebKitGTK (MiniBrowser under Xvfb through WebKitWebDriver, the engine closest to
 * Safari that runs here), through the composable as the app loads it (Vite dev server, real workers).
 * WebKit has MediaStreamTrackProcessor and VideoTrackGenerator only in workers, so the `worker-track` pipeline
 * runs: the camera track is transferred to the compositor worker, whose generator's track is the output.
 *
 * The camera: first WebKit's mock camera (the preview through the pipeline), then, for pixels a test can
 * predict, a canvas captureStream() painted from a `<video>` playing the chroma clip made at test time with
 * ffmpeg (a textured horse on an uneven green screen, with its exact silhouette).
 *
 * WebKitGTK has no WebGL in workers, so the CPU renderer composites and person detection cannot run
 * (MediaPipe uploads frames through WebGL): the test checks the message it gives instead, and touch-up is checked
 * on the green-screen path (the portrait fixture on a green screen, made with ffmpeg). Safari has WebGL in
 * workers; person detection there is untested here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { iou, type Rect } from '../../src/lib/virtualBackground/mask.ts'
import { chromaClip, type ChromaClip } from './clips.ts'
import { clipUrl, colorClipUrl, openHarnessIn, startHarnessServer, type HarnessServer } from './harnessServer.ts'
import { stillClip } from '../support/media.ts'
import { alphaOf, CLIP, insideRect, measurePortrait, PORTRAIT_EDGES, PORTRAIT_SKIN, proveModes, touchUpEffect } from './vbProofs.ts'

let server: HarnessServer
let chroma: ChromaClip
let chromaUrl: string
let videoUrl: string
let portraitOnGreenUrl: string

beforeAll(async () => {
  server = await startHarnessServer()
  chroma = await chromaClip(640, 480)
  chromaUrl = await clipUrl(server, chroma.path)
  videoUrl = await colorClipUrl(server, CLIP.color)
  // The 512x512 portrait's top 480 lines, 64 px of green screen either side: the touch-up regions, moved right 64.
  portraitOnGreenUrl = await clipUrl(
    server,
    await stillClip('portrait-astronaut.jpg', 512, 512, 30, 2, {
      name: 'on-green',
      filter: 'crop=512:480:0:0,pad=640:480:64:0:color=0x00ff00',
    }),
    5,
  )
})
afterAll(async () => {
  await server?.close()
})

interface State {
  trackId: string
  readyState: string
  pipeline: string
  renderer: string
  error: string | null
  modelStatus: string
  ended: string[]
}

const greenStrip: Rect = { x: 0, y: 0, width: 48, height: 480 }

describe('WebKitGTK', () => {
  it('previews the mock camera through the worker-track pipeline, then keys, blurs and replaces a green screen, and grades it with a look, on the same track', async () => {
    const h = await openHarnessIn(server, 'webkit')
    try {
      const { trackId } = await h.call<{ trackId: string }>('start', {
        width: 640,
        height: 480,
        fps: 30,
        settings: { engine: 'chroma', mode: 'none' },
      })
      const preview = await h.call<{ fpsOut: number; pipeline: string; renderer: string }>('measure', 2)
      console.log(`webkit preview: ${preview.fpsOut.toFixed(1)} fps on ${preview.pipeline}/${preview.renderer}`)
      expect(preview.pipeline).toBe('worker-track')
      expect(preview.renderer).toBe('cpu')
      expect(preview.fpsOut).toBeGreaterThan(5)

      await h.call('switchCamera', { width: 640, height: 480, fps: 30, clipUrl: chromaUrl })
      // Mode `none`: the output is the clip as it is once its frames flow (the green strip turns green).
      const t0 = Date.now()
      for (;;) {
        const [strip] = (await h.call<{ regions: { mean: number[] }[] }>('regions', [greenStrip])).regions
        if (strip!.mean[1]! > strip!.mean[0]! + 60) break
        if (Date.now() - t0 > 30_000) throw new Error(`the clip camera shows no green screen after 30 s: ${strip!.mean}`)
        await new Promise((r) => setTimeout(r, 300))
      }
      const a = await alphaOf(h)
      expect([a.width, a.height]).toEqual([640, 480])
      const score = iou(a.data, chroma.truth, 128, 1)
      console.log(`webkit chroma colour: IoU ${score.toFixed(4)} against the exact silhouette`)
      expect(score).toBeGreaterThanOrEqual(0.97)
      await proveModes(h, {
        fg: insideRect(chroma.truth, 640, 480, 48),
        bg: greenStrip,
        videoUrl,
        trackId,
        label: 'webkit chroma',
        settleMs: 2500,
      })

      // A colour look grades the picture (warm: red up, blue down), on the same track.
      const whole: Rect = { x: 0, y: 0, width: 640, height: 480 }
      await h.call('setSettings', { mode: 'none' })
      await new Promise((r) => setTimeout(r, 2500))
      const [plain] = (await h.call<{ regions: { mean: number[] }[] }>('regions', [whole])).regions
      await h.call('setSettings', { look: { id: 'warm', strength: 1 } })
      await new Promise((r) => setTimeout(r, 2500))
      const [warm] = (await h.call<{ regions: { mean: number[] }[] }>('regions', [whole])).regions
      console.log(`webkit warm look: ${plain!.mean.map((x) => x.toFixed(0)).join('/')} -> ${warm!.mean.map((x) => x.toFixed(0)).join('/')}`)
      expect(warm!.mean[0]! - plain!.mean[0]!).toBeGreaterThan(4)
      expect(plain!.mean[2]! - warm!.mean[2]!).toBeGreaterThan(4)
      await h.call('setSettings', { look: { id: 'none', strength: 1 } })

      // Person detection cannot run without WebGL in workers: a message says so and what to do.
      await h.call('setSettings', { engine: 'segmentation', mode: 'blur' })
      const model = await h.call<{ status: string; error: string | null }>('waitModel')
      expect(model.status).toBe('error')
      expect(model.error).toMatch(/needs WebGL in workers.*Choose Green screen instead/)
      const s = await h.call<State>('state')
      expect([s.trackId, s.readyState, s.ended]).toEqual([trackId, 'live', []])
    } catch (err) {
      console.error(h.logs.join('\n'), JSON.stringify(await h.call('state').catch((e: unknown) => String(e))))
      throw err
    } finally {
      await h.close()
    }
  })

  it('touches up a portrait on a green screen (the key says where the person is; no person detection needed)', async () => {
    const h = await openHarnessIn(server, 'webkit')
    try {
      // The portrait on a green screen, the green replaced by a colour, then touch-up at full strength.
      await h.call('start', {
        width: 640,
        height: 480,
        fps: 30,
        clipUrl: portraitOnGreenUrl,
        settings: { engine: 'chroma', mode: 'color', color: '#202020' },
      })
      const moved = (r: Rect): Rect => ({ ...r, x: r.x + 64 })
      const rects = [...PORTRAIT_SKIN, ...PORTRAIT_EDGES].map(moved)
      type R = { regions: { mean: number[] }[] }
      const t1 = Date.now()
      for (;;) {
        // The clip is on once the left strip is the replacing colour, not green, and the face is there.
        const [left, cheek] = (await h.call<R>('regions', [{ x: 0, y: 0, width: 48, height: 480 }, rects[0]!])).regions
        if (left!.mean[1]! < 60 && cheek!.mean[0]! > 100) break
        if (Date.now() - t1 > 30_000) throw new Error(`no keyed portrait after 30 s: ${left!.mean} ${cheek!.mean}`)
        await new Promise((r) => setTimeout(r, 300))
      }
      await new Promise((r) => setTimeout(r, 1500))
      const measure = () => measurePortrait(h, rects)
      const before = await measure()
      await h.call('setSettings', { touchUp: { strength: 1 } })
      await new Promise((r) => setTimeout(r, 2500))
      const after = await measure()
      const st = await h.call<State>('state')
      expect([st.pipeline, st.renderer, st.error]).toEqual(['worker-track', 'cpu', null])
      const { drop, edges } = touchUpEffect(before, after)
      console.log(
        `webkit touch-up (green screen): skin variance drop ${(drop * 100).toFixed(0)}%, edges ${edges.map((e) => (e * 100).toFixed(1) + '%').join(' ')}`,
      )
      expect(drop).toBeGreaterThanOrEqual(0.4)
      for (const e of edges) expect(Math.abs(e)).toBeLessThanOrEqual(0.1)
    } catch (err) {
      console.error(h.logs.join('\n'), JSON.stringify(await h.call('state').catch((e: unknown) => String(e))))
      throw err
    } finally {
      await h.close()
    }
  })
})
