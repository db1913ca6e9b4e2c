/**
 * The protocol document is enough to write a client: a Node client built from docs/signaling.md alone
 * (tests/e2e/secondClient.ts, on werift) joins a call with the browser app through the real server, in each role.
 * Media both ways (the page shows the client's VP8 picture and gets its Opus tone; the client receives the page's
 * audio and video RTP) and chat both ways; and, speaking version 2, a group call with two pages of the app (one
 * connection per person on each side).
 */
import { join as joinPath } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../support/chromium.ts'
import { createRoomId } from '../../src/lib/signaling/client.ts'
import { ROOT, spawnServer, type ServerProcess } from '../server/support/signaling.ts'
import type { Daemon } from '../server/support/processes.ts'
import { SignalingTap, expectMediaFlowing, join, openCall, startLoopbackTurn } from './callSupport.ts'
import { peerKeyFor, startSecondClient, type SecondClient } from './secondClient.ts'

const baseURL = inject('baseURL')
const SECRET = 'second-client-secret-41c2'
// The app the e2e global setup built for this run (tests/support/appServer.ts), or dist/ with E2E_SKIP_BUILD.
const DIST = process.env.MEDIA_STUDIO_TEST_DIST ?? joinPath(ROOT, 'dist')

describe('a non-browser client written from docs/signaling.md', () => {
  let browser: Browser
  let turn: Daemon
  let turnServer: ServerProcess
  const clients: SecondClient[] = []
  beforeAll(async () => {
    browser = await launchChromium()
    turn = await startLoopbackTurn(SECRET)
    turnServer = await spawnServer({ STATIC_DIR: DIST, TURN_URLS: `turn:127.0.0.1:${turn.port}?transport=udp`, TURN_SECRET: SECRET })
  })
  afterAll(async () => {
    for (const c of clients) await c.close()
    await browser?.close()
    await turnServer?.stop()
    await turn?.stop()
  })

  const cases = [
    { role: 'impolite', candidatesFirst: false, relay: false, title: 'as the impolite peer' },
    // Finding 8: candidates that arrive before the remote description used to be dropped by the app. Relay only on
    // both sides (TURN on loopback), so the app cannot learn the client's address any other way: its TURN server
    // relays only from addresses it has a candidate (a permission) for.
    {
      role: 'polite',
      candidatesFirst: true,
      relay: true,
      title: 'as the polite peer, relay only, sending all its ICE candidates before its offer',
    },
  ] as const
  for (const { role, candidatesFirst, relay, title } of cases) {
    test(`joins a call with the app ${title}: media and chat both ways`, async () => {
      const room = createRoomId()
      const base = relay ? turnServer.url : baseURL
      const context = await browser.newContext()
      const tap = await SignalingTap.attach(context)
      const page = await openCall(context, `${base}/call/${room}${relay ? '?relay=1' : ''}`, 'Alice')
      await join(page)
      await page.getByText('Waiting for someone to join').waitFor()
      const aliceId = tap.received.find((f) => f.event === 'joined')!.args[1] as string

      const robot = await startSecondClient(base, room, {
        name: 'Robot',
        peerKey: peerKeyFor(role, aliceId),
        candidatesFirst,
        relayOnly: relay,
      })
      clients.push(robot)
      // The client's picture plays on the page, and its tone arrives (the remote audio track unmutes with RTP).
      await expectMediaFlowing(page, 'Robot', 30_000)
      await expect.poll(() => robot.polite).toBe(role === 'polite')
      await expect
        .poll(() => page.evaluate(() => (document.querySelector('audio')?.srcObject as MediaStream | null)?.getAudioTracks()[0]?.muted), {
          timeout: 15_000,
        })
        .toBe(false)
      // The page's camera and microphone reach the client.
      const before = { ...robot.received }
      await expect.poll(() => robot.received.video, { timeout: 15_000 }).toBeGreaterThan(before.video + 50)
      await expect.poll(() => robot.received.audio, { timeout: 15_000 }).toBeGreaterThan(before.audio + 50)

      // Chat both ways.
      await robot.chatOpen
      await page.getByRole('button', { name: 'Chat and files' }).click()
      robot.sendChat('hello from the robot')
      await expect.poll(() => page.locator('.msg.peer .bubble').last().textContent(), { timeout: 10_000 }).toBe('hello from the robot')
      await page.getByRole('textbox', { name: 'Message' }).fill('hello robot')
      await page.getByRole('button', { name: 'Send message' }).click()
      await expect.poll(() => robot.chats, { timeout: 10_000 }).toEqual(['hello robot'])
      // The client's media state (sent when its chat channel opened) was understood: no "camera off" overlay.
      expect(await page.getByText('Robot turned their camera off').count()).toBe(0)

      await robot.close()
      await page.getByText(/Robot left the call/).waitFor({ timeout: 10_000 })
      await context.close()
    })
  }

  test('joins a group call (version 2) with two pages: media from and to each of them, chat to everyone', async () => {
    const room = createRoomId()
    const pages: Page[] = []
    for (const name of ['Alice', 'Bob']) {
      const context = await browser.newContext()
      const page = await openCall(context, `${baseURL}/call/${room}`, name)
      await join(page)
      pages.push(page)
    }
    await expectMediaFlowing(pages[0]!, 'Bob', 30_000)
    const robot = await startSecondClient(baseURL, room, { name: 'Robot', version: 2 })
    clients.push(robot)
    for (const page of pages) await expectMediaFlowing(page, 'Robot', 30_000)
    // One connection per person on the client's side too, each bringing that person's camera and microphone.
    await expect.poll(() => robot.receivedFrom.size, { timeout: 15_000 }).toBe(2)
    for (const [, from] of robot.receivedFrom) {
      await expect.poll(() => from.video, { timeout: 15_000 }).toBeGreaterThan(50)
      await expect.poll(() => from.audio, { timeout: 15_000 }).toBeGreaterThan(50)
    }
    // Chat to everyone, both ways.
    await expect.poll(() => robot.openChats(), { timeout: 15_000 }).toBe(2)
    robot.sendChat('hello both of you')
    for (const page of pages) {
      // (A desktop-sized page opens the chat by itself when a message arrives.)
      await expect.poll(() => page.locator('.msg.peer .bubble').last().textContent(), { timeout: 10_000 }).toBe('hello both of you')
      expect(await page.locator('.msg.peer .meta').last().textContent()).toMatch(/^Robot ·/)
    }
    await pages[1]!.getByRole('textbox', { name: 'Message' }).fill('hello from Bob')
    await pages[1]!.getByRole('button', { name: 'Send message' }).click()
    await expect.poll(() => robot.chats, { timeout: 10_000 }).toEqual(['hello from Bob'])
    // And Alice got Bob's message too (the pages' own pair).
    await expect.poll(() => pages[0]!.locator('.msg.peer .bubble').last().textContent(), { timeout: 10_000 }).toBe('hello from Bob')

    await robot.close()
    for (const page of pages) await page.getByText(/Robot left the call/).waitFor({ timeout: 10_000 })
    await expectMediaFlowing(pages[0]!, 'Bob')
    for (const page of pages) await page.context().close()
  })
})
