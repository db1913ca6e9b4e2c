/**
 * Helpers for the call browser tests: pages that open a call link and join it as a person does (through the UI),
 * what their videos show, and a tap on each context's signaling WebSocket (Playwright's routeWebSocket, so the
 * app needs no test hooks) that records what a page sends, can hold what it receives, and can drop the connection.
 * (To keep signaling away after a drop, the tests take the context offline: Chromium's network emulation fails new
 * WebSocket connections but leaves WebRTC media alone.)
 */
import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core'
import { expect } from 'vitest'
import { startCoturn, type Daemon } from '../server/support/processes.ts'

export const REMOTE = (name: string) => `video[aria-label="Video of ${name}"]`

/** Virtual background settings written to the app's storage before it loads (what Capture would have saved). */
export async function useBackground(context: BrowserContext, settings: Record<string, unknown>): Promise<void> {
  await context.addInitScript((s) => {
    localStorage.setItem('media-studio.virtual-background.v1', JSON.stringify(s))
  }, settings)
}

/** Opens `url` (a call link) and fills the name on the pre-join screen. */
export async function openCall(context: BrowserContext, url: string, name: string): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error(`[${name}] page error:`, e.message))
  await page.goto(url)
  await page.getByLabel('Your name').fill(name)
  return page
}

export async function join(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Join call' }).click()
}

/** Frames the remote video has presented so far (grows while media flows). */
export function remoteFrames(page: Page, peer: string): Promise<number> {
  return page.evaluate((sel) => {
    const v = document.querySelector(sel) as HTMLVideoElement | null
    return v ? v.getVideoPlaybackQuality().totalVideoFrames : -1
  }, REMOTE(peer))
}

/** Waits until the video of `peer` shows frames and keeps getting new ones. */
export async function expectMediaFlowing(page: Page, peer: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction(
    (sel) => {
      const v = document.querySelector(sel) as HTMLVideoElement | null
      return !!v && v.readyState >= 2 && v.videoWidth > 0
    },
    REMOTE(peer),
    { timeout },
  )
  const before = await remoteFrames(page, peer)
  await expect.poll(() => remoteFrames(page, peer), { timeout: 10_000, interval: 200 }).toBeGreaterThan(before + 5)
}

/** Opens the stats panel (if closed) and its details. */
export async function openStats(page: Page): Promise<void> {
  const button = page.getByRole('button', { name: 'Connection statistics' })
  if ((await button.getAttribute('aria-pressed')) !== 'true') await button.click()
  const details = page.locator('details.details')
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await details.locator('summary').click()
}

export async function statText(page: Page, testId: string): Promise<string> {
  return (await page.getByTestId(testId).textContent())?.trim() ?? ''
}

interface Frame {
  event: string
  args: unknown[]
}

/** A socket.io event frame (`42[...]`), or null for anything else (pings, the handshake). */
export function parseSocketIo(frame: string | Buffer): Frame | null {
  const text = typeof frame === 'string' ? frame : frame.toString()
  if (!text.startsWith('42')) return null
  try {
    const [event, ...args] = JSON.parse(text.slice(2)) as [string, ...unknown[]]
    return { event, args }
  } catch {
    return null
  }
}

/** The signaling WebSocket(s) of one browser context, passed through to the real server, under the test's control. */
export class SignalingTap {
  /** Every event the page sent, in order. */
  readonly sent: Frame[] = []
  /** Every event the page received, in order (after any hold). */
  readonly received: Frame[] = []
  private holding = false
  private held: Array<() => void> = []
  private live = new Set<WebSocketRoute>()

  static async attach(context: BrowserContext): Promise<SignalingTap> {
    const tap = new SignalingTap()
    await context.routeWebSocket(/\/socket\.io\//, (ws) => tap.handle(ws))
    return tap
  }

  private handle(ws: WebSocketRoute) {
    const server = ws.connectToServer()
    this.live.add(ws)
    ws.onMessage((m) => {
      const f = parseSocketIo(m)
      if (f) this.sent.push(f)
      server.send(m)
    })
    server.onMessage((m) => {
      const f = parseSocketIo(m)
      const deliver = () => {
        if (f) this.received.push(f)
        ws.send(m)
      }
      if (this.holding && f?.event === 'message') this.held.push(deliver)
      else deliver()
    })
    ws.onClose(async (code, reason) => {
      this.live.delete(ws)
      await server.close({ code, reason }).catch(() => {})
    })
    server.onClose(async (code, reason) => {
      this.live.delete(ws)
      await ws.close({ code, reason }).catch(() => {})
    })
  }

  /** Holds signaling `message` events on their way to the page until `release()`. */
  hold(): void {
    this.holding = true
  }

  release(): void {
    this.holding = false
    for (const deliver of this.held.splice(0)) deliver()
  }

  /** Closes the page's signaling connection(s) from the network side (what `socket.io.engine.close()` causes). */
  async drop(): Promise<void> {
    await Promise.all([...this.live].map((ws) => ws.close({ code: 1006, reason: 'dropped by the test' }).catch(() => {})))
    this.live.clear()
  }

  /** Signal data types (offer, answer, candidate) the page sent, in order. */
  sentSignals(): string[] {
    return this.sent.filter((f) => f.event === 'message').map((f) => (f.args[1] as { type: string }).type)
  }
}

/** coturn on loopback for calls between two browsers of this machine (see startCoturn's allowLoopbackPeers). */
export function startLoopbackTurn(secret: string, realm = 'media-studio.test'): Promise<Daemon> {
  return startCoturn(secret, { realm, allowLoopbackPeers: true })
}
