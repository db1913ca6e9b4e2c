/**
 * Group calls end to end: four headless Chromium browsers (one per person, so each camera can play its own clip)
 * join one room through the real signaling server, at 320x240 to fit this 2-core machine. Each camera shows a
 * different colour with a moving white square, so a page can tell whose picture it decodes; only Alice's
 * microphone plays a voice-like sound (the others play silence), so she is the one outlined as speaking. Then what groups go
 * through: a fifth person turned away, chat to everyone and a file to one person, the grid and a pinned tile at
 * desktop and phone sizes, the stats per connection, someone leaving and a newcomer taking the seat, a reload.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join as joinPath } from 'node:path'
import { promisify } from 'node:util'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium } from '../support/chromium.ts'
import { scratchDir } from '../support/media.ts'
import { videoRgb } from '../support/pixels.ts'
import { createRoomId } from '../../src/lib/signaling/client.ts'
import { REMOTE, expectMediaFlowing, join, openCall } from './callSupport.ts'

const run = promisify(execFile)
const baseURL = inject('baseURL')

/** Each person's camera colour (RGB), far apart from each other. */
const PEOPLE = {
  Alice: [200, 40, 40],
  Bob: [40, 170, 60],
  Carol: [40, 70, 210],
  Dave: [220, 200, 40],
} as const
type Name = keyof typeof PEOPLE
const NAMES = Object.keys(PEOPLE) as Name[]

