/**
 * The virtual background in Firefox (Debian's firefox-esr through puppeteer-core over WebDriver BiDi), through
 * the composable as the app loads it (Vite dev server, real workers). Firefox has no MediaStreamTrackProcessor
 * and refuses captureStream() on a canvas whose control went to a worker, so the `worker-bitmap` pipeline runs.
 *
 * The camera: Firefox's fake camera is a flat colour, so each test's SOURCE track is a canvas captureStream()
 * painted with every frame of a `<video>` playing a WebM clip made at test time with ffmpeg (HarnessStart.clipUrl):
 * the chroma clip (a textured horse on an uneven, noisy green screen, with its exact silhouette) or the astronaut
 * portrait (tests/fixtures).
 *
 * Headless Firefox has no WebGL at all, so there the CPU renderer composites and person detection cannot run
 * (MediaPipe uploads frames through WebGL): headless covers the chroma key on the CPU renderer and that
 * failure's message. Headed Firefox under Xvfb has WebGL2 (Mesa's software renderer): it covers person detection
 * and the WebGL2 renderer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { iou, regionFraction, type Rect } from '../../src/lib/virtualBackground/mask.ts'
import { stillClip } from '../support/media.ts'
import { chromaClip, type ChromaClip } from './clips.ts'
import {
  clipUrl,
  colorClipUrl,
  openHarnessIn,
  startHarnessServer,
  type HarnessDriver,
  type HarnessEngine,
  type HarnessServer,
  withOpened,
} from './harnessServer.ts'
import { alphaOf, CLIP, insideRect, measurePortrait, PORTRAIT_EDGES, PORTRAIT_SKIN, proveModes, touchUpEffect } from './vbProofs.ts'

let server: HarnessServer
let chroma: ChromaClip
let chromaUrl: string
let portraitUrl: string
let videoUrl: string

beforeAll(async () => {
  server = await startHarnessServer()
  chroma = await chromaClip(640, 480)
  chromaUrl = await clipUrl(server, chroma.path)
  portraitUrl = await clipUrl(server, await stillClip('portrait-astronaut.jpg', 512, 512, 30, 2), 5)
  videoUrl = await colorClipUrl(server, CLIP.color)
})
afterAll(async () => {
  await server?.close()
})

function withFirefox<T>(engine: HarnessEngine, fn: (h: HarnessDriver) => Promise<T>): Promise<T> {
  return withOpened(openHarnessIn(server, engine), fn)
}

interface State {
  trackId: string
  readyState: string
  pipeline: string
  renderer: string
  error: string | null
  ended: string[]
}

// Regions of the 512x512 portrait (as in vb.test.ts).
const face: Rect = { x: 180, y: 60, width: 90, height: 90 }
const torso: Rect = { x: 90, y: 260, width: 240, height: 140 }
const flag: Rect = { x: 0, y: 0, width: 50, height: 190 }
const backdrop: Rect = { x: 300, y: 0, width: 200, height: 60 }
/** The chroma clip's left strip: green screen only (the horse starts at x = 56). */
const greenStrip: Rect = { x: 0, y: 0, width: 48, height: 480 }

async function proveChroma(h: HarnessDriver, label: string, renderer?: 'webgl2' | 'cpu') {
  const { trackId } = await h.call<{ trackId: string }>('start', {
    width: 640,
    height: 480,
    fps: 30,
    clipUrl: chromaUrl,
    renderer,
    settings: { engine: 'chroma', mode: 'color' },
  })
  await new Promise((r) => setTimeout(r, 1500))
  const s = await h.call<State>('state')
  expect(s.pipeline).toBe('worker-bitmap')
  expect(s.renderer).toBe(renderer ?? 'cpu')
  const a = await alphaOf(h)
  expect([a.width, a.height]).toEqual([640, 480])
  const score = iou(a.data, chroma.truth, 128, 1)
  console.log(`${label} colour: IoU ${score.toFixed(4)} against the exact silhouette`)
  expect(score).toBeGreaterThanOrEqual(0.97)
  // WebGL2 on Mesa's software renderer is slow (why the CPU renderer is the automatic choice there): longer windows.
  await proveModes(h, {
    fg: insideRect(chroma.truth, 640, 480, 48),
    bg: greenStrip,
    videoUrl,
    trackId,
    label,
    settleMs: renderer === 'webgl2' ? 3000 : 1200,
  })
  return trackId
}

async function provePerson(h: HarnessDriver, label: string, trackId: string, settleMs = 1800) {
  const model = await h.call<{ status: string; error: string | null }>('waitModel')
  expect(model).toEqual({ status: 'ready', error: null })
  await new Promise((r) => setTimeout(r, 1500))
  const a = await alphaOf(h)
  const fg = (r: Rect) => regionFraction(a.data, a.width, r, 128)
  const faceTorso =
    (fg(face) * face.width * face.height + fg(torso) * torso.width * torso.height) / (face.width * face.height + torso.width * torso.height)
  console.log(`${label} colour: face+torso ${faceTorso.toFixed(3)}, flag ${fg(flag).toFixed(3)}, backdrop ${fg(backdrop).toFixed(3)}`)
  expect(faceTorso).toBeGreaterThanOrEqual(0.9)
  expect(fg(flag)).toBeLessThanOrEqual(0.05)
  expect(fg(backdrop)).toBeLessThanOrEqual(0.05)
  await proveModes(h, { fg: face, bg: flag, videoUrl, trackId, label, settleMs, person: true })
}

