/**
 * A recording of more than 1 GB finishes and exports in bounded memory: its chunks are put into the chunk store as
 * MediaRecorder would (a camera-motion VP8 recording made by native ffmpeg, 4 MB chunks: recording 1 GB in real
 * time would take far longer than a test may), then finished by the app's finalize (streamed from the chunk store
 * to a file in the origin private file system) and exported to WebM (streamed in the export worker to another
 * file). Renderer memory (the RSS of the browser's renderer processes) is sampled throughout. The test checks the
 * behaviour: memory does not follow the file (growth under half its size; holding the file once, as before, grows
 * by more than the whole size; streaming measured +280 to +420 MB here for 1.07 GB, in both the finish and the
 * export phase, and where that growth comes from is not found yet). The issue's figure (at most 300 MB) is a target measured by the
 * `long-recording` bench line (`npm run bench -- --only export`), not asserted here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { launchChromiumPersistent } from '../support/chromium.ts'
import { memoryTagArgs, rendererRssBytes, samplePeak } from '../support/memory.ts'
import { largeRecording } from '../browser/clips.ts'
import { serveHarness, type HarnessServer } from './recording/serveHarness.ts'

const TAG = `long-${process.pid}`
let server: HarnessServer
let browser: BrowserContext
// A profile on disk: storage with a real quota, as a person's browser has (an off-the-record context keeps it in memory).
const profile = mkdtempSync(join(tmpdir(), 'recording-long-'))
let page: Page
let large: Awaited<ReturnType<typeof largeRecording>>

beforeAll(async () => {
  large = await largeRecording()
  server = await serveHarness({ isolated: true, files: { 'large.webm': large.path } })
  browser = await launchChromiumPersistent(profile, { extraArgs: memoryTagArgs(TAG) })
  page = await browser.newPage()
  page.on('pageerror', (e) => console.error('[page error]', e))
  await page.goto(server.url)
  await page.waitForFunction(() => document.title.includes('ready'))
}, 900_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  rmSync(profile, { recursive: true, force: true })
})

describe('long recordings (bounded memory)', () => {
  it('finishes and exports a recording of more than 1 GB to files on disk without holding it in renderer memory', async () => {
    expect(large.bytes).toBeGreaterThan(1e9)
    const { id, chunks } = await page.evaluate(([url, mime]) => window.harness.injectRecording(url, mime), [server.fileUrl('large.webm'), large.mimeType] as const)
    expect(chunks).toBeGreaterThan(200)
    // Let the page settle after the injection (its buffers are garbage now) before the baseline.
    await page.waitForTimeout(2000)
    const baseline = rendererRssBytes(TAG)
    let finishPeak = 0
    let exportPeak = 0
    let rec, webm
    let peak = samplePeak(TAG)
    try {
      rec = await page.evaluate((rid) => window.harness.finish(rid), id)
      finishPeak = peak.stop()
      peak = samplePeak(TAG)
      webm = await page.evaluate((rid) => window.harness.exportTo(rid, 'webm', { toDisk: true }), id)
    } finally {
      exportPeak = peak.stop()
    }
    const peakBytes = Math.max(finishPeak, exportPeak)
    if (!webm.ok) throw new Error(webm.error)
    const growthMb = (peakBytes - baseline) / 1e6
    console.info(`finish ${(rec.finishMs / 1000).toFixed(1)} s, export ${(webm.elapsedMs / 1000).toFixed(1)} s; renderer RSS ${(baseline / 1e6).toFixed(0)} MB -> peak ${(peakBytes / 1e6).toFixed(0)} MB (+${growthMb.toFixed(0)} MB; finishing +${((finishPeak - baseline) / 1e6).toFixed(0)}, exporting +${((exportPeak - baseline) / 1e6).toFixed(0)})`)
    // The finished file and the export are complete, seekable recordings of the whole input, kept on disk.
    expect(rec.onDisk).toBe(true)
    expect(rec.size).toBeGreaterThan(0.99 * large.bytes)
    expect(rec.durationMs / 1000).toBeGreaterThan(350)
    expect(webm.onDisk).toBe(true)
    expect(webm.path).toBe('remux')
    expect(webm.size).toBeGreaterThan(0.99 * large.bytes)
    expect(Math.abs(webm.mediaSeconds - rec.durationMs / 1000)).toBeLessThan(1)
    expect(growthMb).toBeLessThan(large.bytes / 1e6 / 2)
  }, 900_000)
})
