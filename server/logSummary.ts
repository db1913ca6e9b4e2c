/**
 * Logging that an attacker cannot turn into a flood: things that can happen thousands of times a second (refused
 * events, refused connections, Redis errors during an outage) are counted. The first of each kind in a period is
 * logged with its details; the rest only show in one summary line per period, with their counts.
 */
import type { Logger } from 'pino'

export interface EventLog {
  /** Counts one `kind`; logs it (with `details`) only if it is the first of its kind this period. */
  note(kind: string, details?: Record<string, unknown>, level?: 'warn' | 'error' | 'info'): void
  /** Everything counted since start, by kind (for health checks and tests). */
  totals(): Record<string, number>
  /** Logs the summary of the current period now. */
  flush(): void
  close(): void
}

export function createEventLog(log: Pick<Logger, 'warn' | 'error' | 'info'>, periodMs: number): EventLog {
  let period = new Map<string, number>()
  const totals = new Map<string, number>()
  let periodStart = Date.now()

  function flush() {
    // Only kinds that happened more than the one already logged are worth a summary.
    const repeated = [...period].filter(([, n]) => n > 1)
    if (repeated.length > 0) {
      log.warn({ seconds: Math.round((Date.now() - periodStart) / 1000), counts: Object.fromEntries(period) }, 'summary of refusals and errors')
    }
    period = new Map()
    periodStart = Date.now()
  }
  const timer = setInterval(flush, periodMs)
  timer.unref()

  return {
    note(kind, details = {}, level = 'warn') {
      const n = (period.get(kind) ?? 0) + 1
      period.set(kind, n)
      totals.set(kind, (totals.get(kind) ?? 0) + 1)
      if (n === 1) log[level]({ ...details, kind }, kind)
    },
    totals: () => Object.fromEntries(totals),
    flush,
    close() {
      clearInterval(timer)
      flush()
    },
  }
}
