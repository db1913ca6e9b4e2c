/** HTTPS and WSS: real certificate files (TLS_CERT/TLS_KEY) and `--https` with a cached self-signed certificate. */
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { get } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { io } from 'socket.io-client'
import { afterAll, describe, expect, it } from 'vitest'
import { createInstanceId, createPeerKey, createRoomId, joinOptions } from '../../src/lib/signaling/client.ts'
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/lib/signaling/schema.ts'
import type { Socket } from 'socket.io-client'
import { lanAddresses } from '../../server/tls.ts'
import { spawnServer, withTimeout, type ServerProcess } from './support/signaling.ts'

const running: ServerProcess[] = []
afterAll(() => Promise.all(running.map((p) => p.stop())))

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    }).on('error', reject)
  })
}

/** Joins a room over WSS, trusting only `ca`. */
async function joinOverWss(url: string, ca: string): Promise<string> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    transports: ['websocket'],
    auth: { peerKey: createPeerKey(), instance: createInstanceId() },
    ca,
    forceNew: true,
    reconnection: false,
  })
  try {
    return await withTimeout(
      new Promise<string>((resolve, reject) => {
        socket.once('connect_error', reject)
        socket.once('connect', () => socket.emit('join', createRoomId(), joinOptions({ v: 1 })))
        socket.once('joined', (_room, id) => resolve(id))
      }),
      5000,
      'joined over wss',
    )
  } finally {
    socket.disconnect()
  }
}

const fingerprintOf = (output: string) => output.match(/"fingerprint256":"([0-9A-F:]+)"/)?.[1]

describe('--https (self-signed)', () => {
  const cacheHome = mkdtempSync(join(tmpdir(), 'media-studio-cache-'))

  it('serves HTTPS and WSS with a certificate for localhost and the LAN addresses, and reuses it on restart', async () => {
    const first = await spawnServer({ XDG_CACHE_HOME: cacheHome }, ['--https'])
    running.push(first)
    expect(first.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const cert = readFileSync(join(cacheHome, 'media-studio', 'selfsigned-cert.pem'), 'utf8')
    const x509 = new X509Certificate(cert)
    expect(x509.subjectAltName).toContain('DNS:localhost')
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1')
    for (const ip of lanAddresses().filter((a) => !a.includes(':'))) expect(x509.subjectAltName).toContain(`IP Address:${ip}`)
    expect(fingerprintOf(first.output())).toBe(x509.fingerprint256)

    const page = await httpsGet(first.url.replace('127.0.0.1', 'localhost') + '/call/some-room', cert)
    expect(page.status).toBe(200)
    expect(page.body).toContain('Media Studio test')
    expect(await joinOverWss(first.url, cert)).toMatch(/^[A-Za-z0-9_-]{16}$/)
    await first.stop()

    // A phone that accepted the certificate once keeps working after a restart.
    const second = await spawnServer({ XDG_CACHE_HOME: cacheHome }, ['--https'])
    running.push(second)
    expect(fingerprintOf(second.output())).toBe(x509.fingerprint256)
  })

  it('uses TLS_CERT and TLS_KEY when given', async () => {
    const dir = join(cacheHome, 'media-studio')
    const server = await spawnServer({ TLS_CERT: join(dir, 'selfsigned-cert.pem'), TLS_KEY: join(dir, 'selfsigned-key.pem') })
    running.push(server)
    expect(server.output()).toContain('"tls":"files"')
    const cert = readFileSync(join(dir, 'selfsigned-cert.pem'), 'utf8')
    expect((await httpsGet(server.url, cert)).status).toBe(200)
    expect(await joinOverWss(server.url, cert)).toMatch(/^[A-Za-z0-9_-]{16}$/)
  })

  it('refuses half a TLS configuration', async () => {
    await expect(spawnServer({ TLS_CERT: '/nonexistent.pem' })).rejects.toThrow(/set both TLS_CERT and TLS_KEY/)
  })
})
