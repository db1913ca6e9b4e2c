/**
 * TLS for the app server. Off localhost a browser only grants camera access to a secure context, so trying the app
 * from a phone needs HTTPS: either real certificate files (TLS_CERT, TLS_KEY), or `--https` for a self-signed
 * certificate covering this machine's LAN addresses. The self-signed one is cached so the exception a phone's
 * browser remembers stays valid across restarts; it is regenerated when it nears expiry or the addresses change.
 */
import { X509Certificate } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { homedir, hostname, networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { generate } from 'selfsigned'
import type { TlsCredentials } from './app.ts'
import type { TlsFiles, TlsSelfSigned } from './config.ts'

export interface LoadedTls extends TlsCredentials {
  selfSigned: boolean
  /** SHA-256 fingerprint, to compare with what the phone's browser shows. */
  fingerprint256: string
  /** Host names and IP addresses the certificate covers. */
  hosts: string[]
}

const VALID_DAYS = 365
const RENEW_BEFORE_MS = 7 * 86_400_000

export async function loadTls(spec: TlsFiles | TlsSelfSigned, cacheDir = defaultCacheDir()): Promise<LoadedTls> {
  if (spec.kind === 'files') {
    const cert = readFileSync(spec.certFile, 'utf8')
    const key = readFileSync(spec.keyFile, 'utf8')
    const x509 = new X509Certificate(cert)
    return { cert, key, selfSigned: false, fingerprint256: x509.fingerprint256, hosts: sanHosts(x509) }
  }
  return selfSigned(cacheDir)
}

/** Addresses a phone on the same network could use to reach this machine. */
export function lanAddresses(): string[] {
  const out: string[] = []
  for (const infos of Object.values(networkInterfaces())) {
    for (const info of infos ?? []) {
      if (!info.internal && (info.family === 'IPv4' || !info.address.startsWith('fe80:'))) out.push(info.address)
    }
  }
  return out
}

function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'media-studio')
}

async function selfSigned(cacheDir: string): Promise<LoadedTls> {
  const ips = ['127.0.0.1', '::1', ...lanAddresses()]
  const names = ['localhost', hostname(), `${hostname()}.local`]
  const hosts = [...new Set([...names, ...ips])].sort()
  const certFile = join(cacheDir, 'selfsigned-cert.pem')
  const keyFile = join(cacheDir, 'selfsigned-key.pem')

  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, 'utf8')
    const x509 = new X509Certificate(cert)
    const covered = sanHosts(x509)
    const fresh = new Date(x509.validTo).getTime() - Date.now() > RENEW_BEFORE_MS
    if (fresh && hosts.every((h) => covered.includes(h))) {
      return { cert, key: readFileSync(keyFile, 'utf8'), selfSigned: true, fingerprint256: x509.fingerprint256, hosts: covered }
    }
  }

  const notBeforeDate = new Date(Date.now() - 60_000)
  const pems = await generate([{ name: 'commonName', value: 'Media Studio (self-signed, LAN testing)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + VALID_DAYS * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...names.map((value) => ({ type: 2 as const, value })), ...ips.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  })
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 })
  writeFileSync(certFile, pems.cert)
  writeFileSync(keyFile, pems.private, { mode: 0o600 })
  const x509 = new X509Certificate(pems.cert)
  return { cert: pems.cert, key: pems.private, selfSigned: true, fingerprint256: x509.fingerprint256, hosts: sanHosts(x509) }
}

/** "DNS:localhost, IP Address:127.0.0.1" → ["localhost", "127.0.0.1"] */
function sanHosts(x509: X509Certificate): string[] {
  return (x509.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim().replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean)
    .map((h) => normalizeIp(h))
    .sort()
}

/** Node prints IPv6 SANs in full form (0:0:0:0:0:0:0:1); compare in the short form. */
function normalizeIp(h: string): string {
  if (!h.includes(':')) return h
  try {
    return new URL(`http://[${h}]/`).hostname.slice(1, -1)
  } catch {
    return h
  }
}
