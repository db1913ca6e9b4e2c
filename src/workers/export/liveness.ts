/**
 * Whether a worker still answers. While started, `ping()` is called every `pingMs` (the worker answers it as soon
 * as its event loop runs); anything heard from the worker counts (`heard()`), and `silent()` is called once when
 * nothing was heard for `silentMs`. A worker whose event loop stopped (Firefox stops one that starts workers of
 * its own in quick succession, with no error event) would otherwise leave its jobs waiting for ever.
 */
export interface Liveness {
  heard(): void
  /** Starts watching (no-op when already watching); the silence is counted from now. */
  start(): void
  stop(): void
}

export function liveness(o: { pingMs: number; silentMs: number; ping: () => void; silent: () => void; now?: () => number }): Liveness {
  const now = o.now ?? (() => performance.now())
  let timer: ReturnType<typeof setInterval> | undefined
  let last = now()
  const stop = () => {
    clearInterval(timer)
    timer = undefined
  }
  return {
    heard: () => void (last = now()),
    start() {
      if (timer !== undefined) return
      last = now()
      timer = setInterval(() => {
        if (now() - last < o.silentMs) return o.ping()
        stop()
        o.silent()
      }, o.pingMs)
    },
    stop,
  }
}
