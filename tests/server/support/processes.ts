/** Real helper daemons for server tests: Debian's redis-server and coturn, started on free loopback ports. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, withTimeout } from './signaling.ts'

export interface Daemon {
  port: number
  child: ChildProcess
  stop(): Promise<void>
}

/** Fails loudly (never skips) when a binary CI is supposed to install is missing. */
export function requireBinary(name: string, aptPackage: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${name}`]).status === 0
  if (!found)
    throw new Error(`${name} is not installed; install Debian's ${aptPackage} (apt-get install -y ${aptPackage}). CI installs it.`)
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  // A test may have frozen it (SIGSTOP) to simulate a stalled server: wake it so it can exit.
  child.kill('SIGCONT')
  child.kill('SIGTERM')
  await exited
}

/** A throwaway redis-server: no persistence, loopback only; on `port` to bring one back after an outage. */
export async function startRedis(port?: number): Promise<Daemon & { url: string }> {
  requireBinary('redis-server', 'redis-server')
  port ??= await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'media-studio-redis-'))
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}:\n${out}`)))
      child.stdout!.on('data', () => out.includes('Ready to accept connections') && resolve())
    }),
    10_000,
    'redis-server',
  )
  return { port, url: `redis://127.0.0.1:${port}`, child, stop: () => stopChild(child) }
}

export interface CoturnOptions {
  /** @default 'media-studio.test' */
  realm?: string
  /**
   * Relay to loopback peers too (`--allow-loopback-peers`, off by default in coturn): needed when two browsers on this
   * machine call each other through it, as their relay addresses are then 127.0.0.1. Allocation tests leave it off.
   */
  allowLoopbackPeers?: boolean
}

/**
 * What docs/signaling.md tells deployments to give coturn so the relay cannot be used to reach private networks
 * (the server's own LAN, cloud metadata at 169.254.169.254) or multicast, with quotas per user and in all.
 */
export const COTURN_HARDENING = [
  '--no-multicast-peers',
  '--denied-peer-ip=0.0.0.0-0.255.255.255',
  '--denied-peer-ip=10.0.0.0-10.255.255.255',
  '--denied-peer-ip=100.64.0.0-100.127.255.255',
  '--denied-peer-ip=169.254.0.0-169.254.255.255',
  '--denied-peer-ip=172.16.0.0-172.31.255.255',
  '--denied-peer-ip=192.0.0.0-192.0.0.255',
  '--denied-peer-ip=192.168.0.0-192.168.255.255',
  '--denied-peer-ip=198.18.0.0-198.19.255.255',
  '--denied-peer-ip=240.0.0.0-255.255.255.255',
  '--denied-peer-ip=fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  '--denied-peer-ip=fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  '--user-quota=12',
  '--total-quota=1200',
]

/** coturn in `use-auth-secret` mode (TURN REST API credentials), UDP on loopback, with COTURN_HARDENING. */
export async function startCoturn(
  secret: string,
  { realm = 'media-studio.test', allowLoopbackPeers = false }: CoturnOptions = {},
): Promise<Daemon & { realm: string }> {
  requireBinary('turnserver', 'coturn')
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'media-studio-coturn-'))
  const relayBase = 40000 + Math.floor(Math.random() * 20000)
  const child = spawn(
    'turnserver',
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      `--realm=${realm}`,
      ...COTURN_HARDENING,
      // Loopback peers stay allowed only where the test needs them (two browsers on this machine).
      ...(allowLoopbackPeers ? ['--allow-loopback-peers'] : []),
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      `--min-port=${relayBase}`,
      `--max-port=${relayBase + 100}`,
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--userdb=${join(dir, 'turndb')}`,
      '--log-file=stdout',
      '--simple-log',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`turnserver exited with code ${code}:\n${out}`))),
  )
  exited.catch(() => {})
  const { stunBinding } = await import('./turnClient.ts')
  // Ready when it answers a STUN binding request.
  await withTimeout(
    (async () => {
      for (;;) {
        if (await stunBinding('127.0.0.1', port, 200)) return
        await Promise.race([exited, new Promise((r) => setTimeout(r, 100))])
      }
    })(),
    10_000,
    'turnserver',
  )
  return { port, realm, child, stop: () => stopChild(child) }
}
