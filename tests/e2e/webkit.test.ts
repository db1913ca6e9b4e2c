/**
 * What WebKitGTK (the engine closest to Safari that runs here: MiniBrowser through WebKitWebDriver, in Xvfb, with its
 * mock camera) can run of the app: the built app's camera preview, and photo filters computed on pixels, since its
 * 2D canvas has no `ctx.filter`, as Safari's has none.
 *
 * Not tested here, and marked so in the README's support table: recording (Debian's WebKitGTK MediaRecorder writes
 * empty video files), saving to the gallery (IndexedDB Blob writes fail in automation sessions) and calls (no
 * RTCPeerConnection in Debian's build). So the photo test runs the app's pixel filter module in the page on the
 * fixture as WebKit decodes it, not the whole Take photo → Gallery path.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { launchWebKit, type RunningWebKit } from '../support/webkit.ts'
import { FIXTURES } from '../support/media.ts'
import { FILTERS, filterFunction } from '@/lib/filters'
import { applyFilter } from '@/lib/filterPixels'
import { compareRgba, drawFixture, rgbaOf, type Drawn } from '../support/filterPixels.ts'

const baseURL = inject('baseURL')

/** src/lib/filterPixels.ts as a script WebKit can run (it imports nothing), exposed as `window.filterPixels`. */
function filterModuleScript(): string {
  const src = readFileSync(new URL('../../src/lib/filterPixels.ts', import.meta.url), 'utf8')
  const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText
  return `const exports = {}; (function (exports) { ${js} })(exports); window.filterPixels = exports;`
}

describe('WebKitGTK', () => {
  let wk: RunningWebKit
  beforeAll(async () => {
    wk = await launchWebKit()
  })
  afterAll(async () => {
    await wk?.close()
  })

  test('the camera preview shows moving frames from the mock camera', async () => {
    await wk.client.navigateTo(`${baseURL}/`)
    const shown = await wk.run<{ advancedS: number; changes: number[]; paused: boolean }>(`
      const deadline = Date.now() + 30000
      let v
      while (Date.now() < deadline) {
        v = document.querySelector('video[aria-label="Camera preview"]')
        if (v && v.readyState >= 2 && v.videoWidth > 0) break
        await new Promise((r) => setTimeout(r, 200))
      }
      if (!v || !v.videoWidth) throw new Error('no camera picture within 30 s')
      const c = document.createElement('canvas')
      c.width = 160
      c.height = 120
      const g = c.getContext('2d')
      const snap = () => {
        g.drawImage(v, 0, 0, 160, 120)
        return g.getImageData(0, 0, 160, 120).data
      }
      const t0 = v.currentTime
      // Eight pictures a quarter of a second apart; for each, how many pixels changed since the one before.
      let last = snap()
      const changes = []
      for (let k = 0; k < 8; k++) {
        await new Promise((r) => setTimeout(r, 250))
        const now = snap()
        let changed = 0
        for (let i = 0; i < now.length; i += 4) if (Math.abs(now[i] - last[i]) + Math.abs(now[i + 1] - last[i + 1]) + Math.abs(now[i + 2] - last[i + 2]) > 30) changed++
        changes.push(changed)
        last = now
      }
      return { advancedS: v.currentTime - t0, changes, paused: v.paused }`)
    // (WebKitGTK fires no requestVideoFrameCallback for a camera here: playback time and the picture are checked.)
    // The mock camera's picture moves (its clock and counter): a playing preview shows a new picture every quarter
    // second (allow two slow ones on a loaded machine), a frozen one the same picture throughout.
    console.log('[webkit] preview changes per 250 ms', shown.changes)
    expect(shown.paused).toBe(false)
    expect(shown.advancedS).toBeGreaterThan(1.5)
    expect(shown.changes.filter((n) => n > 10).length).toBeGreaterThanOrEqual(6)
  })

  test('photo filters computed on pixels: ctx.filter is absent, and every filter gives the pixels it gives in Node', async () => {
    const png = execFileSync('ffmpeg', ['-v', 'error', '-i', join(FIXTURES, 'portrait-astronaut.jpg'), '-vf', 'scale=240:180', '-f', 'image2pipe', '-c:v', 'png', '-'], { maxBuffer: 16 << 20 }).toString('base64')
    await wk.client.navigateTo(`${baseURL}/`)
    await wk.client.executeScript(filterModuleScript(), [])
    const draw = `return (${drawFixture.toString()})(args[0])`
    const plain = await wk.run<Drawn>(draw, { png, filter: 'none' })
    // As in Safari: setting ctx.filter does nothing, which is why the app computes filters on pixels here.
    expect(await wk.run<boolean>(`return window.filterPixels.contextFilterWorks(document.createElement('canvas').getContext('2d'))`)).toBe(false)
    for (const css of FILTERS.map((f) => filterFunction(f.id, f.defaultAmount, 1.5))) {
      const inWebKit = await wk.run<string>(
        `const d = Uint8ClampedArray.from(atob(args[0].rgba), (c) => c.charCodeAt(0))
         window.filterPixels.applyFilter({ data: d, width: args[0].width, height: args[0].height }, args[1])
         let s = ''
         for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000))
         return btoa(s)`,
        plain,
        css,
      )
      const inNode = applyFilter({ data: rgbaOf(plain), width: plain.width, height: plain.height }, css)
      const r = compareRgba(new Uint8ClampedArray(Buffer.from(inWebKit, 'base64')), inNode.data)
      // The same code on the same pixels: byte for byte (JavaScriptCore and V8 compute the same doubles).
      expect(r.max, css).toBe(0)
      // And it is a real filter on WebKit's own decoding of the picture, which differs from the plain one.
      expect(compareRgba(rgbaOf(plain), inNode.data).mean, css).toBeGreaterThan(1)
    }
  })
})
