/**
 * The protocol document is enough to write a client: a Node client built from docs/signaling.md alone
 * (tests/e2e/secondClient.ts, on werift) joins a call with the browser app through the real server, in each role.
 * Media both ways (the page shows the client's VP8 picture and gets its Opus tone; the client receives the page's
 * audio and video RTP) and chat both ways.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../support/chromium.ts'
import { createRoomId } from '../../src/lib/signaling/client.ts'
import { SignalingTap, expectMediaFlowing, join, openCall } from './callSupport.ts'
import { peerKeyFor, startSecondClient, type SecondClient } from './secondClient.ts'

const baseURL = inject('baseURL')

describe('a non-browser client written from docs/signaling.md', () => {
  let browser: Browser
  const clients: SecondClient[] = []
  beforeAll(async () => {
    browser = await launchChromium()
  })
  afterAll(async () => {
    for (const c of clients) await c.close()
    await browser?.close()
  })

  const cases = [
    { role: 'impolite', candidatesFirst: false, title: 'as the impolite peer' },
    // Finding 8: candidates that arrive before the remote description used to be dropped by the app.
    { role: 'polite', candidatesFirst: true, title: 'as the polite peer that sends all its ICE candidates before its offer' },
  ] as const
  for (const { role, candidatesFirst, title } of cases) {
    test(`joins a call with the app ${title}: media and chat both ways`, async () => {
      const room = createRoomId()
      const context = await browser.newContext()
      const tap = await SignalingTap.attach(context)
      const page = await openCall(context, `${baseURL}/call/${room}`, 'Alice')
      await join(page)
      await page.getByText('Waiting for someone to join').waitFor()
      const aliceId = tap.received.find((f) => f.event === 'joined')!.args[1] as string

      const robot = await startSecondClient(baseURL, room, { name: 'Robot', peerKey: peerKeyFor(role, aliceId), candidatesFirst })
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
})
