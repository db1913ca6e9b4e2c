/**
 * Calls over the network set-ups a deployment has: a TURN relay (Debian's coturn on loopback, use-auth-secret,
 * the app's `?relay=1` switch forcing iceTransportPolicy 'relay'), TURN credentials that are wrong or expired,
 * and two signaling processes sharing rooms through Debian's redis-server. Servers are the real `server/index.ts`
 * processes serving the app built by the e2e global setup.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join as joinPath } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium } from '../support/chromium.ts'
import { scratchDir } from '../support/media.ts'
import { startRedis, type Daemon } from '../server/support/processes.ts'
import { ROOT, spawnServer, type ServerProcess } from '../server/support/signaling.ts'
import { createRoomId } from '../../src/lib/signaling/client.ts'
import { expectMediaFlowing, join, openCall, openStats, startLoopbackTurn, statText } from './callSupport.ts'

const SECRET = 'call-test-secret-7d1e'
// The app the e2e global setup built for this run (tests/support/appServer.ts), or dist/ with E2E_SKIP_BUILD.
const DIST = process.env.MEDIA_STUDIO_TEST_DIST ?? joinPath(ROOT, 'dist')

let browser: Browser
const contexts: BrowserContext[] = []
const servers: ServerProcess[] = []

async function page(url: string, name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } })
  contexts.push(context)
  return openCall(context, url, name)
}

async function server(env: Record<string, string>): Promise<ServerProcess> {
  const s = await spawnServer({ STATIC_DIR: DIST, ...env })
  servers.push(s)
  return s
}

/** Both pages join `room` on their server(s) and see each other's video. */
async function call(urlA: string, urlB: string): Promise<[Page, Page]> {
  const a = await page(urlA, 'Ann')
  const b = await page(urlB, 'Ben')
  await join(a)
  await a.getByText('Waiting for someone to join').waitFor()
  await join(b)
  await expectMediaFlowing(a, 'Ben')
  await expectMediaFlowing(b, 'Ann')
  return [a, b]
}

beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await Promise.all(servers.map((s) => s.stop()))
})

test('relay only on a server without TURN says so as soon as you join', async () => {
  const a = await page(`${inject('baseURL')}/call/${createRoomId()}?relay=1`, 'Ann')
  await join(a)
  const problem = a.getByTestId('ice-problem')
  await problem.waitFor()
  expect(await problem.textContent()).toMatch(/No relay route.*TURN_URLS/)
})

describe('TURN relay (coturn on loopback, use-auth-secret)', () => {
  let coturn: Daemon
  beforeAll(async () => {
    coturn = await startLoopbackTurn(SECRET)
  })
  afterAll(async () => {
    await coturn?.stop()
  })
  const turnEnv = (secret: string) => ({ TURN_URLS: `turn:127.0.0.1:${coturn.port}?transport=udp`, TURN_SECRET: secret })

  test('with ?relay=1 the call connects through the relay, and recovers by itself when the relay stalls', async () => {
    const s = await server(turnEnv(SECRET))
    const room = createRoomId()
    const [a, b] = await call(`${s.url}/call/${room}?relay=1`, `${s.url}/call/${room}?relay=1`)
    for (const p of [a, b]) {
      await openStats(p)
      await expect.poll(() => p.getByTestId('stat-route').getAttribute('data-route'), { timeout: 10_000 }).toBe('relay')
      expect(await statText(p, 'stat-local-candidate')).toMatch(/^127\.0\.0\.1:\d+ udp via udp \(relay\)$/)
    }
    const pairBefore = await statText(a, 'stat-pair')

    // The relay stops answering (SIGSTOP): media stops, ICE goes `disconnected`, the app restarts ICE after its
    // grace period; when the relay comes back the restart's new allocations carry the call on a new pair.
    coturn.child.kill('SIGSTOP')
    await a.getByText('Connection interrupted, reconnecting…').waitFor({ timeout: 15_000 })
    await expect.poll(() => statText(a, 'stat-negotiation'), { timeout: 15_000 }).toMatch(/[1-9]\d* ICE restarts/)
    coturn.child.kill('SIGCONT')
    await expect.poll(() => statText(a, 'stat-state'), { timeout: 30_000 }).toMatch(/^connected/)
    await expectMediaFlowing(a, 'Ben')
    await expectMediaFlowing(b, 'Ann')
    await expect.poll(() => statText(a, 'stat-pair'), { timeout: 10_000 }).not.toBe(pairBefore)
    expect(await a.getByTestId('stat-route').getAttribute('data-route')).toBe('relay')
  })

  test('a wrong TURN secret fails with a clear message', async () => {
    const s = await server(turnEnv('not-the-secret'))
    const room = createRoomId()
    const a = await page(`${s.url}/call/${room}?relay=1`, 'Ann')
    const b = await page(`${s.url}/call/${room}?relay=1`, 'Ben')
    await join(a)
    await join(b)
    for (const p of [a, b]) {
      const problem = p.getByTestId('ice-problem')
      await problem.waitFor({ timeout: 20_000 })
      expect(await problem.textContent()).toMatch(/The relay server refused the credentials.*401/)
    }
    await openStats(a)
    expect(await statText(a, 'stat-state')).not.toMatch(/^connected/)
  })

  test('expired credentials (a server clock two days behind) fail with a clear message', async () => {
    // The signaling server's clock runs two days late, so the credentials it signs expired a day ago.
    const skew = joinPath(scratchDir(), 'clock-two-days-behind.mjs')
    writeFileSync(skew, 'const now = Date.now; Date.now = () => now() - 2 * 86400_000\n')
    const s = await server({ ...turnEnv(SECRET), NODE_OPTIONS: `--import=${skew}` })
    const room = createRoomId()
    const a = await page(`${s.url}/call/${room}?relay=1`, 'Ann')
    const b = await page(`${s.url}/call/${room}?relay=1`, 'Ben')
    await join(a)
    await join(b)
    for (const p of [a, b]) {
      const problem = p.getByTestId('ice-problem')
      await problem.waitFor({ timeout: 20_000 })
      expect(await problem.textContent()).toMatch(/The relay credentials have expired.*clock/)
    }
    // coturn refuses them too: the call never connects.
    await b.waitForTimeout(3000)
    await openStats(b)
    expect(await statText(b, 'stat-state')).not.toMatch(/^connected/)
  })
})

describe('two signaling processes sharing rooms through redis', () => {
  let redis: Daemon & { url: string }
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  test('one person on each process: the call connects', async () => {
    const [p1, p2] = await Promise.all([server({ REDIS_URL: redis.url }), server({ REDIS_URL: redis.url })])
    expect(p1.url).not.toBe(p2.url)
    const room = createRoomId()
    const [a] = await call(`${p1.url}/call/${room}`, `${p2.url}/call/${room}`)
    await openStats(a)
    await expect.poll(() => a.getByTestId('stat-route').getAttribute('data-route'), { timeout: 10_000 }).toBe('host')
  })
})