describe('Firefox, headless (no WebGL: the CPU renderer)', () => {
  it('green screen: colour keys to IoU >= 0.97, blur, picture and video each show their effect, on one live track', async () => {
    await withFirefox('firefox', async (h) => {
      const trackId = await proveChroma(h, 'firefox headless chroma')
      // A camera switch (to the portrait) keeps the track; a late `ended` from the old camera changes nothing.
      let before = await h.call<number>('delivered')
      await h.call('switchCamera', { width: 512, height: 512, fps: 30, clipUrl: portraitUrl })
      await new Promise((r) => setTimeout(r, 1000))
      let s = await h.call<State>('state')
      expect([s.trackId, s.readyState, s.ended]).toEqual([trackId, 'live', []])
      expect((await h.call<number>('delivered')) - before).toBeGreaterThan(10)
      before = await h.call<number>('delivered')
      await h.call('switchCameraThenEndOld', { width: 640, height: 480, fps: 30, clipUrl: chromaUrl })
      await new Promise((r) => setTimeout(r, 1500))
      s = await h.call<State>('state')
      expect([s.trackId, s.readyState, s.error]).toEqual([trackId, 'live', null])
      expect((await h.call<number>('delivered')) - before, 'frames after the old camera ended').toBeGreaterThan(15)
    })
  })

  it('person detection without WebGL says why and what to do, and shows the camera as it is', async () => {
    await withFirefox('firefox', async (h) => {
      await h.call('start', {
        width: 512,
        height: 512,
        fps: 30,
        clipUrl: portraitUrl,
        settings: { engine: 'segmentation', mode: 'color', color: '#000000' },
      })
      const model = await h.call<{ status: string; error: string | null }>('waitModel')
      expect(model.status).toBe('error')
      expect(model.error).toMatch(/needs WebGL in workers.*Choose Green screen instead/)
      // The raw camera: the backdrop keeps its own colour, not the black background colour.
      await new Promise((r) => setTimeout(r, 1000))
      const r = await h.call<{ regions: { mean: number[] }[] }>('regions', [backdrop])
      expect(Math.max(...r.regions[0]!.mean)).toBeGreaterThan(40)
      expect((await h.call<{ fpsOut: number }>('measure', 2)).fpsOut).toBeGreaterThan(10)
    })
  })
})

describe('Firefox, headed under Xvfb (WebGL2 by Mesa)', () => {
  it('person detection (CPU renderer): the person stays in colour, blur, picture and video', async () => {
    await withFirefox('firefox-headed', async (h) => {
      const { trackId } = await h.call<{ trackId: string }>('start', {
        width: 512,
        height: 512,
        fps: 30,
        clipUrl: portraitUrl,
        settings: {
          engine: 'segmentation',
          mode: 'color',
          segmentation: { model: 'general', maskFps: 30, edgeSoftness: 0.5, temporalSmoothing: 0.5 },
        },
      })
      await provePerson(h, 'firefox headed ML/cpu', trackId)
    })
  })

  it('touch-up and a look (CPU renderer): smoother skin, sharp eyes and hair, a warmer picture', async () => {
    await withFirefox('firefox-headed', async (h) => {
      await h.call('start', {
        width: 512,
        height: 512,
        fps: 30,
        clipUrl: portraitUrl,
        settings: {
          engine: 'segmentation',
          mode: 'none',
          segmentation: { model: 'general', maskFps: 30, edgeSoftness: 0.5, temporalSmoothing: 0.5 },
        },
      })
      const whole: Rect = { x: 0, y: 0, width: 512, height: 512 }
      const rects = [...PORTRAIT_SKIN, ...PORTRAIT_EDGES, whole]
      await new Promise((r) => setTimeout(r, 1500))
      const measure = () => measurePortrait(h, rects)
      const before = await measure()
      await h.call('setSettings', { touchUp: { strength: 1 } })
      expect(await h.call('waitModel')).toEqual({ status: 'ready', error: null })
      await new Promise((r) => setTimeout(r, 2500))
      const after = await measure()
      expect((await h.call<State>('state')).renderer).toBe('cpu')
      const { drop, edges } = touchUpEffect(before, after)
      console.log(
        `firefox touch-up: skin variance drop ${(drop * 100).toFixed(0)}%, edges ${edges.map((e) => (e * 100).toFixed(1) + '%').join(' ')}`,
      )
      expect(drop).toBeGreaterThanOrEqual(0.4)
      for (const e of edges) expect(Math.abs(e)).toBeLessThanOrEqual(0.1)
      // A warm look: red up and blue down over the whole picture.
      await h.call('setSettings', { look: { id: 'warm', strength: 1 } })
      await new Promise((r) => setTimeout(r, 1500))
      const warm = (await measure()).at(-1)!.mean
      const plain = after.at(-1)!.mean
      console.log(`firefox warm look: ${plain.map((x) => x.toFixed(0)).join('/')} -> ${warm.map((x) => x.toFixed(0)).join('/')}`)
      expect(warm[0]! - plain[0]!).toBeGreaterThan(4)
      expect(plain[2]! - warm[2]!).toBeGreaterThan(4)
    })
  })

  it('the WebGL2 renderer: green screen and person detection, every mode', async () => {
    await withFirefox('firefox-headed', async (h) => {
      const trackId = await proveChroma(h, 'firefox headed chroma/webgl2', 'webgl2')
      await h.call('switchCamera', { width: 512, height: 512, fps: 30, clipUrl: portraitUrl })
      await h.call('setSettings', {
        engine: 'segmentation',
        segmentation: { model: 'general', maskFps: 30, edgeSoftness: 0.5, temporalSmoothing: 0.5 },
      })
      await provePerson(h, 'firefox headed ML/webgl2', trackId, 3000)
    })
  })
})
