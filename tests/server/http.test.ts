/**
 * The HTTP side of the real server process (server/index.ts, what `npm start` runs): Range requests that used to
 * throw out of the request handler and end the process, methods, security headers, source maps, a handler that
 * fails, and connection caps and timeouts. Every test checks the process is still there and serving afterwards.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { once } from 'node:events'
import { createServer, request, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStaticHandler } from '../../server/app.ts'
import { parseRange } from '../../server/http/range.ts'
import { sleep, spawnServer, type ServerProcess } from './support/signaling.ts'

const FAVICON = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="8"/></svg>\n')
const ASSET = 'console.log("app");\n//# sourceMappingURL=app-abc123.js.map\n'

function staticDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'media-studio-http-'))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>')
  writeFileSync(join(dir, 'favicon.svg'), FAVICON)
  // What vite-plugin-pwa writes at the build's root (build/pwa.ts): the service worker and the web app manifest.
  writeFileSync(join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {})\n')
  writeFileSync(join(dir, 'manifest.webmanifest'), '{"name":"Media Studio","start_url":"/","display":"standalone"}')
  writeFileSync(join(dir, 'assets', 'app-abc123.js'), ASSET)
  writeFileSync(join(dir, 'assets', 'app-abc123.js.map'), '{"version":3,"sources":["secret.ts"]}')
  writeFileSync(join(dir, 'assets', 'gone-abc123.js'), 'deleted after start')
  return dir
}

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

function send(base: string, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

let server: ServerProcess
let dir: string
const alive = async () => {
  expect(server.child.exitCode).toBeNull()
  expect((await send(server.url, '/')).status).toBe(200)
}

beforeAll(async () => {
  dir = staticDir()
  server = await spawnServer({
    STATIC_DIR: dir,
    HEADERS_TIMEOUT_MS: '1000',
    REQUEST_TIMEOUT_MS: '2000',
    MAX_CONNECTIONS_PER_IP: '50',
    LOG_LEVEL: 'info',
  })
})
afterAll(async () => {
  await server?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('Range requests (finding 1: one request used to end the process)', () => {
  it('answers 416 to a range that ends before it starts, and the process keeps serving', async () => {
    for (const range of ['bytes=5-2', 'bytes=100-1']) {
      const r = await send(server.url, '/favicon.svg', 'GET', { range })
      expect([range, r.status, r.headers['content-range']]).toEqual([range, 416, `bytes */${FAVICON.length}`])
      await alive()
    }
  })

  it('answers 416 to several ranges, other units, junk, huge numbers and a start past the end', async () => {
    for (const range of [
      'bytes=0-1,3-4',
      'items=0-1',
      'bytes=abc',
      'bytes=-',
      'bytes=99999999999999999999-',
      `bytes=${FAVICON.length}-`,
      'bytes=-0',
      'bytes=1.5-2',
    ]) {
      const r = await send(server.url, '/favicon.svg', 'GET', { range })
      expect([range, r.status]).toEqual([range, 416])
    }
    await alive()
  })

  it('serves exactly the bytes asked for: suffix ranges from the end, bytes=0-0 as one byte', async () => {
    const cases: Array<[string, number, number]> = [
      ['bytes=-5', FAVICON.length - 5, FAVICON.length - 1],
      ['bytes=0-0', 0, 0],
      ['bytes=3-9', 3, 9],
      ['bytes=10-', 10, FAVICON.length - 1],
      ['bytes=0-99999', 0, FAVICON.length - 1],
      [`bytes=-${FAVICON.length + 50}`, 0, FAVICON.length - 1],
    ]
    for (const [range, start, end] of cases) {
      const r = await send(server.url, '/favicon.svg', 'GET', { range, 'accept-encoding': 'gzip, br' })
      expect([range, r.status, r.headers['content-range'], r.headers['content-length']]).toEqual([
        range,
        206,
        `bytes ${start}-${end}/${FAVICON.length}`,
        String(end - start + 1),
      ])
      expect(r.body.equals(FAVICON.subarray(start, end + 1)), range).toBe(true)
      expect(r.headers['content-type']).toBe('image/svg+xml')
    }
  })

  it('parses ranges as RFC 9110 says (unit)', () => {
    expect(parseRange('bytes=5-2', 100)).toBeNull()
    expect(parseRange('bytes=0-0', 100)).toEqual({ start: 0, end: 0 })
    expect(parseRange('bytes=-5', 100)).toEqual({ start: 95, end: 99 })
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 })
    expect(parseRange('bytes=90-200', 100)).toEqual({ start: 90, end: 99 })
    expect(parseRange('bytes=100-', 100)).toBeNull()
    expect(parseRange('bytes=0-', 0)).toBeNull()
    expect(parseRange('bytes=9007199254740993-', 100)).toBeNull()
    expect(parseRange('bytes=0-1, 2-3', 100)).toBeNull()
  })
})

describe('methods, headers and source maps (finding 6)', () => {
  it('answers only GET and HEAD; everything else gets 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND', 'OPTIONS']) {
      const r = await send(server.url, '/favicon.svg', method)
      expect([method, r.status, r.headers.allow]).toEqual([method, 405, 'GET, HEAD'])
    }
    const head = await send(server.url, '/favicon.svg', 'HEAD')
    expect([head.status, head.body.length]).toEqual([200, 0])
    await alive()
  })

  it('sends CSP (no framing), Referrer-Policy, Permissions-Policy and isolation headers on every response', async () => {
    for (const path of ['/', '/call/some-room', '/favicon.svg', '/assets/app-abc123.js', '/nothing.js']) {
      const { headers } = await send(server.url, path)
      const csp = String(headers['content-security-policy'])
      expect(csp).toContain("default-src 'self'")
      expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'")
      expect(csp).toContain("worker-src 'self' blob:")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).toContain("object-src 'none'")
      expect(csp).not.toMatch(/unsafe-inline|'unsafe-eval'/)
      expect(headers['x-frame-options']).toBe('DENY')
      expect(headers['referrer-policy']).toBe('no-referrer')
      expect(headers['permissions-policy']).toMatch(/camera=\(self\), microphone=\(self\), display-capture=\(self\)/)
      expect(headers['x-content-type-options']).toBe('nosniff')
      expect(headers['cross-origin-opener-policy']).toBe('same-origin')
      expect(headers['cross-origin-embedder-policy']).toBe('require-corp')
    }
  })

  it('serves the service worker and the manifest with their types, revalidated on every load (a long-cached sw.js would keep old versions)', async () => {
    const want = { '/sw.js': /^text\/javascript/, '/manifest.webmanifest': /^application\/manifest\+json/ }
    for (const [path, type] of Object.entries(want)) {
      // Whole (sirv) and as a Range request (the server's own file index): the same type and cache headers.
      for (const headers of [{}, { range: 'bytes=0-9' }] as Record<string, string>[]) {
        const r = await send(server.url, path, 'GET', headers)
        expect([path, r.status]).toEqual([path, headers.range ? 206 : 200])
        expect(r.headers['content-type'], path).toMatch(type)
        expect(r.headers['cache-control'], path).toBe('no-cache')
        // Registered by the page under the same CSP: worker-src 'self' covers it; nothing inline is needed.
        expect(String(r.headers['content-security-policy'])).toContain("worker-src 'self' blob:")
      }
    }
    expect((await send(server.url, '/sw.js')).body.toString()).toContain('addEventListener')
    await alive()
  })

  it('does not serve source maps, however the path is spelled', async () => {
    for (const path of [
      '/assets/app-abc123.js.map',
      '/assets/app-abc123.js%2Emap',
      '/assets/app-abc123.JS.MAP',
      '/assets/app-abc123.js.map?x=1',
    ]) {
      const r = await send(server.url, path, 'GET', { 'accept-encoding': 'gzip, br' })
      expect([path, r.status]).toEqual([path, 404])
      expect(r.body.toString()).not.toContain('secret.ts')
    }
  })
})

describe('failures inside a request (finding 1)', () => {
  it('a handler that throws answers 500 and the handler keeps serving', async () => {
    const handler = createStaticHandler(dir)
    const http = createServer((req, res) => {
      // A request object that throws when read stands for any bug in the handling code.
      if (req.url === '/boom')
        Object.defineProperty(req, 'url', {
          get: () => {
            throw new Error('boom')
          },
        })
      handler(req, res)
    })
    http.listen(0, '127.0.0.1')
    await once(http, 'listening')
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
    try {
      const r = await send(base, '/boom')
      expect([r.status, r.body.toString()]).toEqual([500, 'Internal server error'])
      expect((await send(base, '/favicon.svg')).status).toBe(200)
    } finally {
      http.close()
    }
  })

  it('a file that vanished after start is an error of that request only', async () => {
    rmSync(join(dir, 'assets', 'gone-abc123.js'))
    const r = await send(server.url, '/assets/gone-abc123.js').catch((err: Error) => err)
    // The response fails (500, or a reset connection when the headers were out already); the process stays.
    if (!(r instanceof Error)) expect(r.status).toBe(500)
    await alive()
  })
})

describe('connection limits and timeouts (finding 5)', () => {
  it('closes connections over the per-address cap at once, and the server keeps serving others', async () => {
    const sockets: Socket[] = []
    try {
      for (let i = 0; i < 60; i++) {
        const s = connect({ host: '127.0.0.1', port: Number(new URL(server.url).port) })
        s.on('error', () => {})
        sockets.push(s)
      }
      await Promise.all(sockets.map((s) => new Promise((r) => (s.readyState === 'open' ? r(null) : s.once('connect', r)))))
      await sleep(300)
      const open = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length
      expect(open).toBe(50)
      // Another address (all of 127/8 is loopback on Linux) is not affected.
      const other = await new Promise<number>((resolve, reject) => {
        const req = request(
          `${server.url}/`,
          { localAddress: '127.0.0.2', agent: false },
          (res) => (res.resume(), resolve(res.statusCode ?? 0)),
        )
        req.on('error', reject)
        req.end()
      })
      expect(other).toBe(200)
    } finally {
      for (const s of sockets) s.destroy()
    }
    await sleep(100)
    await alive()
  })

  it('closes connections over the total cap (MAX_CONNECTIONS) at once', async () => {
    const capped = await spawnServer({ STATIC_DIR: dir, MAX_CONNECTIONS: '20', MAX_CONNECTIONS_PER_IP: '1000' })
    const sockets: Socket[] = []
    try {
      for (let i = 0; i < 30; i++) {
        // From ten addresses, so only the total cap can be what refuses them.
        const s = connect({ host: '127.0.0.1', port: Number(new URL(capped.url).port), localAddress: `127.0.4.${1 + (i % 10)}` })
        s.on('error', () => {})
        s.resume()
        sockets.push(s)
      }
      await sleep(500)
      expect(sockets.filter((s) => !s.destroyed && s.readyState === 'open').length).toBe(20)
    } finally {
      for (const s of sockets) s.destroy()
      await capped.stop()
    }
  })

  it('drops requests whose headers never finish after HEADERS_TIMEOUT_MS', async () => {
    const port = Number(new URL(server.url).port)
    const t0 = Date.now()
    const closedAfter = await Promise.all(
      Array.from({ length: 20 }, () => {
        const s = connect({ host: '127.0.0.1', port })
        s.on('error', () => {})
        s.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ') // and never the end of the headers
        s.resume() // read what the server says (408) and its end of the connection
        return new Promise<number>((resolve) => s.once('close', () => resolve(Date.now() - t0)))
      }),
    )
    // HEADERS_TIMEOUT_MS is 1000 here and Node checks once a second: all gone within ~2 s, not Node's 60 s.
    expect(Math.max(...closedAfter)).toBeLessThan(4000)
    await alive()
  })
})
