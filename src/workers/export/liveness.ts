/**
 * Whether a worker still answers. While started, `ping()` is called every `pingMs` (the worker answers it as soon
 * as its event loop runs), and anything heard from the worker counts as an answer (`heard()`). `silent()` is
 * called once when a ping has gone unanswered for `silentMs`. A worker whose event loop stopped (Firefox stops one
 * that starts workers of its own in quick succession, with no error event) would otherwise leave its jobs waiting
 * for ever.
 *
 * Silence is judged from the oldest unanswered ping, not from the last message: in a hidden tab timers may run
 * once a minute, and a late tick only means the page was asleep, so it sends a new ping instead of judging.
 */
export interface Liveness {
  heard(): void
  /** Starts watching (no-op when already watching). */
  start(): void
  stop(): void
}

export function liveness(o: { pingMs: number; silentMs: number; ping: () => void; silent: () => void; now?: () => number }): Liveness {
  const now = o.now ?? (() => performance.now())
  let timer: ReturnType<typeof setInterval> | undefined
  /** When the oldest ping not answered yet was sent, or null. */
  let unansweredSince: number | null = null
  let lastTick = 0
  const stop = () => {
    clearInterval(timer)
    timer = undefined
    unansweredSince = null
  }
  const ping = () => {
    unansweredSince ??= now()
    o.ping()
  }
  return {
    heard: () => void (unansweredSince = null),
    start() {
      if (timer !== undefined) return
      lastTick = now()
      ping()
      timer = setInterval(() => {
        const t = now()
        const late = t - lastTick > 2 * o.pingMs
        lastTick = t
        if (late) {
          // The page itself was not running: what the worker did meanwhile cannot be judged. Ask again.
          unansweredSince = null
          return ping()
        }
        if (unansweredSince !== null && t - unansweredSince >= o.silentMs) {
          stop()
          return o.silent()
        }
        ping()
      }, o.pingMs)
    },
    stop,
  }
}
