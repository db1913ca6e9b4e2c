/**
 * Addresses that keep getting their connections closed for abuse (ignoring the rate limit, flooding the event
 * queue, sending refused events) are refused new connections for a while, at the TCP accept: a flood that reconnects
 * as fast as it is cut off then costs the server almost nothing. One abusive connection is not enough (many people
 * can share an address behind a NAT): it takes `threshold` of them within `windowMs`.
 */
export interface AbuseGuard {
  /** A connection from `ip` was closed for abuse. */
  note(ip: string): void
  /** New connections from `ip` are refused right now. */
  blocked(ip: string): boolean
}

export function createAbuseGuard({ threshold = 10, windowMs = 10_000, blockMs = 10_000 } = {}): AbuseGuard {
  const recent = new Map<string, number[]>()
  const blockedUntil = new Map<string, number>()
  return {
    note(ip) {
      const now = Date.now()
      const times = (recent.get(ip) ?? []).filter((t) => now - t < windowMs)
      times.push(now)
      if (times.length >= threshold) {
        blockedUntil.set(ip, now + blockMs)
        recent.delete(ip)
      } else recent.set(ip, times)
      // Bounded: forget addresses whose entries are all old.
      if (recent.size > 10_000) for (const [k, v] of recent) if (now - v.at(-1)! >= windowMs) recent.delete(k)
    },
    blocked(ip) {
      const until = blockedUntil.get(ip)
      if (until === undefined) return false
      if (Date.now() < until) return true
      blockedUntil.delete(ip)
      return false
    },
  }
}
