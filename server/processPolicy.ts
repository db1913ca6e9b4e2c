/**
 * What the process does with errors nothing else caught. Every request and signaling event already has its own
 * handler that answers (500, or an `error` event) and keeps going; this is the net under those.
 *
 * - An unhandled promise rejection is logged with its reason and the process keeps serving: every piece of state
 *   here (rooms, seats, queues) is changed synchronously or by one awaited store call whose failure leaves it as it
 *   was, so a stray rejection (a fire-and-forget network call) cannot have left anything half-done.
 * - An uncaught exception is logged too. If it is a network or stream error of one connection (EPIPE, ECONNRESET, a
 *   write after end), that connection is gone and nothing else is touched: keep serving. Anything else means code
 *   threw where nobody expected it, so the state is unknown: close gracefully (seats are kept for the grace period,
 *   so with Redis the peers resume on another process) and exit with code 1 for the supervisor to restart us
 *   (see the systemd unit in docs/signaling.md).
 */
import type { Logger } from 'pino'

/** Errors that concern one socket or stream only. */
const CONNECTION_ERRORS = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ERR_STREAM_WRITE_AFTER_END',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_HTTP_HEADERS_SENT',
])

export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && CONNECTION_ERRORS.has(code)
}

export interface ProcessPolicy {
  /** Counts since start, for tests and health checks. */
  unhandledRejections: number
  uncaughtExceptions: number
}

export function installProcessPolicy(log: Logger, shutdown: (code: number) => void): ProcessPolicy {
  const counts: ProcessPolicy = { unhandledRejections: 0, uncaughtExceptions: 0 }
  process.on('unhandledRejection', (reason) => {
    counts.unhandledRejections++
    log.error({ err: reason, count: counts.unhandledRejections }, 'unhandled promise rejection (still serving)')
  })
  process.on('uncaughtException', (err, origin) => {
    counts.uncaughtExceptions++
    if (isConnectionError(err)) {
      log.error({ err, origin, count: counts.uncaughtExceptions }, 'uncaught connection error (still serving)')
      return
    }
    log.fatal({ err, origin }, 'uncaught exception: state unknown, shutting down for the supervisor to restart')
    shutdown(1)
  })
  return counts
}
