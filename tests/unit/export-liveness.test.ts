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

  it('pings while started and says nothing while the worker answers each ping', () => {
    const { l, calls } = make()
    l.start()
    for (let i = 0; i < 20; i++) {
      l.heard()
      vi.advanceTimersByTime(5000)
    }
    expect(calls).toEqual({ ping: 21, silent: 0 })
  })

  it('calls silent once when a ping has gone unanswered for 30 s, and stops pinging', () => {
    const { l, calls } = make()
    l.start()
    vi.advanceTimersByTime(7000)
    l.heard() // answers the pings so far (the last one sent at 5 s); the next one goes out at 10 s
    vi.advanceTimersByTime(3000 + 25_000) // 35 s: the ping of 10 s is 25 s old
    expect(calls.silent).toBe(0)
    vi.advanceTimersByTime(5000) // 40 s: 30 s old
    expect(calls.silent).toBe(1)
    const pings = calls.ping
    vi.advanceTimersByTime(120_000)
    expect(calls).toEqual({ ping: pings, silent: 1 })
  })

  it('a late tick (the page was asleep, timers throttled) pings again instead of judging', () => {
    const { l, calls } = make()
    l.start() // a ping goes out, and is never answered while the page sleeps
    // Throttled to one tick a minute: the clock moves 60 s with no tick, then the next tick comes.
    vi.setSystemTime(Date.now() + 60_000)
    const pings = calls.ping
    vi.advanceTimersByTime(5000)
    expect(calls).toEqual({ ping: pings + 1, silent: 0 })
    l.heard() // the worker answers the new ping at once
    vi.advanceTimersByTime(5000)
    expect(calls.silent).toBe(0)
  })

  it('sends nothing and judges nothing while stopped', () => {
    const { l, calls } = make()
    l.start()
    vi.advanceTimersByTime(20_000)
    l.stop()
    const pings = calls.ping
    vi.advanceTimersByTime(60_000)
    expect(calls).toEqual({ ping: pings, silent: 0 })
    l.start()
    l.heard()
    vi.advanceTimersByTime(25_000)
    expect(calls.silent).toBe(0)
  })
})
