/**
 * {"bench":"call","join_to_first_frame_ms":N}
 * From the second person's "Join call" to the first frame of the other person's video presented on their page,
 * over loopback through the real server, median of 5 calls. Both marks are the app's own User Timing marks
 * (`media-studio:call-join` when Join is pressed, `media-studio:call-first-remote-frame` from the remote video's
 * requestVideoFrameCallback), read from the second person's page. Each call is a new room with new pages; the
 * second person's camera preview is already showing when they press Join, as it is for a person.
 */
import { buildApp, startServer } from '../tests/support/appServer.ts'
import { launchChromium } from '../tests/support/chromium.ts'
import { createRoomId } from '../src/lib/signaling/client.ts'
import type { BenchResult } from './run.ts'

const RUNS = 5

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
  } finally {
    await browser.close()
    await server.stop()
  }
}
