/**
 * Who may open a signaling connection. Browsers always send `Origin` on a WebSocket handshake and page scripts cannot
 * forge it, so the check stops other web sites from using this server (or a user's session on it). Non-browser
 * clients can send any Origin they like, so a missing Origin is allowed: rejecting it would add no security.
 */
import type { IncomingMessage } from 'node:http'
import type { SignalingConfig } from '../config.ts'

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

export type OriginVerdict = { ok: true } | { ok: false; reason: string }

export function checkOrigin(
  origin: string | undefined,
  requestHost: string | undefined,
  allowed: SignalingConfig['allowedOrigins'],
): OriginVerdict {
  if (origin === undefined) return { ok: true }
  if (allowed === '*') return { ok: true }
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return { ok: false, reason: 'malformed Origin header' }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `origin ${origin} not allowed` }
  // Same origin: the page was served by this very server (npm start, or the Vite dev server in dev).
  if (requestHost !== undefined && url.host === requestHost.toLowerCase()) return { ok: true }
  if (allowed === undefined) {
    // Default for development: any loopback page, e.g. the Vite dev server on :5173 next to `npm run serve` on :8080.
    if (LOOPBACK_HOSTS.has(url.hostname)) return { ok: true }
    return { ok: false, reason: `origin ${url.origin} not allowed (set ALLOWED_ORIGINS)` }
  }
  if (allowed.includes(url.origin)) return { ok: true }
  return { ok: false, reason: `origin ${url.origin} not in ALLOWED_ORIGINS` }
}

/** engine.io `allowRequest`, logging each rejection. */
export function originGuard(
  allowed: SignalingConfig['allowedOrigins'],
  onReject: (reason: string, req: IncomingMessage) => void,
): (req: IncomingMessage, fn: (err: string | null | undefined, success: boolean) => void) => void {
  return (req, fn) => {
    const verdict = checkOrigin(req.headers.origin, req.headers.host, allowed)
    if (verdict.ok) return fn(null, true)
    onReject(verdict.reason, req)
    fn(verdict.reason, false)
  }
}
