/** The export worker's liveness watch (src/workers/export/liveness.ts), on a clock the test moves. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { liveness } from '../../src/workers/export/liveness.ts'

describe('liveness', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  const make = () => {
    const calls = { ping: 0, silent: 0 }
    const l = liveness({ pingMs: 5000, silentMs: 30_000, ping: () => calls.ping++, silent: () => calls.silent++, now: () => Date.now() })
    return { l, calls }
  }

  it('pings while started and says nothing while the worker answers', () => {
    const { l, calls } = make()
    l.start()
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(5000)
      l.heard()
    }
    expect(calls).toEqual({ ping: 20, silent: 0 })
  })

  it('calls silent once, 30 s after the last answer, and stops pinging', () => {
    const { l, calls } = make()
    l.start()
    vi.advanceTimersByTime(10_000)
    l.heard() // last answer at 10 s
    vi.advanceTimersByTime(29_999)
    expect(calls.silent).toBe(0)
    vi.advanceTimersByTime(1)
    expect(calls.silent).toBe(1)
    const pings = calls.ping
    vi.advanceTimersByTime(120_000)
    expect(calls).toEqual({ ping: pings, silent: 1 })
  })

  it('counts nothing while stopped, and the silence restarts at start()', () => {
    const { l, calls } = make()
    l.start()
    vi.advanceTimersByTime(20_000)
    l.stop()
    vi.advanceTimersByTime(60_000)
    l.start()
    vi.advanceTimersByTime(25_000)
    expect(calls.silent).toBe(0)
    vi.advanceTimersByTime(5_000)
    expect(calls.silent).toBe(1)
  })
})