/** A 320x240 clip (y4m) of a flat colour with a white square moving across it, looped by the fake camera. */
async function colourClip(rgb: readonly number[]): Promise<string> {
  const hex = rgb.map((v) => v.toString(16).padStart(2, '0')).join('')
  const path = joinPath(scratchDir(), `group-${hex}-320x240.y4m`)
  if (!existsSync(path)) {
    // prettier-ignore
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x${hex}:s=320x240:r=15:d=4`,
      '-vf', "drawbox=x='mod(t*80,280)':y=100:w=40:h=40:color=white:t=fill", '-pix_fmt', 'yuv420p', path])
  }
  return path
}

/**
 * A microphone clip: speech-like sound (a voice-range tone gliding up and down, in bursts 0.4 s apart, since the
 * microphone's noise suppression takes a steady tone away as noise) or silence.
 */
async function audioClip(voice: boolean): Promise<string> {
  const path = joinPath(scratchDir(), `group-${voice ? 'voice' : 'silence'}.wav`)
  if (!existsSync(path)) {
    const src = voice
      ? "aevalsrc='0.6*sin(2*PI*(180+90*sin(2*PI*0.7*t))*t)*gt(sin(2*PI*2.5*t),-0.3)':s=48000:d=10"
      : 'anullsrc=r=48000:cl=mono:d=10'
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', src, '-ac', '1', path])
  }
  return path
}

/** How close the middle band of `peer`'s video (above the moving square) is to their camera's colour: max channel gap. */
async function colourGap(page: Page, peer: Name): Promise<number> {
  const rgb = await videoRgb(page, REMOTE(peer), 16, 12)
  const want = PEOPLE[peer]
  let worst = 0
  // Rows 1-3 of 12: the square moves along rows 5-6.
  for (let y = 1; y <= 3; y++) {
    for (let x = 2; x < 14; x++) {
      const i = (y * 16 + x) * 3
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(rgb[i + c]! - want[c]!))
    }
  }
  return worst
}

interface Person {
  name: Name | 'Erin'
  context: BrowserContext
  page: Page
}

describe('a group call of four through the real server', () => {
  const room = createRoomId()
  const link = `${baseURL}/call/${room}`
  const browsers = new Map<Name, Browser>()
  const people = new Map<string, Person>()

  async function open(name: Name | 'Erin', browserOf: Name, viewport = { width: 1280, height: 800 }): Promise<Person> {
    const context = await browsers.get(browserOf)!.newContext({ viewport, permissions: ['camera', 'microphone'] })
    // Keeps the page's peer connections where the test can read their senders back (the app has no test hooks).
    await context.addInitScript(() => {
      const Native = window.RTCPeerConnection
      const all: RTCPeerConnection[] = []
      ;(window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = all
      window.RTCPeerConnection = class extends Native {
        constructor(config?: RTCConfiguration) {
          super(config)
          all.push(this)
        }
      }
    })
    const page = await openCall(context, link, name)
    const p = { name, context, page }
    people.set(name, p)
    return p
  }
  const person = (name: string) => people.get(name)!
  const others = (name: Name) => NAMES.filter((n) => n !== name)

  beforeAll(async () => {
    const silence = await audioClip(false)
    const voice = await audioClip(true)
    for (const name of NAMES) {
      const videoFile = await colourClip(PEOPLE[name])
      browsers.set(name, await launchChromium({ videoFile, audioFile: name === 'Alice' ? voice : silence }))
    }
  })
  afterAll(async () => {
    await Promise.all([...browsers.values()].map((b) => b.close()))
  })

  test('four people join one by one: every page decodes the other three, each showing its own camera', async () => {
    for (const name of NAMES) {
      const p = await open(name, name)
      await join(p.page)
      // Wait for this one to see everyone before the next comes in (the order of arrival is the test's, not luck).
      for (const other of NAMES.slice(0, NAMES.indexOf(name))) await expectMediaFlowing(p.page, other, 30_000)
    }
    for (const name of NAMES) {
      const { page } = person(name)
      for (const other of others(name)) {
        await expectMediaFlowing(page, other, 30_000)
        // The picture is that person's (their colour), not someone else's stream on the wrong tile.
        await expect.poll(() => colourGap(page, other), { timeout: 10_000 }).toBeLessThan(40)
      }
      expect(await page.locator('video[aria-label^="Video of "]').count()).toBe(3)
    }
  })

  test('a fifth person is told the call is full', async () => {
    const erin = await open('Erin', 'Alice')
    await join(erin.page)
    await erin.page.getByRole('heading', { name: 'This call is full' }).waitFor()
  })

  test("the person speaking is outlined on the others' pages (only Alice's microphone plays a sound)", async () => {
    for (const name of others('Alice')) {
      const tile = person(name).page.locator('[data-testid="remote-video"][data-speaking]')
      await expect.poll(() => tile.locator('video').getAttribute('aria-label'), { timeout: 10_000 }).toBe('Video of Alice')
    }
  })

  test('a chat message reaches all three others; a file to one person reaches only that person', async () => {
    const alice = person('Alice').page
    for (const name of NAMES) await person(name).page.getByRole('button', { name: 'Chat and files' }).click()
    await alice.getByRole('textbox', { name: 'Message' }).fill('Hello all three of you')
    await alice.getByRole('button', { name: 'Send message' }).click()
    for (const name of others('Alice')) {
      const msg = person(name).page.locator('.msg.peer', { hasText: 'Hello all three of you' })
      await msg.waitFor()
      expect(await msg.locator('.meta').textContent()).toMatch(/^Alice ·/)
    }

    const to = alice.locator('.el-select', { has: alice.getByRole('combobox', { name: 'Send files to' }) })
    expect(await to.textContent()).toMatch(/Everyone/)
    await to.click()
    await alice.getByRole('option', { name: 'Carol' }).filter({ visible: true }).click()
    const body = Buffer.from('for Carol only')
    await alice.getByLabel('Files to send').setInputFiles({ name: 'carol.txt', mimeType: 'text/plain', buffer: body })
    const carol = person('Carol').page
    const save = carol.getByRole('link', { name: 'Save carol.txt' })
    await save.waitFor({ timeout: 20_000 })
    const download = carol.waitForEvent('download')
    await save.click()
    const chunks: Buffer[] = []
    for await (const c of await (await download).createReadStream()) chunks.push(c as Buffer)
    expect(Buffer.concat(chunks).equals(body)).toBe(true)
    expect(await carol.locator('.transfer', { hasText: 'carol.txt' }).textContent()).toMatch(/From Alice/)
    await alice.locator('.transfer.done', { hasText: 'carol.txt' }).waitFor()
    expect(await alice.locator('.transfer', { hasText: 'carol.txt' }).count()).toBe(1)
    expect(await alice.locator('.transfer', { hasText: 'carol.txt' }).textContent()).toMatch(/To Carol/)
    // The others got nothing: no entry at all (the file was never offered to them).
    for (const name of ['Bob', 'Dave'] as const) expect(await person(name).page.locator('.transfer').count()).toBe(0)
    for (const name of NAMES) await person(name).page.getByRole('button', { name: 'Close Chat and files' }).click()
  })

  test('the grid fits all four tiles at 1280x800 and at 375x812, and a pinned tile is shown large', async () => {
    const inView = (page: Page) =>
      page.evaluate(() =>
        [...document.querySelectorAll('.tiles > *')].map((el) => {
          const r = el.getBoundingClientRect()
          return {
            w: Math.round(r.width),
            h: Math.round(r.height),
            inside: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth,
          }
        }),
      )
    const bob = person('Bob').page
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 375, height: 812 },
    ]) {
      await bob.setViewportSize(viewport)
      const tiles = await inView(bob)
      expect(tiles).toHaveLength(4)
      for (const t of tiles) {
        expect(t.inside).toBe(true)
        expect(t.w).toBeGreaterThan(viewport.width / 3)
      }
      // The controls stay in view under the grid.
      const leave = await bob.getByRole('button', { name: 'Leave call' }).boundingBox()
      expect(leave!.y + leave!.height).toBeLessThanOrEqual(viewport.height)
    }
    await bob.setViewportSize({ width: 1280, height: 800 })
    const tile = (name: string) => bob.locator('[data-testid="remote-video"]', { has: bob.locator(`video[aria-label="Video of ${name}"]`) })
    await bob.getByRole('button', { name: 'Pin Carol' }).click()
    const size = async (name: string) => (await tile(name).boundingBox())!
    const pinned = await size('Carol')
    for (const name of ['Alice', 'Dave']) {
      const other = await size(name)
      expect(pinned.width * pinned.height).toBeGreaterThan(4 * other.width * other.height)
    }
    await bob.getByRole('button', { name: 'Unpin Carol' }).click()
    await expect.poll(async () => Math.round((await size('Carol')).width)).toBe(Math.round((await size('Alice')).width))
  })

  test('the stats panel shows each connection and the total upload; each video sender is capped at its share of 2.5 Mbps', async () => {
    const alice = person('Alice').page
    await alice.getByRole('button', { name: 'Connection statistics' }).click()
    await expect
      .poll(() => alice.getByTestId('stat-upload-total').textContent(), { timeout: 10_000 })
      .toMatch(/Uploading [\d.]+ (kbps|Mbps) in total to 3 people \(limit 2\.50 Mbps\) · video to each person capped at 793 kbps/)
    await alice.locator('.el-select', { has: alice.getByRole('combobox', { name: 'Connection with' }) }).click()
    await alice.getByRole('option', { name: 'Dave' }).filter({ visible: true }).click()
    // The numbers now are those of the connection with Dave: it receives his 320x240 video.
    await expect.poll(() => alice.getByTestId('stat-video-in').textContent(), { timeout: 10_000 }).toMatch(/^320×240/)
    await alice.getByRole('button', { name: 'Close Connection' }).click()
    // The cap is on the senders themselves: every open connection's video encoding has maxBitrate 793 kbit/s.
    const caps = await alice.evaluate(() =>
      (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
        .filter((pc) => pc.connectionState === 'connected')
        .map(
          (pc) =>
            pc
              .getTransceivers()
              .find((t) => t.receiver.track.kind === 'video')
              ?.sender.getParameters().encodings[0]?.maxBitrate,
        ),
    )
    expect(caps).toEqual([793_000, 793_000, 793_000])
  })

  test("screen and camera at once: the others get Bob's screen next to his camera; stopping the share removes only the screen", async () => {
    const bob = person('Bob').page
    const SCREEN = 'video[aria-label="Screen shared by Bob"]'
    const width = (page: Page) => page.evaluate((q) => (document.querySelector(q) as HTMLVideoElement | null)?.videoWidth ?? -1, SCREEN)
    await bob.getByRole('button', { name: 'Share your screen' }).click()
    for (const name of ['Alice', 'Carol', 'Dave'] as const) {
      const { page } = person(name)
      // The fake screen is far larger than the 320x240 cameras: this is the screen, not a camera.
      await expect.poll(() => width(page), { timeout: 20_000 }).toBeGreaterThan(320)
      // Bob's camera goes on beside it, still his picture.
      await expectMediaFlowing(page, 'Bob')
      expect(await colourGap(page, 'Bob')).toBeLessThan(40)
    }
    await bob.getByRole('button', { name: 'Stop sharing your screen' }).click()
    for (const name of ['Alice', 'Carol', 'Dave'] as const) {
      const { page } = person(name)
      await expect.poll(() => page.locator(SCREEN).count(), { timeout: 10_000 }).toBe(0)
      await expectMediaFlowing(page, 'Bob')
    }
  })

  test('one leaves, the others see it, and a newcomer takes the seat', async () => {
    const dave = person('Dave').page
    await dave.getByRole('button', { name: 'Leave call' }).click()
    await dave.getByRole('heading', { name: 'You left the call' }).waitFor()
    for (const name of ['Alice', 'Bob', 'Carol'] as const) {
      const { page } = person(name)
      await page.getByText('Dave left the call.').waitFor()
      await expect.poll(() => page.locator(REMOTE('Dave')).count()).toBe(0)
    }
    const erin = person('Erin').page
    await erin.getByRole('button', { name: 'Try again' }).click()
    for (const name of ['Alice', 'Bob', 'Carol'] as const) {
      await expectMediaFlowing(erin, name, 30_000)
      await expectMediaFlowing(person(name).page, 'Erin', 30_000)
    }
  })

  test('one page reloads and comes back into the same call with everyone', async () => {
    const bob = person('Bob').page
    await bob.reload()
    for (const name of ['Alice', 'Carol', 'Erin'] as const) {
      await expectMediaFlowing(bob, name, 30_000)
      await expectMediaFlowing(person(name).page, 'Bob', 30_000)
    }
    await person('Alice').page.getByText('Bob reloaded the page and is back.').waitFor()
    await expect.poll(() => colourGap(person('Alice').page, 'Bob'), { timeout: 10_000 }).toBeLessThan(40)
  })
})
