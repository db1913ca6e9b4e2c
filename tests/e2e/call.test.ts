/**
 * Calls end to end: two headless Chromium pages (two browser contexts, so two tabs of two people) whose fake
 * camera plays a known green-screen clip join a room through the real server, with the virtual background on, and
 * then go through what calls go through: offers crossing, signaling dropping, a reload, an ICE restart, a third
 * person joining, someone leaving. Everything is driven through the UI; the signaling WebSocket is tapped with
 * Playwright's routeWebSocket (pass-through to the real server) to see, hold or drop what travels on it.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium } from '../support/chromium.ts'
import { videoRgb } from '../support/pixels.ts'
import { chromaClip, type ChromaClip } from '../browser/clips.ts'
import { createPeerKey, createRoomId } from '../../src/lib/signaling/client.ts'
import { idOf, peerKeyFor } from './secondClient.ts'
import {
  REMOTE,
  SignalingTap,
  expectMediaFlowing,
  join,
  openCall,
  openStats,
  remoteFrames,
  statText,
  useBackground,
} from './callSupport.ts'

const baseURL = inject('baseURL')
const W = 32
const H = 24

/** Blocks of the clip (W x H) that are all green screen (0), all foreground (1), or mixed (-1). */
function blockTruth(clip: ChromaClip): number[] {
  const bw = clip.width / W
  const bh = clip.height / H
  const out: number[] = []
  for (let by = 0; by < H; by++)
    for (let bx = 0; bx < W; bx++) {
      let fg = 0
      for (let y = by * bh; y < (by + 1) * bh; y++) for (let x = bx * bw; x < (bx + 1) * bw; x++) fg += clip.truth[y * clip.width + x]!
      out.push(fg === 0 ? 0 : fg === bw * bh ? 1 : -1)
    }
  return out
}

