/**
 * {"bench":"call","join_to_first_frame_ms":N} and {"bench":"call","peers":4,"join_to_all_frames_ms":N}
 *
 * One to one:
 * From the second person's "Join call" to the first frame of the other person's video presented on their page,
 * over loopback through the real server, median of 5 calls. Both marks are the app's own User Timing marks
 * (`media-studio:call-join` when Join is pressed, `media-studio:call-first-remote-frame` from the remote video's
 * requestVideoFrameCallback), read from the second person's page. Each call is a new room with new pages; the
 * second person's camera preview is already showing when they press Join, as it is for a person.
 *
 * Group of four: three people are in the call (all connected); from the fourth person's "Join call" (the app's
 * `media-studio:call-join` mark) to the moment their page has presented a frame from each of the three others
 * (requestVideoFrameCallback on every remote video, in the page's own timeline), median of 3 calls. Chromium's fake
 * camera (640x480) on every page, all in one browser on this machine.
 */
import { buildApp, startServer } from '../tests/support/appServer.ts'
import { launchChromium } from '../tests/support/chromium.ts'
import { createRoomId } from '../src/lib/signaling/client.ts'
import type { BenchResult } from './run.ts'
import type { Page } from 'playwright-core'

const RUNS = 5
const GROUP_RUNS = 3

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

export default async function* call(): AsyncGenerator<BenchResult> {
  if (!process.env.BENCH_SKIP_BUILD) buildApp()
  const server = await startServer()
  const browser = await launchChromium()
  try {
    const times: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const link = `${server.url}/call/${createRoomId()}`
      const [ctxA, ctxB] = await Promise.all([browser.newContext(), browser.newContext()])
      const a = await ctxA.newPage()
      await a.goto(link)
      await a.getByRole('button', { name: 'Join call' }).click()
      await a.getByText('Waiting for someone to join').waitFor()
      const b = await ctxB.newPage()
      await b.goto(link)
      // Ready to join as a person would be: the preview shows the camera.
      await b.waitForFunction(() => {
        const v = document.querySelector('video[aria-label="Your camera preview"]') as HTMLVideoElement | null
        return !!v && v.readyState >= 2 && v.videoWidth > 0
      })
      await b.getByRole('button', { name: 'Join call' }).click()
      await b.waitForFunction(() => performance.getEntriesByName('media-studio:call-first-remote-frame').length > 0, null, {
        timeout: 20_000,
      })
      const ms = await b.evaluate(
        () =>
          performance.getEntriesByName('media-studio:call-first-remote-frame')[0]!.startTime -
          performance.getEntriesByName('media-studio:call-join')[0]!.startTime,
      )
      times.push(ms)
      console.error(`call run ${i + 1}: join to first remote frame ${ms.toFixed(0)} ms`)
      await Promise.all([ctxA.close(), ctxB.close()])
    }
    yield { bench: 'call', join_to_first_frame_ms: Math.round(median(times)) }

    const groupTimes: number[] = []
    for (let i = 0; i < GROUP_RUNS; i++) {
      const link = `${server.url}/call/${createRoomId()}`
      const contexts = await Promise.all([0, 1, 2, 3].map(() => browser.newContext()))
      const pages: Page[] = []
      // Each page is made when it is used, so it is the browser's front page (only that one gets animation
      // frames, which Playwright's clicks wait for).
      for (const [n, context] of contexts.slice(0, 3).entries()) {
        const page = await context.newPage()
        pages.push(page)
        console.error(`call group run ${i + 1}: person ${n + 1} joins`)
        await page.goto(link)
        await page.getByRole('button', { name: 'Join call' }).click()
        // Everyone already there is connected before the next one comes in.
        await page.waitForFunction(
          (others) =>
            [...document.querySelectorAll('video[aria-label^="Video of "]')].filter((v) => (v as HTMLVideoElement).videoWidth > 0).length >=
            others,
          n,
          // Polled on a timer: only the front page of a browser gets animation frames.
          { timeout: 30_000, polling: 250 },
        )
      }
      const d = await contexts[3]!.newPage()
      await d.goto(link)
      await d.waitForFunction(
        () => {
          const v = document.querySelector('video[aria-label="Your camera preview"]') as HTMLVideoElement | null
          return !!v && v.readyState >= 2 && v.videoWidth > 0
        },
        null,
        { polling: 250 },
      )
      // Watch for the first presented frame of each remote video from before the click on.
      // (A string, not a function: tsx's name helpers do not exist in the page.)
      await d.evaluate(`
        window.__allFrames = new Promise((resolve) => {
          const seen = new Map()
          const tick = () => {
            for (const v of document.querySelectorAll('video[aria-label^="Video of "]')) {
              if (seen.has(v)) continue
              seen.set(v, null)
              v.requestVideoFrameCallback((now) => seen.set(v, now))
            }
            const times = [...seen.values()].filter((t) => t !== null)
            if (times.length >= 3) resolve(Math.max(...times))
            else setTimeout(tick, 10)
          }
          tick()
        })
        undefined // (not the promise: evaluate would wait for it)
      `)
      await d.getByRole('button', { name: 'Join call' }).click()
      const ms = await d.evaluate(async () => {
        const all = await Promise.race([
          (window as unknown as { __allFrames: Promise<number> }).__allFrames,
          new Promise<number>((_, reject) => setTimeout(() => reject(new Error('no frames from all three others within 60 s')), 60_000)),
        ])
        return all - performance.getEntriesByName('media-studio:call-join')[0]!.startTime
      })
      groupTimes.push(ms)
      console.error(`call group run ${i + 1}: fourth join to frames from all three others ${ms.toFixed(0)} ms`)
      await Promise.all(contexts.map((c) => c.close()))
    }
    yield { bench: 'call', peers: 4, join_to_all_frames_ms: Math.round(median(groupTimes)) }
  } finally {
    await browser.close()
    await server.stop()
  }
}
