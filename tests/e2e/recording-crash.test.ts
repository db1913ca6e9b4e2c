/**
 * Recovery after real crashes (finding 9), not a polite `page.close()` that lets in-flight IndexedDB writes finish:
 * - the renderer is killed (CDP `Page.crash`) mid-recording;
 * - the whole browser process is killed (SIGKILL) mid-recording, and a new browser on the same profile recovers it.
 * Either way at least 90 % of the recorded time must come back as a valid, seekable file (Matroska with known sizes,
 * a duration and cues; decodes cleanly with ffmpeg). The page is the recording harness (see recording.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { BASE_ARGS, CHROMIUM_PATH, fakeMediaArgs, launchChromium } from '../support/chromium.ts'
import { serveHarness, type HarnessServer } from './recording/serveHarness.ts'
import { decodeErrors, probe, webmIndex } from './recording/checks.ts'

let server: HarnessServer
const dir = mkdtempSync(join(tmpdir(), 'recording-crash-'))

async function openHarness(context: BrowserContext): Promise<Page> {
  const p = await context.newPage()
  await p.goto(server.url)
  await p.waitForFunction(() => document.title.includes('ready'))
  return p
}

/** Recovers `id` in `page` and checks the file: ≥ 90 % of `recordedMs`, valid and seekable. */
async function expectRecovered(page: Page, id: string, recordedMs: number, name: string) {
  const unfinished = await page.evaluate(() => window.harness.listUnfinished())
  expect(unfinished.find((u) => u.id === id)?.interrupted).toBe(true)
  const rec = await page.evaluate((rid) => window.harness.recover(rid), id)
  const file = join(dir, name)
  writeFileSync(file, Buffer.from(await page.evaluate((k) => window.harness.bytes(k), rec.id), 'base64'))
  const info = await probe(file)
  expect(info.durationS * 1000, `recovered ${info.durationS} s of ${recordedMs} ms`).toBeGreaterThanOrEqual(0.9 * recordedMs)
  expect(info.codecs).toContain('opus')
  const index = webmIndex(file)
  expect(index.knownSizes).toBe(true)
  expect(index.durationS).not.toBeNull()
  expect(index.cuePoints).toBeGreaterThan(0) // seekable
  expect(await decodeErrors(file)).toBe('')
}

beforeAll(async () => {
  server = await serveHarness({ isolated: true })
}, 180_000)
afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

/** SIGKILL to every process in `proc`'s group (it was spawned `detached`, so it leads one). */
function killGroup(proc: ChildProcess): void {
  try {
    process.kill(-proc.pid!, 'SIGKILL')
  } catch {
    // ESRCH: the group is already gone.
  }
}

describe('recording recovery after a crash', () => {
  it('recovers what was recorded before the renderer was killed (CDP Page.crash)', async () => {
    const browser: Browser = await launchChromium()
    try {
      // Its own context: a crashed renderer takes every page it hosts with it.
      const context = await browser.newContext()
      const page = await openHarness(context)
      const { id } = await page.evaluate(() => window.harness.startRecording('screen'))
      await page.waitForTimeout(6000)
      const recordedMs = (await page.evaluate(() => window.harness.status()))!.elapsedMs
      const crashed = new Promise((r) => page.once('crash', r))
      const cdp = await context.newCDPSession(page)
      void cdp.send('Page.crash').catch(() => {}) // never answers: the renderer is gone
      await crashed

      const fresh = await openHarness(context)
      await expectRecovered(fresh, id, recordedMs, 'renderer-crash.mkv')
    } finally {
      await browser.close()
    }
  }, 120_000)

  it('recovers what was recorded before the browser process was killed (SIGKILL), in a new browser on the profile', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'recording-crash-profile-'))
    /** Chromium on `profile`, driven over CDP so that the test holds the real process (to kill it). */
    async function start(): Promise<{ proc: ChildProcess; browser: Browser }> {
      const proc = spawn(
        CHROMIUM_PATH,
        [...BASE_ARGS, ...fakeMediaArgs(), '--headless', `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'],
        // Its own process group, so that "kill the browser" takes every Chromium process at once
        // (zygote, GPU, network, renderers), as an OS killing the app would, and none outlives it.
        { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
      )
      let err = ''
      const endpoint = await new Promise<string>((resolve, reject) => {
        proc.stderr!.on('data', (d: Buffer) => {
          err += d.toString()
          const m = /DevTools listening on (ws:\/\/\S+)/.exec(err)
          if (m) resolve(m[1]!)
        })
        proc.once('exit', (code) => reject(new Error(`chromium exited with ${code}: ${err}`)))
      })
      return { proc, browser: await chromium.connectOverCDP(endpoint) }
    }
    let first: Awaited<ReturnType<typeof start>> | undefined
    let second: Awaited<ReturnType<typeof start>> | undefined
    try {
      first = await start()
      const page = await openHarness(first.browser.contexts()[0]!)
      const { id } = await page.evaluate(() => window.harness.startRecording('screen'))
      await page.waitForTimeout(6000)
      const recordedMs = (await page.evaluate(() => window.harness.status()))!.elapsedMs
      const exited = once(first.proc, 'exit')
      // The whole browser, at once: no unload, no pending IndexedDB transaction gets to finish.
      killGroup(first.proc)
      await exited
      first = undefined

      second = await start()
      const fresh = await openHarness(second.browser.contexts()[0]!)
      await expectRecovered(fresh, id, recordedMs, 'browser-kill.mkv')
    } finally {
      await second?.browser.close().catch(() => {})
      for (const b of [first, second]) {
        if (b && b.proc.exitCode === null) {
          const exited = once(b.proc, 'exit')
          killGroup(b.proc)
          await exited
        } else if (b) killGroup(b.proc) // children that outlived the browser process
      }
      // A helper process may still be closing files in the profile for a moment after the kill.
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 })
    }
  }, 180_000)
})