describe('a call between two pages through the real server', () => {
  let browser: Browser
  let clip: ChromaClip
  let alice: { context: BrowserContext; page: Page; tap: SignalingTap }
  let bob: { context: BrowserContext; page: Page; tap: SignalingTap }
  const room = createRoomId()
  const link = `${baseURL}/call/${room}`

  /** Of the remote video's green-screen blocks, the share shown yellow; of its foreground blocks, the share kept. */
  async function backdrop(page: Page, peer: string) {
    const truth = blockTruth(clip)
    const rgb = await videoRgb(page, REMOTE(peer), W, H)
    let bg = 0
    let bgYellow = 0
    let fg = 0
    let fgKept = 0
    truth.forEach((t, i) => {
      const [r, g, b] = [rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!]
      if (t === 0) {
        bg++
        if (r > 190 && g > 190 && b < 90) bgYellow++
      } else if (t === 1) {
        fg++
        if (g < 150) fgKept++
      }
    })
    return { bgYellow: bgYellow / bg, fgKept: fgKept / fg }
  }

  async function person(name: string) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
    // Yellow: far from the green screen and from every colour of the clip's foreground (its green is at most 0.35).
    await useBackground(context, { mode: 'color', engine: 'chroma', color: '#ffff00' })
    const tap = await SignalingTap.attach(context)
    const page = await openCall(context, link, name)
    return { context, page, tap }
  }

  beforeAll(async () => {
    clip = await chromaClip(640, 480)
    browser = await launchChromium({ videoFile: clip.path })
  })
  afterAll(async () => {
    await browser?.close()
  })

  test('both join with the virtual background on: each side receives frames, and the background is replaced', async () => {
    alice = await person('Alice')
    bob = await person('Bob')
    await join(alice.page)
    await alice.page.getByText('Waiting for someone to join').waitFor()
    await join(bob.page)
    await expectMediaFlowing(alice.page, 'Bob')
    await expectMediaFlowing(bob.page, 'Alice')

    for (const [page, peer] of [
      [alice.page, 'Bob'],
      [bob.page, 'Alice'],
    ] as const) {
      // The background worker needs a moment after the first frames; poll until the picture settles.
      await expect
        .poll(
          async () => {
            const { bgYellow, fgKept } = await backdrop(page, peer)
            // Green screen replaced by yellow almost everywhere; the horse kept (not yellow, not green).
            return { bg: bgYellow > 0.95, fg: fgKept > 0.95 }
          },
          { timeout: 15_000, interval: 500 },
        )
        .toEqual({ bg: true, fg: true })
    }
  })

  test('glare: both sides offer at once (an ICE restart each), the polite one rolls back, the impolite one ignores, one answer, and the call goes on on a new route', async () => {
    await openStats(alice.page)
    await openStats(bob.page)
    await expect.poll(() => statText(alice.page, 'stat-pair'), { timeout: 10_000 }).not.toBe('')
    const pairBefore = await statText(alice.page, 'stat-pair')
    const sentBefore = { alice: alice.tap.sentSignals().length, bob: bob.tap.sentSignals().length }
    const collisionsBefore = new Map<typeof alice, number>()
    for (const p of [alice, bob])
      collisionsBefore.set(p, Number(/(\d+) collisions resolved/.exec(await statText(p.page, 'stat-negotiation'))![1]))
    // Hold every signaling message on its way to both pages until both have sent their offer: they cross.
    alice.tap.hold()
    bob.tap.hold()
    await Promise.all([
      alice.page.getByRole('button', { name: 'Reconnect media (ICE restart)' }).click(),
      bob.page.getByRole('button', { name: 'Reconnect media (ICE restart)' }).click(),
    ])
    await expect.poll(() => alice.tap.sentSignals().slice(sentBefore.alice).includes('offer')).toBe(true)
    await expect.poll(() => bob.tap.sentSignals().slice(sentBefore.bob).includes('offer')).toBe(true)
    alice.tap.release()
    bob.tap.release()

    // Who is polite: the smaller public id (docs/signaling.md), read from what the server told each page.
    const idOf = (p: typeof alice) => p.tap.received.find((f) => f.event === 'joined')!.args[1] as string
    const [polite, impolite] = idOf(alice) < idOf(bob) ? [alice, bob] : [bob, alice]
    const since = (p: typeof alice) => p.tap.sentSignals().slice(p === alice ? sentBefore.alice : sentBefore.bob)
    await expect.poll(() => statText(alice.page, 'stat-state'), { timeout: 15_000 }).toMatch(/^connected/)
    await expectMediaFlowing(alice.page, 'Bob')
    await expectMediaFlowing(bob.page, 'Alice')
    // Exactly one answer to the crossed offers: the polite side answers the impolite side's offer, the impolite side
    // ignores the polite one's (if both behaved politely there would be two).
    expect(since(polite).filter((t) => t === 'answer')).toHaveLength(1)
    expect(since(impolite).filter((t) => t === 'answer')).toHaveLength(0)
    // The rollback happened on the polite side, the ignored offer on the impolite side: each resolved one collision.
    // (The polite side only ever counts rollbacks there, the impolite side only ignored offers; see usePeerConnection.)
    const collisions = async (p: typeof alice) => Number(/(\d+) collisions resolved/.exec(await statText(p.page, 'stat-negotiation'))![1])
    expect(await collisions(polite)).toBe(collisionsBefore.get(polite)! + 1)
    expect(await collisions(impolite)).toBe(collisionsBefore.get(impolite)! + 1)
    // The restart moved the call to a new candidate pair (the candidates of the new ICE generation).
    await expect.poll(() => statText(alice.page, 'stat-pair'), { timeout: 10_000 }).not.toBe(pairBefore)
  })

  test('signaling drops and stays away: the call goes on, the page says so, and it reconnects and resumes', async () => {
    const framesBefore = await remoteFrames(bob.page, 'Alice')
    // Offline (DevTools network emulation): reconnection attempts fail, as when the server is unreachable.
    await bob.context.setOffline(true)
    await bob.tap.drop()
    await bob.page.getByText('Reconnecting to the signaling server…').waitFor({ timeout: 5000 })
    // Still away after the grace: "unreachable", while media keeps flowing both ways.
    await bob.page.getByText('The signaling server is unreachable').waitFor({ timeout: 8000 })
    expect(await bob.page.getByTestId('signaling-alert').textContent()).toMatch(/The call goes on/)
    expect(await remoteFrames(bob.page, 'Alice')).toBeGreaterThan(framesBefore + 20)
    await expectMediaFlowing(alice.page, 'Bob')

    const aliceNotices = await alice.page.getByTestId('call-notice').allTextContents()
    await bob.context.setOffline(false)
    // socket.io retries with backoff (at most 5 s apart); the seat is kept, so it resumes the same call.
    await expect.poll(() => bob.page.getByTestId('signaling-alert').count(), { timeout: 15_000 }).toBe(0)
    await expect.poll(() => bob.tap.received.some((f) => f.event === 'joined' && (f.args[2] as { resumed: boolean }).resumed)).toBe(true)
    // Same connection on Alice's side: no "joined"/"is back" notice, frames keep counting up.
    expect(await alice.page.getByTestId('call-notice').allTextContents()).toEqual(aliceNotices)
    await expectMediaFlowing(bob.page, 'Alice')
    // Signaling works again: an ICE restart (which needs it) goes through.
    const restarts = await statText(bob.page, 'stat-negotiation')
    await bob.page.getByRole('button', { name: 'Reconnect media (ICE restart)' }).click()
    await expect.poll(() => statText(bob.page, 'stat-negotiation')).not.toBe(restarts)
    await expect.poll(() => statText(bob.page, 'stat-state'), { timeout: 15_000 }).toMatch(/^connected \(ICE (connected|completed)\)/)
  })

  test('a reload comes back into the same call', async () => {
    await bob.page.reload()
    // No pre-join screen: the tab was in this call, so it joins again by itself.
    await expectMediaFlowing(bob.page, 'Alice')
    await expectMediaFlowing(alice.page, 'Bob')
    await alice.page.getByText('Bob reloaded the page and is back.').waitFor()
  })

  let carol: { context: BrowserContext; page: Page; tap: SignalingTap }

  test('a third person joins: everyone sees the other two, each over their own connection', async () => {
    carol = await person('Carol')
    await join(carol.page)
    await expectMediaFlowing(carol.page, 'Alice')
    await expectMediaFlowing(carol.page, 'Bob')
    await expectMediaFlowing(alice.page, 'Carol')
    await expectMediaFlowing(bob.page, 'Carol')
    // Alice and Bob's own connection went on untouched.
    await expectMediaFlowing(alice.page, 'Bob')
    await alice.page.getByText('Carol joined the call.').waitFor()
  })

  test('someone leaving is shown as gone, and the others go on', async () => {
    await bob.page.getByRole('button', { name: 'Leave call' }).click()
    await bob.page.getByRole('heading', { name: 'You left the call' }).waitFor()
    await alice.page.getByText('Bob left the call. The room is ready for someone new.').waitFor()
    await carol.page.getByText('Bob left the call. The room is ready for someone new.').waitFor()
    expect(await alice.page.locator(REMOTE('Bob')).count()).toBe(0)
    expect(await carol.page.locator(REMOTE('Bob')).count()).toBe(0)
    await expectMediaFlowing(alice.page, 'Carol')
    await expectMediaFlowing(carol.page, 'Alice')
  })

  test('every in-call change goes through replaceTrack: the other side sees it, nothing is renegotiated', async () => {
    const negotiated = () => [alice, carol].flatMap((p) => p.tap.sentSignals().filter((t) => t !== 'candidate')).length
    const before = negotiated()
    const a = alice.page
    const c = carol.page
    const yellowShare = async () => (await backdrop(c, 'Alice')).bgYellow

    await a.getByRole('button', { name: 'Mute microphone' }).click()
    await c.getByRole('img', { name: "Alice's microphone is off" }).waitFor()
    await a.getByRole('button', { name: 'Unmute microphone' }).click()
    await expect.poll(() => c.getByRole('img', { name: "Alice's microphone is off" }).count()).toBe(0)

    await a.getByRole('button', { name: 'Stop video' }).click()
    await c.getByText('Alice turned their camera off').waitFor()
    await a.getByRole('button', { name: 'Start video' }).click()
    await expect.poll(() => c.getByText('Alice turned their camera off').count()).toBe(0)
    await expectMediaFlowing(c, 'Alice')
    await expect.poll(yellowShare, { timeout: 10_000 }).toBeGreaterThan(0.95)

    // Background off (the camera as it is: green), then on again (yellow): the sent track is swapped, not renegotiated.
    await a.getByRole('button', { name: 'Background effects' }).click()
    await a.locator('.modes').getByText('None', { exact: true }).click()
    await expect.poll(yellowShare, { timeout: 10_000 }).toBeLessThan(0.05)
    await a.locator('.modes').getByText('Colour', { exact: true }).click()
    await expect.poll(yellowShare, { timeout: 10_000 }).toBeGreaterThan(0.95)

    // A colour look is part of the same processed picture, so the other side sees it: Mono turns the yellow grey
    // (mean saturation, max - min of R, G, B, under 12 of 255 on the receiving page).
    const saturation = async () => {
      const rgb = await videoRgb(c, REMOTE('Alice'), W, H)
      let sum = 0
      for (let i = 0; i < rgb.length; i += 3) sum += Math.max(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!) - Math.min(rgb[i]!, rgb[i + 1]!, rgb[i + 2]!)
      return sum / (rgb.length / 3)
    }
    const looks = a.getByTestId('appearance-panel')
    await looks.getByRole('button', { name: 'Mono' }).click()
    // At full strength (the default is 80%): the slider's End key.
    await looks.getByRole('slider', { name: 'Mono strength' }).focus()
    await a.keyboard.press('End')
    await expect.poll(saturation, { timeout: 10_000 }).toBeLessThan(12)
    expect(await yellowShare()).toBeLessThan(0.05)
    await looks.getByRole('button', { name: 'None' }).click()
    await expect.poll(yellowShare, { timeout: 10_000 }).toBeGreaterThan(0.95)

    // The screen (1280x720 fake screen) next to the camera (640x480 clip), then the camera alone again.
    const SCREEN = 'video[aria-label="Screen shared by Alice"]'
    const width = (sel: string) => c.evaluate((q) => (document.querySelector(q) as HTMLVideoElement | null)?.videoWidth ?? -1, sel)
    await a.getByRole('button', { name: 'Share your screen' }).click()
    await c.getByText('sharing screen').waitFor()
    await expect.poll(() => width(SCREEN), { timeout: 10_000 }).toBeGreaterThan(640)
    // The camera goes on beside it: still the 640x480 clip, still with its yellow background, frames still coming.
    expect(await width(REMOTE('Alice'))).toBe(640)
    await expectMediaFlowing(c, 'Alice')
    await a.getByRole('button', { name: 'Stop sharing your screen' }).click()
    await expect.poll(() => c.getByText('sharing screen').count()).toBe(0)
    await expect.poll(() => c.locator(SCREEN).count()).toBe(0)
    expect(await width(REMOTE('Alice'))).toBe(640)

    // Another microphone (the fake devices have three).
    await a.getByRole('button', { name: 'Devices' }).click()
    await a.locator('.el-select', { has: a.getByRole('combobox', { name: 'Microphone', exact: true }) }).click()
    await a.getByRole('option', { name: 'Fake Audio Input 2' }).filter({ visible: true }).first().click()
    await expect
      .poll(() => a.evaluate(() => document.querySelector('.el-select [aria-label="Microphone"]')?.closest('.el-select')?.textContent))
      .toMatch(/Fake Audio Input 2/)

    expect(negotiated()).toBe(before)
    await expectMediaFlowing(c, 'Alice')
  })

  test('caps: resolution and bitrate through setParameters', async () => {
    await openStats(alice.page)
    await openStats(carol.page)
    await alice.page.locator('.el-select', { has: alice.page.getByRole('combobox', { name: 'Maximum resolution' }) }).click()
    await alice.page.getByRole('option', { name: '240p' }).filter({ visible: true }).click()
    await alice.page.locator('.el-select', { has: alice.page.getByRole('combobox', { name: 'Maximum bitrate' }) }).click()
    await alice.page.getByRole('option', { name: '250 kbps' }).filter({ visible: true }).click()
    await expect.poll(() => statText(carol.page, 'stat-video-in'), { timeout: 15_000 }).toMatch(/^320×240/)
    // Nobody picked a codec: the first of AV1, VP9, VP8 that both browsers handle, AV1 between two Chromiums.
    expect(await statText(alice.page, 'stat-codec')).toBe('AV1 sent · AV1 received')
    // Sent bitrate settles under the cap (audio rides on top of it).
    const sentKbps = async () => {
      const [value, unit] = (await statText(alice.page, 'stat-send')).split(' ')
      return parseFloat(value!) * (unit === 'Mbps' ? 1000 : 1)
    }
    await expect.poll(sentKbps, { timeout: 15_000, interval: 1000 }).toBeLessThan(330)
  })

  test('chat is text, never HTML, and files go both ways with progress', async () => {
    await alice.page.getByRole('button', { name: 'Chat and files' }).click()
    await carol.page.getByRole('button', { name: 'Chat and files' }).click()
    const html = '<img src=x onerror="window.__pwned=1"><b>bold?</b>'
    await carol.page.getByRole('textbox', { name: 'Message' }).fill(html)
    await carol.page.getByRole('button', { name: 'Send message' }).click()
    const bubble = alice.page.locator('.msg.peer .bubble').last()
    await expect.poll(() => bubble.textContent()).toBe(html)
    expect(await alice.page.locator('.msg.peer .bubble img, .msg.peer .bubble b').count()).toBe(0)
    expect(await alice.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()

    // 3 MB one way, a small file the other way, at the same time.
    const big = Buffer.alloc(3 * 1024 * 1024 + 77)
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) & 0xff
    await alice.page.getByLabel('Files to send').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: big })
    await carol.page
      .getByLabel('Files to send')
      .setInputFiles({ name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('hello from Carol') })

    for (const [page, name, expected] of [
      [carol.page, 'big.bin', big],
      [alice.page, 'note.txt', Buffer.from('hello from Carol')],
    ] as const) {
      const save = page.getByRole('link', { name: `Save ${name}` })
      await save.waitFor({ timeout: 30_000 })
      const download = page.waitForEvent('download')
      await save.click()
      const got = await (await download).createReadStream()
      const chunks: Buffer[] = []
      for await (const c of got) chunks.push(c as Buffer)
      expect(Buffer.concat(chunks).equals(expected)).toBe(true)
    }
    // The sender's side ends at "Done" once the receiver confirmed every byte.
    await alice.page.locator('.transfer.done', { hasText: 'big.bin' }).waitFor()
    await carol.page.locator('.transfer.done', { hasText: 'note.txt' }).waitFor()
  })

  test('a duplicated tab takes the seat over; the first tab says so and can take it back', async () => {
    const key = await alice.page.evaluate(() => sessionStorage.getItem('media-studio:signaling-peer-key'))
    // What the browser does when a tab is duplicated: the new tab starts with a copy of sessionStorage.
    const twin = await alice.context.newPage()
    await twin.addInitScript(
      ([k, r]) => {
        sessionStorage.setItem('media-studio:signaling-peer-key', k)
        sessionStorage.setItem('media-studio:call-room', r)
      },
      [key!, room] as const,
    )
    await twin.goto(link)
    await alice.page.getByRole('heading', { name: 'You joined this call from another tab' }).waitFor()
    await expectMediaFlowing(twin, 'Carol')
    await expectMediaFlowing(carol.page, 'Alice')

    await alice.page.getByRole('button', { name: 'Use this tab' }).click()
    await twin.getByRole('heading', { name: 'You joined this call from another tab' }).waitFor()
    await expectMediaFlowing(alice.page, 'Carol')
    await twin.close()
  })

  test('the call link opened in a fresh tab of the same browser offers to move the call there, not "full"', async () => {
    // A new tab (not a duplicate): its sessionStorage is empty, so it has no seat of its own. Both seats are taken.
    const fresh = await alice.context.newPage()
    await fresh.goto(link)
    await fresh.getByRole('heading', { name: 'You joined this call from another tab' }).waitFor({ timeout: 10_000 })
    expect(await fresh.getByRole('heading', { name: 'This call is full' }).count()).toBe(0)
    // Nothing was sent to the room by merely opening the link: Alice's first tab is still in the call.
    await expectMediaFlowing(carol.page, 'Alice')

    await fresh.getByRole('button', { name: 'Use this tab' }).click()
    await expectMediaFlowing(fresh, 'Carol')
    await alice.page.getByRole('heading', { name: 'You joined this call from another tab' }).waitFor()
    await expectMediaFlowing(carol.page, 'Alice')

    // And back: the first tab takes it again, the fresh one says so.
    await alice.page.getByRole('button', { name: 'Use this tab' }).click()
    await fresh.getByRole('heading', { name: 'You joined this call from another tab' }).waitFor()
    await expectMediaFlowing(alice.page, 'Carol')
    await fresh.close()
  })

  test('a codec picked in Network settings is what the pair uses, whichever of the two offers', async () => {
    // Both orders, chosen through the peer keys (the smaller id is polite and offers): Eve offers, then Finn does.
    for (const eveRole of ['polite', 'impolite'] as const) {
      const codecRoom = `${baseURL}/call/${createRoomId()}`
      const finnKey = createPeerKey()
      const eveKey = peerKeyFor(eveRole, idOf(finnKey))
      const pair = []
      for (const [name, key, pick] of [
        ['Eve', eveKey, 'VP8'],
        ['Finn', finnKey, null],
      ] as const) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
        await context.addInitScript((k) => sessionStorage.setItem('media-studio:signaling-peer-key', k), key)
        const page = await openCall(context, codecRoom, name)
        if (pick) {
          await page.getByText('Network').click()
          await page.locator('.el-select', { has: page.getByRole('combobox', { name: 'Video codec' }) }).click()
          await page.getByRole('option', { name: pick, exact: true }).filter({ visible: true }).click()
        }
        await join(page)
        pair.push({ context, page })
      }
      await expectMediaFlowing(pair[0]!.page, 'Finn')
      for (const { page } of pair) {
        await openStats(page)
        await expect.poll(() => statText(page, 'stat-codec'), { timeout: 10_000 }).toBe('VP8 sent · VP8 received')
      }
      // The pick is kept for the next call.
      expect(await pair[0]!.page.evaluate(() => localStorage.getItem('media-studio.call.codec'))).toBe('VP8')
      for (const { context } of pair) await context.close()
    }
  })
})

describe('a call without camera and microphone permission', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launchChromium({ grantPermissions: false })
  })
  afterAll(async () => {
    await browser?.close()
  })

  test('says the camera and microphone are blocked, and still lets the person join to watch and listen', async () => {
    const context = await browser.newContext()
    const page = await openCall(context, `${baseURL}/call/${createRoomId()}`, 'Dana')
    await page.getByText('Camera access was blocked').waitFor()
    await page.getByText('Microphone access was blocked').waitFor()
    await page.getByText('You can join without a camera or microphone').waitFor()
    await join(page)
    await page.getByText('Waiting for someone to join').waitFor()
    await context.close()
  })
})
